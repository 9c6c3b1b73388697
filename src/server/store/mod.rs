//! The only place that talks SQL. Functions take `&impl ConnectionTrait` so
//! the caller decides the transaction, and return plain Rust values.

pub mod bank;
pub mod claims;
pub mod commands;
mod effects;
pub mod escrows;
pub mod ledger;
pub mod listings;
pub mod members;
pub mod merchants;
pub mod messages;
pub mod notifications;
pub mod orders;
pub mod photos;
pub mod ratings;
pub mod search;
pub mod sessions;
pub mod submissions;
pub mod timers;
pub mod views;
pub mod webhooks;

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
    /// Input the store checks itself (an address, a quantity).
    #[error("{0}")]
    Invalid(String),
    /// A debit would take an account below zero; nothing was written.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// A credit would take an account past the most it may hold (a wallet
    /// past the largest amount); nothing was written.
    #[error("{0} would pass the most it may hold")]
    BalanceLimit(crate::domain::ledger::Account),
    /// The subject's state does not allow the step (an escrow already paid).
    #[error("{0}")]
    WrongState(String),
    /// A unique thing already exists: names it (the escrow with this
    /// order number).
    #[error("already exists: {0}")]
    Duplicate(String),
    /// Not enough stock left for the order.
    #[error("sold out")]
    SoldOut,
    /// The escrow rules refuse the event.
    #[error(transparent)]
    Rule(#[from] crate::domain::order::TransitionError),
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
