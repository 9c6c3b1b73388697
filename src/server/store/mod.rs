//! The only place that talks SQL. Functions take `&impl ConnectionTrait` so
//! the caller decides the transaction, and return plain Rust values.

pub mod accounts;
pub mod bank;
pub mod claims;
pub mod commands;
mod effects;
pub mod escrows;
pub mod figures;
mod leases;
pub mod ledger;
pub mod listings;
pub mod members;
pub mod merchants;
pub mod messages;
pub mod notifications;
pub mod orders;
pub mod outbox;
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
    /// Input or a step the store refuses itself (a suspended seller, a
    /// listing no longer for sale).
    #[error(transparent)]
    Invalid(#[from] Refused),
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

/// What the store refuses, as data: worded for the reader by the app's
/// `labels`, in English (`Display`) for logs and the merchant API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("Turn on merchant mode first")]
    MerchantModeOff,
    #[error("This step takes no photos")]
    NoPhotosHere,
    #[error("Your account is suspended: you cannot list items")]
    SuspendedCannotList,
    #[error("Choose at least one photo to add")]
    NoPhotoChosen,
    #[error(
        "A listing can have at most {} photos; this one has {had}. Delete some first.",
        crate::domain::listing::PHOTOS_PER_LISTING
    )]
    ListingPhotosFull { had: u64 },
    #[error("This form has expired; reload the page and try again")]
    FormExpired,
    #[error("Name the key in 1 to {} characters", crate::domain::merchant::KEY_NAME_MAX_CHARS)]
    KeyName,
    #[error("An http(s) address of at most {} characters", crate::domain::merchant::URL_MAX_CHARS)]
    WebhookUrl,
    #[error("A fraud claim was already filed for this order")]
    ClaimAlreadyFiled,
    #[error(transparent)]
    Rating(#[from] crate::domain::rating::RatingError),
    #[error("You have already rated this order")]
    AlreadyRated,
    #[error("Enter an amount above ¥0.00")]
    NothingToMove,
    #[error("This order is not awaiting payment")]
    NotAwaitingPayment,
    #[error("This shop is suspended and cannot take new orders")]
    ShopSuspended,
    #[error("This listing is no longer for sale")]
    NotForSale,
    #[error("This seller is suspended and cannot take new orders")]
    SellerSuspended,
    #[error("Confirm your e-mail address first: follow the link we sent you")]
    EmailNotConfirmed,
    #[error(transparent)]
    Link(#[from] crate::domain::account::LinkRefusal),
    #[error("That is not your current password")]
    WrongPassword,
}

/// Turns a unique-constraint violation into [`StoreError::Taken`].
pub(crate) fn unique_as_taken(err: DbErr, field: &'static str) -> StoreError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Taken(field),
        _ => StoreError::Db(err),
    }
}
