//! Texts in the reader's language. Until now the order timeline and the
//! notifications were stored as finished English sentences; from here on
//! each row also keeps what it tells as data (the timeline's event as JSON,
//! a notification's subject), so a page writes the sentence in the language
//! of whoever reads it. Rows from before keep their English sentence, shown
//! as it was. A member's language is kept for the e-mails sent to them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Told,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Subject,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Locale,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrderEvents::Table)
                    .add_column(ColumnDef::new(OrderEvents::Told).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::Subject).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::Locale).text().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::Locale).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(Notifications::Table).drop_column(Notifications::Subject).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(OrderEvents::Table).drop_column(OrderEvents::Told).to_owned())
            .await?;
        Ok(())
    }
}
