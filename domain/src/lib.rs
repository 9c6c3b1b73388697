//! Pure rules of the marketplace: values in, values out. Compiled for both the
//! server and the browser bundle; being its own crate, Cargo (not a comment)
//! keeps database, web and UI crates out of it.

pub mod account;
pub mod bank;
pub mod claims;
pub mod effects;
pub mod figures;
pub mod ledger;
pub mod listing;
pub mod merchant;
pub mod message;
pub mod money;
pub mod notices;
pub mod order;
pub mod rating;
pub mod search;
pub mod time;
#[cfg(feature = "tokens")]
pub mod tokens;
pub mod validation;
