//! Escrow for other shops (SPEC §7): merchants and their API keys, escrows
//! created through the API (an ordinary order once the buyer pays), the
//! webhook endpoints, events and deliveries, and what the API's idempotency
//! needs beside the form keys it shares a table with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        orders_without_listing(manager).await?;

        // API keys are idempotent per (merchant, method, path, key): stored
        // under a hash of all four, with the request's own hash (a different
        // body is refused) and the answer to replay. No answer yet means the
        // first request is still in flight.
        for column in
            [string_len_null("request_hash", 64).to_owned(), integer_null("response_status").to_owned()]
        {
            manager
                .alter_table(Table::alter().table("form_submissions").add_column(column).to_owned())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("merchants")
                    .col(big_integer("member_id").primary_key())
                    .col(big_integer("enabled_at"))
                    .foreign_key(ForeignKey::create().from("merchants", "member_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .col(big_pk_auto("id"))
                    .col(big_integer("merchant_id"))
                    .col(string_len("name", 60))
                    // live or test: test keys make test escrows, never mixed
                    // into live figures.
                    .col(string_len("mode", 8))
                    .col(string_len_uniq("secret_hash", 64))
                    .col(string_len("last_four", 4))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("last_used_at"))
                    .col(big_integer_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create().from("api_keys", "merchant_id").to("merchants", "member_id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("escrows")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("public_id", 40))
                    .col(big_integer("merchant_id"))
                    .col(string_len("mode", 8))
                    .col(string_len("out_trade_no", 64))
                    .col(big_integer("amount_fen").check(Expr::col("amount_fen").gt(0)))
                    .col(string_len("subject", 120))
                    .col(text("items"))
                    .col(string_len_null("buyer_email", 254))
                    .col(text_null("return_url"))
                    .col(text_null("cancel_url"))
                    .col(text("metadata"))
                    // awaiting_payment or cancelled until the buyer pays; then
                    // the order's state says the rest.
                    .col(string_len("status", 32))
                    .col(big_integer_null("order_id"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(
                        ForeignKey::create().from("escrows", "merchant_id").to("merchants", "member_id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("escrows_out_trade_no")
                    .table("escrows")
                    .col("merchant_id")
                    .col("mode")
                    .col("out_trade_no")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("escrows_order").table("escrows").col("order_id").unique().to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(big_pk_auto("id"))
                    .col(big_integer("merchant_id"))
                    .col(text("url"))
                    .col(string_len("secret", 64))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("disabled_at"))
                    .col(text_null("disabled_reason"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_endpoints", "merchant_id")
                            .to("merchants", "member_id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_events")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("public_id", 40))
                    .col(big_integer("merchant_id"))
                    .col(string_len("mode", 8))
                    .col(string_len("kind", 40))
                    .col(big_integer("escrow_id"))
                    .col(text("payload"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(big_pk_auto("id"))
                    .col(big_integer("event_id"))
                    .col(big_integer("endpoint_id"))
                    .col(integer("attempts").default(0))
                    // pending, delivered, failed (given up or the endpoint gone)
                    .col(string_len("status", 16))
                    .col(big_integer("next_attempt_at"))
                    .col(big_integer_null("claimed_until"))
                    .col(big_integer_null("delivered_at"))
                    .col(integer_null("last_status"))
                    .col(text_null("last_error"))
                    .col(big_integer_null("last_latency_ms"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_deliveries", "event_id")
                            .to("webhook_events", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_deliveries", "endpoint_id")
                            .to("webhook_endpoints", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_due")
                    .table("webhook_deliveries")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("delivery_id"))
                    .col(big_integer("at"))
                    .col(integer_null("status"))
                    .col(text_null("error"))
                    .col(big_integer("latency_ms"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("webhook_attempts", "delivery_id")
                            .to("webhook_deliveries", "id"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_events",
            "webhook_endpoints",
            "escrows",
            "api_keys",
            "merchants",
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}

/// An escrow's order sells no listing: `orders.listing_id` becomes nullable.
/// SQLite cannot drop a NOT NULL in place, so the table is rebuilt from its
/// own schema text (the procedure of SQLite's "ALTER TABLE" page: foreign
/// keys off, copy, drop, rename, indexes back, check) in one script, which
/// runs on one pooled connection, as the pragma requires.
async fn orders_without_listing(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() != sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("ALTER TABLE orders ALTER COLUMN listing_id DROP NOT NULL").await?;
        return Ok(());
    }
    let schema_of = |kind: &str| {
        sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            format!(
                "SELECT sql FROM sqlite_master WHERE type = '{kind}' AND tbl_name = 'orders' AND sql IS NOT NULL"
            ),
        )
    };
    let table: String = db
        .query_one_raw(schema_of("table"))
        .await?
        .ok_or_else(|| DbErr::Migration("no orders table".into()))?
        .try_get("", "sql")?;
    // SeaORM writes a big integer column as `integer` on SQLite.
    let not_null = "\"listing_id\" integer NOT NULL";
    if !table.contains(not_null) {
        return Err(DbErr::Migration(format!("orders.listing_id is not as expected: {table}")));
    }
    let rebuilt = table.replacen(not_null, "\"listing_id\" integer NULL", 1).replacen(
        "CREATE TABLE \"orders\"",
        "CREATE TABLE \"orders_rebuilt\"",
        1,
    );
    let mut indexes = Vec::new();
    for row in db.query_all_raw(schema_of("index")).await? {
        indexes.push(row.try_get::<String>("", "sql")?);
    }
    let script = format!(
        "PRAGMA foreign_keys = OFF; BEGIN; {rebuilt}; INSERT INTO orders_rebuilt SELECT * FROM orders; \
         DROP TABLE orders; ALTER TABLE orders_rebuilt RENAME TO orders; {}; COMMIT; PRAGMA foreign_keys = ON;",
        indexes.join("; ")
    );
    db.execute_unprepared(&script).await?;
    let broken = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    if !broken.is_empty() {
        return Err(DbErr::Migration(format!("{} rows lost their foreign keys", broken.len())));
    }
    Ok(())
}
