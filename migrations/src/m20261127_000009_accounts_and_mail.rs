//! Accounts and the e-mail that backs them. A member confirms their address
//! (by a link, before selling or withdrawing) and may reset a forgotten
//! password (by a link); both links carry a single-use token kept here only
//! as its SHA-256, so a copy of the database cannot sign anyone in. Every
//! member gets a session generation: "sign out everywhere", a password
//! change and a reset raise it, which ends every session signed in under
//! the old one. The e-mail outbox gains what a sender needs to share it
//! between instances and retry: a lease, attempts, the next attempt's time
//! and the last error. Members from before this migration are asked to
//! confirm their address like new ones: nobody ever proved they own it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerifiedAt,
    SessionGeneration,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    MemberId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    FailedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let users = [
            ColumnDef::new(Users::EmailVerifiedAt).big_integer().null().to_owned(),
            ColumnDef::new(Users::SessionGeneration).integer().not_null().default(0).to_owned(),
        ];
        for mut column in users {
            manager
                .alter_table(Table::alter().table(Users::Table).add_column(&mut column).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(
                        ColumnDef::new(AccountTokens::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AccountTokens::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(AccountTokens::Purpose).text().not_null())
                    .col(ColumnDef::new(AccountTokens::TokenHash).text().not_null().unique_key())
                    .col(ColumnDef::new(AccountTokens::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(AccountTokens::ExpiresAt).big_integer().not_null())
                    .col(ColumnDef::new(AccountTokens::UsedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountTokens::Table, AccountTokens::MemberId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_tokens_member")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::MemberId)
                    .col(AccountTokens::Purpose)
                    .to_owned(),
            )
            .await?;
        let outbox = [
            ColumnDef::new(EmailOutbox::Attempts).integer().not_null().default(0).to_owned(),
            ColumnDef::new(EmailOutbox::NextAttemptAt).big_integer().not_null().default(0).to_owned(),
            ColumnDef::new(EmailOutbox::ClaimedUntil).big_integer().null().to_owned(),
            ColumnDef::new(EmailOutbox::LastError).text().null().to_owned(),
            ColumnDef::new(EmailOutbox::FailedAt).big_integer().null().to_owned(),
        ];
        for mut column in outbox {
            manager
                .alter_table(Table::alter().table(EmailOutbox::Table).add_column(&mut column).to_owned())
                .await?;
        }
        // What waited before is due at once, in the order it was written.
        manager
            .exec_stmt(
                Query::update()
                    .table(EmailOutbox::Table)
                    .value(EmailOutbox::NextAttemptAt, Expr::col(EmailOutbox::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_outbox_due")
                    .table(EmailOutbox::Table)
                    .col(EmailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("email_outbox_due").table(EmailOutbox::Table).to_owned())
            .await?;
        for column in [
            EmailOutbox::FailedAt,
            EmailOutbox::LastError,
            EmailOutbox::ClaimedUntil,
            EmailOutbox::NextAttemptAt,
            EmailOutbox::Attempts,
        ] {
            manager
                .alter_table(Table::alter().table(EmailOutbox::Table).drop_column(column).to_owned())
                .await?;
        }
        manager.drop_table(Table::drop().table(AccountTokens::Table).to_owned()).await?;
        for column in [Users::SessionGeneration, Users::EmailVerifiedAt] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
