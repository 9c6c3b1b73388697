//! Search through tokens the app makes (see `escrowmart_domain::tokens`):
//! CJK pairs and single characters, words, and title pinyin, in one column
//! `search_tokens`, indexed by FTS5 (`unicode61`) on SQLite and by a GIN
//! `to_tsvector('simple', …)` index on PostgreSQL. It replaces the trigram
//! indexes of the search migration, which could not look up two-character
//! words (手机 scanned every listing: 1.64 s at 100,000 listings).
//!
//! Existing listings are re-indexed here, in batches, by the same Rust
//! function the app writes with.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement, Value};

use super::m20261126_000004_search as trigram;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Listings re-indexed per UPDATE statement (two values each, well inside
/// SQLite's 32,766 bound parameters).
const BATCH: usize = 500;

const SQLITE_DROP_TRIGRAM: &[&str] = &[
    "DROP TRIGGER IF EXISTS listings_fts_update",
    "DROP TRIGGER IF EXISTS listings_fts_delete",
    "DROP TRIGGER IF EXISTS listings_fts_insert",
    "DROP TABLE IF EXISTS listings_fts",
];

/// The FTS5 index holds active listings only: a search never wants the
/// others, so counting matches needs no look-up in `listings` (measured at
/// 100,000 listings: 1.7 ms → 0.05 ms for the 710 matches of 手机).
const SQLITE_UP: &[&str] = &[
    // Diacritics are kept, as PostgreSQL's `simple` configuration keeps
    // them, so both backends match the same tokens.
    "CREATE VIRTUAL TABLE listings_fts USING fts5(
        search_tokens, content='listings', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings WHEN new.status = 'active' BEGIN
        INSERT INTO listings_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
    END",
    "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings WHEN old.status = 'active' BEGIN
        INSERT INTO listings_fts(listings_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
    END",
    // Only text and status changes touch the index; stock moves with every
    // order. One trigger, so the old entry always leaves before the new one
    // comes in.
    "CREATE TRIGGER listings_fts_update AFTER UPDATE OF search_tokens, status ON listings BEGIN
        INSERT INTO listings_fts(listings_fts, rowid, search_tokens)
            SELECT 'delete', old.id, old.search_tokens WHERE old.status = 'active';
        INSERT INTO listings_fts(rowid, search_tokens)
            SELECT new.id, new.search_tokens WHERE new.status = 'active';
    END",
    "INSERT INTO listings_fts(rowid, search_tokens) SELECT id, search_tokens FROM listings WHERE status = 'active'",
];

const POSTGRES_DROP_TRIGRAM: &[&str] = &[
    "DROP INDEX IF EXISTS listings_description_trgm",
    "DROP INDEX IF EXISTS listings_title_trgm",
    "DROP INDEX IF EXISTS listings_search_vector",
    "ALTER TABLE listings DROP COLUMN IF EXISTS search_vector",
];

const POSTGRES_UP: &[&str] =
    &["CREATE INDEX listings_search_tokens ON listings USING gin (to_tsvector('simple', search_tokens))"];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX IF EXISTS listings_search_tokens"];

async fn reindex(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "SELECT id, title, description FROM listings WHERE id > $1 ORDER BY id LIMIT $2"
                    }
                    _ => "SELECT id, title, description FROM listings WHERE id > ? ORDER BY id LIMIT ?",
                },
                [Value::from(after), Value::from(BATCH as i64)],
            ))
            .await?;
        let Some(last) = rows.last() else { return Ok(()) };
        after = last.try_get_by_index::<i64>(0)?;
        let mut values = Vec::with_capacity(rows.len() * 2);
        let mut tuples = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get_by_index(0)?;
            let title: String = row.try_get_by_index(1)?;
            let description: String = row.try_get_by_index(2)?;
            values.push(Value::from(id));
            values.push(Value::from(escrowmart_domain::tokens::index_text(&title, &description)));
            tuples.push(match backend {
                DbBackend::Postgres => format!("(${}::bigint, ${})", values.len() - 1, values.len()),
                _ => "(?, ?)".to_owned(),
            });
        }
        let sql = format!(
            "UPDATE listings SET search_tokens = v.column2 FROM (VALUES {}) AS v WHERE listings.id = v.column1",
            tuples.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// On SQLite too (SeaORM's default there is none): the statements would
    /// otherwise run on different pooled connections, and one seeing the
    /// schema before another's DROP failed the CREATE now and then.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        match backend {
            DbBackend::Sqlite => trigram::run(manager, SQLITE_DROP_TRIGRAM).await?,
            DbBackend::Postgres => trigram::run(manager, POSTGRES_DROP_TRIGRAM).await?,
            other => return Err(DbErr::Migration(format!("search is not built for {other:?}"))),
        }
        manager
            .alter_table(
                Table::alter()
                    .table("listings")
                    .add_column(ColumnDef::new("search_tokens").text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        // Filled before the index exists: one build instead of a change per row.
        reindex(manager).await?;
        match backend {
            DbBackend::Postgres => trigram::run(manager, POSTGRES_UP).await,
            _ => trigram::run(manager, SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        match backend {
            DbBackend::Postgres => trigram::run(manager, POSTGRES_DOWN).await?,
            _ => trigram::run(manager, SQLITE_DROP_TRIGRAM).await?,
        }
        manager.alter_table(Table::alter().table("listings").drop_column("search_tokens").to_owned()).await?;
        match backend {
            DbBackend::Postgres => trigram::run(manager, &trigram::POSTGRES_UP[1..]).await,
            _ => trigram::run(manager, trigram::SQLITE_UP).await,
        }
    }
}
