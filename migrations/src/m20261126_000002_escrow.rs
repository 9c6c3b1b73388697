//! The escrow core: ledger accounts and transfers, orders with their events
//! and timers, bank operations, notifications and form idempotency.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SYSTEM_ACCOUNTS: [&str; 5] =
    ["escrow", "withdrawals_pending", "bank_clearing", "platform_fees", "platform_compensation"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("accounts")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("code", 64))
                    .col(big_integer_null("member_id"))
                    .col(big_integer("balance_fen").default(0))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table("accounts").columns(["code", "balance_fen"]);
        for code in SYSTEM_ACCOUNTS {
            insert.values_panic([code.into(), 0i64.into()]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .create_table(
                Table::create()
                    .table("transfers")
                    .col(big_pk_auto("id"))
                    .col(big_integer("debit_account_id"))
                    .col(big_integer("credit_account_id"))
                    .col(big_integer("amount_fen").check(Expr::col("amount_fen").gt(0)))
                    .col(string_len("kind", 32))
                    .col(big_integer_null("order_id"))
                    .col(big_integer_null("bank_operation_id"))
                    .col(string_len_uniq("idempotency_key", 128))
                    .col(big_integer("created_at"))
                    .foreign_key(
                        ForeignKey::create().from("transfers", "debit_account_id").to("accounts", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create().from("transfers", "credit_account_id").to("accounts", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for column in ["debit_account_id", "credit_account_id", "order_id"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("transfers_{column}"))
                        .table("transfers")
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("orders")
                    .col(big_pk_auto("id"))
                    .col(big_integer("buyer_id"))
                    .col(big_integer("seller_id"))
                    .col(big_integer("listing_id"))
                    .col(string_len("listing_title", 120))
                    .col(integer("quantity").check(Expr::col("quantity").gt(0)))
                    .col(big_integer("unit_price_fen"))
                    .col(big_integer("amount_fen"))
                    .col(big_integer("held_fen").default(0).check(Expr::col("held_fen").gte(0)))
                    .col(string_len("state", 32))
                    .col(integer("version").default(0))
                    .col(text("shipping_address"))
                    .col(string_len_null("ship_carrier", 60))
                    .col(string_len_null("ship_tracking", 60))
                    .col(string_len_null("deadline_kind", 32))
                    .col(big_integer_null("deadline_at"))
                    .col(string_len_null("paused_kind", 32))
                    .col(big_integer_null("paused_remaining_ms"))
                    .col(boolean("confirm_extended").default(false))
                    .col(string_len_null("refund_kind", 32))
                    .col(big_integer_null("refund_amount_fen"))
                    .col(text_null("refund_reason"))
                    .col(string_len_null("refund_from", 32))
                    .col(text_null("refund_refusal"))
                    .col(string_len_null("return_carrier", 60))
                    .col(string_len_null("return_tracking", 60))
                    .col(big_integer_null("ended_at"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(ForeignKey::create().from("orders", "buyer_id").to("users", "id"))
                    .foreign_key(ForeignKey::create().from("orders", "seller_id").to("users", "id"))
                    .foreign_key(ForeignKey::create().from("orders", "listing_id").to("listings", "id"))
                    .to_owned(),
            )
            .await?;
        for column in ["buyer_id", "seller_id", "state"] {
            manager
                .create_index(
                    Index::create().name(format!("orders_{column}")).table("orders").col(column).to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("order_events")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(string_len("actor", 16))
                    .col(big_integer_null("actor_id"))
                    .col(string_len("kind", 32))
                    .col(string_len("from_state", 32))
                    .col(string_len("to_state", 32))
                    .col(text("description"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from("order_events", "order_id").to("orders", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("order_events_order").table("order_events").col("order_id").to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("timers")
                    .col(big_pk_auto("id"))
                    // One running deadline per order.
                    .col(big_integer_uniq("order_id"))
                    .col(string_len("kind", 32))
                    .col(big_integer("due_at"))
                    .col(big_integer_null("claimed_until"))
                    .foreign_key(ForeignKey::create().from("timers", "order_id").to("orders", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("timers_due_at").table("timers").col("due_at").to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("bank_operations")
                    .col(big_pk_auto("id"))
                    .col(big_integer("member_id"))
                    .col(string_len("kind", 16))
                    .col(big_integer("amount_fen").check(Expr::col("amount_fen").gt(0)))
                    .col(string_len("status", 16))
                    .col(string_len_uniq("reference", 64))
                    .col(big_integer_null("pay_order_id"))
                    .col(text_null("failure"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("settled_at"))
                    .foreign_key(ForeignKey::create().from("bank_operations", "member_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("bank_operations_member")
                    .table("bank_operations")
                    .col("member_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(big_pk_auto("id"))
                    .col(big_integer("member_id"))
                    .col(string_len("kind", 32))
                    .col(big_integer_null("order_id"))
                    .col(text("message"))
                    .col(big_integer_null("read_at"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from("notifications", "member_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_member_unread")
                    .table("notifications")
                    .col("member_id")
                    .col("read_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("form_submissions")
                    .col(big_integer("member_id"))
                    .col(string_len("key", 64))
                    .col(text("outcome"))
                    .col(big_integer("created_at"))
                    .primary_key(Index::create().col("member_id").col("key"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "form_submissions",
            "notifications",
            "bank_operations",
            "timers",
            "order_events",
            "transfers",
            "orders",
            "accounts",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
