//! Whole-app tests: the axum Router called in-process on a real database.

mod accounts;
mod authorization;
mod disputes;
mod escrow;
mod listings;
mod ops;
mod search;
mod security;
mod support;
