//! SeaORM models, one per table. Kept by hand to match `migrations/`.

pub mod account_tokens;
pub mod accounts;
pub mod api_keys;
pub mod bank_operations;
pub mod email_outbox;
pub mod escrows;
pub mod form_submissions;
pub mod fraud_claims;
pub mod listings;
pub mod merchants;
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
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod webhook_events;
