//! Refunds, disputes and what surrounds them: arbiters and suspensions on
//! members, order messages, photos (evidence now, listing photos later),
//! fraud claims, ratings, and an outbox for e-mail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            boolean("is_arbiter").default(false).to_owned(),
            big_integer_null("suspended_at").to_owned(),
            text_null("suspension_reason").to_owned(),
        ] {
            manager.alter_table(Table::alter().table("users").add_column(column).to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("order_messages")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("author_id"))
                    .col(text("body"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from("order_messages", "order_id").to("orders", "id"))
                    .foreign_key(ForeignKey::create().from("order_messages", "author_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_messages_order")
                    .table("order_messages")
                    .col("order_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("photos")
                    .col(big_pk_auto("id"))
                    .col(big_integer("owner_id"))
                    // What the photo belongs to: a listing, a refund request,
                    // a message, a dispute, a fraud claim.
                    .col(string_len("purpose", 16))
                    .col(big_integer("subject_id"))
                    .col(integer("position").default(0))
                    .col(string_len("file", 80))
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from("photos", "owner_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("photos_subject")
                    .table("photos")
                    .col("purpose")
                    .col("subject_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("fraud_claims")
                    .col(big_pk_auto("id"))
                    .col(big_integer_uniq("order_id"))
                    .col(big_integer("buyer_id"))
                    .col(big_integer("seller_id"))
                    .col(text("statement"))
                    .col(string_len("state", 16))
                    .col(text_null("decision_reason"))
                    .col(big_integer_null("decided_by"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("decided_at"))
                    .foreign_key(ForeignKey::create().from("fraud_claims", "order_id").to("orders", "id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("ratings")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("rater_id"))
                    .col(big_integer("ratee_id"))
                    .col(string_len("score", 8))
                    .col(text("comment"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from("ratings", "order_id").to("orders", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ratings_once_per_side")
                    .table("ratings")
                    .col("order_id")
                    .col("rater_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ratings_ratee").table("ratings").col("ratee_id").to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("email_outbox")
                    .col(big_pk_auto("id"))
                    .col(big_integer("member_id"))
                    .col(string_len("to_address", 254))
                    .col(string_len("subject", 200))
                    .col(text("body"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("email_outbox_unsent").table("email_outbox").col("sent_at").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["email_outbox", "ratings", "fraud_claims", "photos", "order_messages"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in ["suspension_reason", "suspended_at", "is_arbiter"] {
            manager.alter_table(Table::alter().table("users").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
