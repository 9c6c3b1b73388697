//! Whole-app tests: the axum Router called in-process on a real database.

mod abuse;
mod account_links;
mod accounts;
mod authorization;
mod backup;
mod body_limits;
mod delivery;
mod disputes;
mod email_delivery;
mod escrow;
mod fuzzed_requests;
mod hostile;
mod language;
mod limits_of_money;
mod listings;
pub mod merchant_api;
mod metrics;
mod one_door;
mod ops;
mod reactive_owner_race;
mod replica;
mod search;
mod security;
mod simulation;
mod statements;
mod stats;
mod support;
