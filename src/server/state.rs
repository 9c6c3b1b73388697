//! What every handler, page and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::bank::BankGateway;
use super::clock::SharedClock;
use super::media::MediaStore;
use crate::domain::order::Rules;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    pub clock: SharedClock,
    pub rules: Rules,
    pub bank: Arc<dyn BankGateway>,
    pub media: Arc<MediaStore>,
    pub settings: Arc<Settings>,
}

/// Behaviour that differs between deployments.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub secure_cookies: bool,
    /// Verifies the bank's callbacks.
    pub bank_secret: Arc<[u8]>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
