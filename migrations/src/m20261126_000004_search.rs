//! Full-text search over listing titles and descriptions, kept in step with
//! every change by the database itself, and the indexes browsing needs.
//!
//! Chinese is written without spaces, so a word-based index cannot find 手机
//! inside 二手手机. Both backends therefore index character trigrams:
//! SQLite's FTS5 `trigram` tokenizer, and PostgreSQL's `pg_trgm` (a GIN index
//! that answers `ILIKE '%…%'`). PostgreSQL also keeps a weighted `tsvector`
//! (title A, description B) for ranking words in languages it can split.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE listings_fts USING fts5(
        title, description, content='listings', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER listings_fts_insert AFTER INSERT ON listings BEGIN
        INSERT INTO listings_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END",
    "CREATE TRIGGER listings_fts_delete AFTER DELETE ON listings BEGIN
        INSERT INTO listings_fts(listings_fts, rowid, title, description)
            VALUES ('delete', old.id, old.title, old.description);
    END",
    // Only text changes touch the index; stock moves with every order.
    "CREATE TRIGGER listings_fts_update AFTER UPDATE OF title, description ON listings BEGIN
        INSERT INTO listings_fts(listings_fts, rowid, title, description)
            VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO listings_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END",
    "INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS listings_fts_update",
    "DROP TRIGGER IF EXISTS listings_fts_delete",
    "DROP TRIGGER IF EXISTS listings_fts_insert",
    "DROP TABLE IF EXISTS listings_fts",
];

pub(crate) const POSTGRES_UP: &[&str] = &[
    // pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may
    // create it without being a superuser.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE listings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', description), 'B')
    ) STORED",
    "CREATE INDEX listings_search_vector ON listings USING gin (search_vector)",
    "CREATE INDEX listings_title_trgm ON listings USING gin (title gin_trgm_ops)",
    "CREATE INDEX listings_description_trgm ON listings USING gin (description gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS listings_description_trgm",
    "DROP INDEX IF EXISTS listings_title_trgm",
    "DROP INDEX IF EXISTS listings_search_vector",
    "ALTER TABLE listings DROP COLUMN IF EXISTS search_vector",
];

pub(crate) async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(manager, SQLITE_UP).await?,
            DbBackend::Postgres => run(manager, POSTGRES_UP).await?,
            other => return Err(DbErr::Migration(format!("search is not built for {other:?}"))),
        }
        // Browsing a category and sorting by price without reading every row.
        manager
            .create_index(
                Index::create()
                    .name("listings_status_category_newest")
                    .table("listings")
                    .col("status")
                    .col("category")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("listings_status_price")
                    .table("listings")
                    .col("status")
                    .col("price_fen")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["listings_status_price", "listings_status_category_newest"] {
            manager.drop_index(Index::drop().name(index).to_owned()).await?;
        }
        match manager.get_database_backend() {
            DbBackend::Postgres => run(manager, POSTGRES_DOWN).await,
            _ => run(manager, SQLITE_DOWN).await,
        }
    }
}
