//! SeaORM models, one per table. Kept by hand to match `migrations/`.

pub mod accounts;
pub mod bank_operations;
pub mod email_outbox;
pub mod form_submissions;
pub mod fraud_claims;
pub mod listings;
pub mod notifications;
pub mod order_events;
pub mod order_messages;
pub mod orders;
pub mod photos;
pub mod ratings;
pub mod sessions;
pub mod timers;
pub mod transfers;
pub mod users;
