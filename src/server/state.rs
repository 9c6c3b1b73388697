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

/// Cloned for every request by each middleware and extractor that takes
/// the state (and into every Leptos context), so it is one `Arc`: as a plain
/// struct of sixteen handles, cloning and dropping it was 7.5% of the
/// samples serving favicon.svg.
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

#[derive(Clone, Debug)]
pub struct AppStateInner {
    /// The primary: every write, and every read that decides something.
    pub db: DatabaseConnection,
    /// A streaming replica for reads that may be a moment stale, if one is
    /// configured; see [`super::replica`] and [`AppState::reads`].
    pub replica: Option<DatabaseConnection>,
    pub leptos_options: LeptosOptions,
    /// The built stylesheet, JS and wasm under this build's names.
    pub built_files: crate::app::BuiltFiles,
    pub clock: SharedClock,
    pub rules: Rules,
    pub bank: Arc<dyn BankGateway>,
    pub media: Arc<MediaStore>,
    pub settings: Arc<Settings>,
    pub category_counts: Arc<CategoryCounts>,
    pub stats: Arc<StatsFigures>,
    pub limits: Arc<super::limits::Limits>,
    pub audit: Arc<AuditCache>,
    /// What `/metrics` renders: the process's recorder (a test app's own).
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Set by SIGTERM: the process will stop after its drain window, so
    /// `/healthz` sends load balancers elsewhere while it still serves.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl AppStateInner {
    /// Where a read that may be a moment stale goes: the replica, unless
    /// there is none or the reader wrote within the window
    /// ([`super::replica::wrote_lately`]).
    pub fn reads(&self, wrote_lately: bool) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if !wrote_lately => replica,
            _ => &self.db,
        }
    }
}

/// The last audit, reused for a minute by the arbiter console. A full audit
/// reads every account, sums every transfer and checks every listing, which
/// is too much for each page load; the CLI always runs a fresh one, and the
/// worker one an hour, whose outcome `/stats` shows.
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

    /// Audits now, whatever is kept.
    pub async fn run_now(
        &self,
        db: &DatabaseConnection,
        now: super::clock::Millis,
    ) -> Result<AuditedAt, StoreError> {
        let mut latest = self.latest.lock().await;
        let report = super::audit::run(db).await?;
        *latest = Some((now, report.clone()));
        Ok((now, report))
    }

    /// The last audit this process ran, if any, without running one.
    pub async fn latest(&self) -> Option<AuditedAt> {
        self.latest.lock().await.clone()
    }
}

/// How many listings each category has, as shown beside every browse page.
/// Counting means reading an index entry per active listing (about 9 ms at
/// 100,000 on SQLite), so the answer is reused for a few seconds; a count
/// that lags a new listing by that long misleads nobody.
pub type CategoryCounts = Cached<Vec<(Category, u64)>, 5_000>;

/// The figures of `/stats`, reused for a minute: about ten aggregate
/// queries over the ledger and the orders, too many for every page load.
pub type StatsFigures = Cached<super::store::figures::PlatformFigures, 60_000>;

/// An answer worth reusing for `FRESH_MS` milliseconds of real time.
#[derive(Debug)]
pub struct Cached<T, const FRESH_MS: u64> {
    latest: tokio::sync::Mutex<Option<(std::time::Instant, T)>>,
}

impl<T, const FRESH_MS: u64> Default for Cached<T, FRESH_MS> {
    fn default() -> Self {
        Self { latest: tokio::sync::Mutex::new(None) }
    }
}

impl<T: Clone, const FRESH_MS: u64> Cached<T, FRESH_MS> {
    /// The kept answer while fresh, else a new one from `load`.
    pub async fn get_or_load(
        &self,
        load: impl AsyncFnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Held across the load, so a burst of requests loads once.
        let mut latest = self.latest.lock().await;
        if let Some((at, answer)) = latest.as_ref()
            && at.elapsed() < std::time::Duration::from_millis(FRESH_MS)
        {
            return Ok(answer.clone());
        }
        let answer = load().await?;
        *latest = Some((std::time::Instant::now(), answer.clone()));
        Ok(answer)
    }
}

impl CategoryCounts {
    pub async fn get(&self, db: &DatabaseConnection) -> Result<Vec<(Category, u64)>, StoreError> {
        self.get_or_load(async || super::store::search::category_counts(db).await).await
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
    /// How long after a member's write their reads skip the replica.
    pub read_your_writes_for: std::time::Duration,
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
