//! Server functions: who is asking → transaction → store → DTO. Each file
//! holds one resource's functions and the types both sides share.

pub mod account;
pub mod auth;
pub mod disputes;
pub mod listings;
pub mod merchant;
pub mod notifications;
pub mod orders;
pub mod sellers;
pub mod stats;
pub mod wallet;

#[cfg(feature = "ssr")]
pub(crate) mod context;
