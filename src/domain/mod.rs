//! Pure rules of the marketplace: values in, values out. Compiled for both the
//! server and the browser bundle, so nothing here may import a server crate.

pub mod account;
pub mod ledger;
pub mod listing;
pub mod message;
pub mod money;
pub mod order;
pub mod rating;
pub mod search;
pub mod validation;
