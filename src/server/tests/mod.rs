//! Whole-app tests: the axum Router called in-process on a real database.

mod abuse;
mod accounts;
mod authorization;
mod delivery;
mod disputes;
mod escrow;
mod hostile;
mod language;
mod limits_of_money;
mod listings;
pub mod merchant_api;
mod one_door;
mod ops;
mod search;
mod security;
mod statements;
mod support;
