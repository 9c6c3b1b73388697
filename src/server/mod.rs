//! Server-only machinery: configuration, database, sessions, HTTP.

pub mod audit;
pub mod auth;
pub mod bank;
pub mod charts;
pub mod clock;
pub mod config;
pub mod db;
pub mod entities;
pub mod forms;
pub mod http;
pub mod limits;
pub mod mail;
pub mod media;
pub mod merchant;
pub mod metrics;
pub mod redirect_errors;
pub mod replica;
pub mod security;
pub mod seed;
pub mod sim;
pub mod state;
pub mod store;
pub mod worker;

#[cfg(test)]
mod tests;

use crate::error::AppError;
use store::StoreError;

/// Why money could not go into a wallet.
pub fn wallet_full() -> String {
    wallet_full_in(crate::language::Locale::en)
}

pub fn wallet_full_in(l: crate::language::Locale) -> String {
    let largest =
        crate::domain::money::Money::from_fen(crate::domain::money::Money::MAX_FEN).unwrap_or_default();
    crate::i18n::td_string!(l, refusal.wallet_full, largest = largest)
}

/// Logs what the person must not see and keeps what they may.
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        use crate::i18n::td_string;
        // In the language of the request this answers.
        let l = crate::language::of_request();
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict,
            StoreError::Taken(field) => AppError::field(field, td_string!(l, refusal.taken, field = field)),
            StoreError::WrongState(detail) => AppError::Refused(detail),
            StoreError::Duplicate(existing) => {
                AppError::Refused(td_string!(l, refusal.duplicate, what = existing))
            }
            StoreError::Invalid(refused) => AppError::Refused(crate::labels::store_refusal(l, &refused)),
            StoreError::InsufficientFunds => AppError::Refused(td_string!(l, refusal.insufficient).into()),
            StoreError::SoldOut => AppError::Refused(td_string!(l, refusal.sold_out).into()),
            StoreError::BalanceLimit(account) if account.member().is_some() => {
                AppError::Refused(wallet_full_in(l))
            }
            StoreError::BalanceLimit(account) => {
                tracing::error!(%account, "a platform balance reached the limit of its column");
                AppError::Internal
            }
            StoreError::Rule(rule) => rule.into(),
            StoreError::Corrupt(_) | StoreError::Db(_) => {
                tracing::error!(error = %err, "store error");
                AppError::Internal
            }
        }
    }
}

impl From<auth::AuthError> for AppError {
    fn from(err: auth::AuthError) -> Self {
        tracing::error!(error = %err, "authentication machinery failed");
        AppError::Internal
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        StoreError::Db(err).into()
    }
}

impl From<crate::domain::order::TransitionError> for AppError {
    fn from(err: crate::domain::order::TransitionError) -> Self {
        use crate::domain::order::TransitionError as E;
        match err {
            E::NotYourRole => AppError::Forbidden,
            E::StaleTimer | E::NotDue => AppError::Conflict,
            other => {
                AppError::Refused(crate::labels::transition_error(crate::language::of_request(), &other))
            }
        }
    }
}
