//! The only place that talks SQL. Functions take `&impl ConnectionTrait` so
//! the caller decides the transaction, and return plain Rust values.

pub mod listings;
pub mod members;
pub mod sessions;

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; names the form field it concerns.
    #[error("{0} is already taken")]
    Taken(&'static str),
    /// The row changed since it was read (a lost race); nothing was written.
    #[error("changed concurrently")]
    Conflict,
    /// Stored data that no longer parses: a bug or a manual edit.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Turns a unique-constraint violation into [`StoreError::Taken`].
pub(crate) fn unique_as_taken(err: DbErr, field: &'static str) -> StoreError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Taken(field),
        _ => StoreError::Db(err),
    }
}
