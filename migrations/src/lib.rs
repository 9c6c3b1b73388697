//! Schema migrations. Each runs unchanged on SQLite and PostgreSQL, so only
//! portable column types are used: money is whole fen in a BIGINT and times
//! are Unix milliseconds in a BIGINT (both compare and sort the same way on
//! either backend).

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_members_sessions_listings;
mod m20261126_000002_escrow;
mod m20261126_000003_disputes;
mod m20261126_000004_search;
mod m20261126_000005_one_bank_payment_per_order;
mod m20261127_000006_merchants;
mod m20261127_000007_bigram_search;
mod m20261127_000008_languages;
mod m20261127_000009_accounts_and_mail;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_members_sessions_listings::Migration),
            Box::new(m20261126_000002_escrow::Migration),
            Box::new(m20261126_000003_disputes::Migration),
            Box::new(m20261126_000004_search::Migration),
            Box::new(m20261126_000005_one_bank_payment_per_order::Migration),
            Box::new(m20261127_000006_merchants::Migration),
            Box::new(m20261127_000007_bigram_search::Migration),
            Box::new(m20261127_000008_languages::Migration),
            Box::new(m20261127_000009_accounts_and_mail::Migration),
        ]
    }
}
