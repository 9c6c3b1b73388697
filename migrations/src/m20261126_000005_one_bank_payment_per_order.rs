//! At most one bank payment on its way per order. The request path already
//! answers a second pay-by-bank with the first one; this makes the database
//! refuse a second pending one too, so no future path can fill a buyer's
//! wallet with top-ups they never asked for. Same SQL on both backends
//! (partial indexes).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Settles duplicates left by the race this closes: all but the first
        // pending payment of an order are marked failed (nothing was credited
        // for them yet, so no money moves).
        db.execute_unprepared(
            "UPDATE bank_operations SET status = 'failed', failure = 'a duplicate bank payment for the order'
             WHERE status = 'pending' AND pay_order_id IS NOT NULL AND id NOT IN (
                 SELECT MIN(id) FROM bank_operations
                 WHERE status = 'pending' AND pay_order_id IS NOT NULL GROUP BY pay_order_id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX bank_operations_one_pending_per_order
             ON bank_operations (pay_order_id) WHERE status = 'pending' AND pay_order_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS bank_operations_one_pending_per_order")
            .await?;
        Ok(())
    }
}
