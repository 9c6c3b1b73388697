//! What every handler, page and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::bank::BankGateway;
use super::clock::SharedClock;
use super::media::MediaStore;
use super::store::StoreError;
use crate::domain::listing::Category;
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
    pub category_counts: Arc<CategoryCounts>,
    pub limits: Arc<super::limits::Limits>,
    pub audit: Arc<AuditCache>,
    /// What `/metrics` renders: the process's recorder (a test app's own).
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

/// The last audit, reused for a minute by the arbiter console. A full audit
/// reads every account, sums every transfer and checks every listing, which
/// is too much for each page load; the CLI always runs a fresh one.
#[derive(Debug, Default)]
pub struct AuditCache {
    latest: tokio::sync::Mutex<Option<AuditedAt>>,
}

/// When the audit ran (the app's clock), and what it found.
type AuditedAt = (super::clock::Millis, super::audit::Report);

impl AuditCache {
    const FRESH_FOR_MS: i64 = 60_000;

    pub async fn get(
        &self,
        db: &DatabaseConnection,
        now: super::clock::Millis,
    ) -> Result<AuditedAt, StoreError> {
        // Held across the audit, so a burst of page loads audits once.
        let mut latest = self.latest.lock().await;
        if let Some((at, report)) = latest.as_ref()
            && now - *at < Self::FRESH_FOR_MS
        {
            return Ok((*at, report.clone()));
        }
        let report = super::audit::run(db).await?;
        *latest = Some((now, report.clone()));
        Ok((now, report))
    }
}

/// How many listings each category has, as shown beside every browse page.
/// Counting means reading an index entry per active listing (about 9 ms at
/// 100,000 on SQLite), so the answer is reused for a few seconds; a count
/// that lags a new listing by that long misleads nobody.
#[derive(Debug, Default)]
pub struct CategoryCounts {
    latest: tokio::sync::Mutex<Option<Counted>>,
}

/// When the counts were taken, and what they were.
type Counted = (std::time::Instant, Vec<(Category, u64)>);

impl CategoryCounts {
    const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(5);

    pub async fn get(&self, db: &DatabaseConnection) -> Result<Vec<(Category, u64)>, StoreError> {
        // Held across the query, so a burst of requests counts once.
        let mut latest = self.latest.lock().await;
        if let Some((at, counts)) = latest.as_ref()
            && at.elapsed() < Self::FRESH_FOR
        {
            return Ok(counts.clone());
        }
        let counts = super::store::search::category_counts(db).await?;
        *latest = Some((std::time::Instant::now(), counts.clone()));
        Ok(counts)
    }
}

/// Behaviour that differs between deployments.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub secure_cookies: bool,
    /// Verifies the bank's callbacks.
    pub bank_secret: Arc<[u8]>,
    /// Signs the errors that failed forms carry back to their page.
    pub link_secret: Arc<[u8]>,
    /// Where people reach this server (`http://127.0.0.1:3000`): checkout
    /// links in the merchant API.
    pub public_url: String,
    /// The waits before each webhook retry (ms).
    pub webhook_retry_ms: Vec<i64>,
    /// How long one webhook attempt may take before it counts as failed.
    pub webhook_timeout: std::time::Duration,
    /// Let webhooks go to loopback and private addresses (tests, a shop on
    /// the same machine); off in production.
    pub webhook_allow_private: bool,
    /// Where e-mail goes out; none keeps the outbox unsent.
    pub mail: Option<super::mail::MailSettings>,
    /// Who may read `/metrics`.
    pub metrics: super::metrics::Access,
}

/// A secret of 256 random bits, for a process that was given none.
pub fn random_secret() -> Arc<[u8]> {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()).as_bytes().into()
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
