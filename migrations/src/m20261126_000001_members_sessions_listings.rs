use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    // Stored lower-cased so uniqueness ignores case on both backends.
                    .col(string_len_uniq("email", 254))
                    .col(string_len("display_name", 60))
                    .col(string("password_hash"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(string_len("id", 64).primary_key())
                    .col(text("data"))
                    .col(big_integer("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("sessions_expires_at").table("sessions").col("expires_at").to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("listings")
                    .col(big_pk_auto("id"))
                    .col(big_integer("seller_id"))
                    .col(string_len("title", 120))
                    .col(text("description"))
                    .col(string_len("category", 32))
                    .col(string_len("condition", 32))
                    .col(big_integer("price_fen").check(Expr::col("price_fen").gt(0)))
                    .col(integer("stock").check(Expr::col("stock").gte(0)))
                    .col(string_len("status", 16))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("listings_seller")
                            .from("listings", "seller_id")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("listings_status_newest")
                    .table("listings")
                    .col("status")
                    .col("created_at")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("listings_seller").table("listings").col("seller_id").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["listings", "sessions", "users"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
