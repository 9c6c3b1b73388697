//! Operational figures for Prometheus, at `/metrics`.
//!
//! Counters of what the app did (requests, order events, money moved,
//! deliveries) are kept in this process by the `metrics` crate; figures of
//! what the database holds (timer backlog, outboxes, pool) are read when the
//! page is asked for, so they are true whichever instance is asked.
//!
//! Money moved and order events count only what was committed. They are
//! noted while a write transaction runs and recorded when it commits
//! ([`committed`]); a transaction that rolls back (a lost race on a version,
//! a savepoint given up, a failure after the transfers) leaves no trace.
//! The notes live in a task-local list set up for each request and each
//! worker pass ([`tallied`]): the transfers are written far below the
//! transaction's owner, through `&DatabaseTransaction`, which has no room
//! for them.

use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{DatabaseConnection, DbBackend};

use super::limits::ClientAddress;
use super::state::AppState;
use crate::domain::ledger::TransferKind;
use crate::domain::order::EventKind;

/// Latency buckets (seconds) for requests and write-queue waits: pages take
/// 0.5–10 ms on the benchmark machine, payments under load up to ~150 ms.
const SECONDS_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const ORDER_EVENTS: &str = "escrowmart_order_events_total";
pub const MONEY_MOVED: &str = "escrowmart_money_moved_fen_total";
pub const WEBHOOK_ATTEMPTS: &str = "escrowmart_webhook_attempts_total";
pub const MAIL_ATTEMPTS: &str = "escrowmart_mail_attempts_total";
pub const SQLITE_WRITE_WAIT: &str = "escrowmart_sqlite_write_wait_seconds";
pub const TIMERS_DUE: &str = "escrowmart_timers_due";
pub const TIMER_LAG: &str = "escrowmart_timer_lag_seconds";
pub const WEBHOOK_OUTBOX: &str = "escrowmart_webhook_outbox_depth";
pub const MAIL_OUTBOX: &str = "escrowmart_mail_outbox_depth";
pub const DB_CONNECTIONS: &str = "escrowmart_db_connections";

/// A recorder with our histogram buckets.
pub fn recorder() -> PrometheusRecorder {
    let builder = PrometheusBuilder::new();
    let builder = [HTTP_DURATION, SQLITE_WRITE_WAIT].into_iter().try_fold(builder, |builder, name| {
        builder.set_buckets_for_metric(Matcher::Full(name.to_owned()), SECONDS_BUCKETS)
    });
    // The buckets are a fixed, non-empty list, the only thing that can be
    // refused; without them the figures come out as summaries instead.
    builder.unwrap_or_default().build_recorder()
}

/// The process's recorder, installed on first use; every server in the
/// process renders from it.
pub fn global() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = recorder();
            let handle = recorder.handle();
            if let Err(e) = metrics::set_global_recorder(recorder) {
                tracing::error!(error = %e, "another metrics recorder is installed; /metrics will stay empty");
            }
            handle
        })
        .clone()
}

/// Drains the histograms into their buckets now and then, which the
/// recorder leaves to its owner; without it their samples pile up between
/// scrapes.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            handle.run_upkeep();
        }
    });
}

/// Who may read `/metrics`: the listed addresses and networks, or anyone
/// with the token. With neither, nobody: the page tells how much money moves.
#[derive(Clone, Debug, Default)]
pub struct Access {
    pub from: Vec<ipnet::IpNet>,
    pub token: Option<Arc<str>>,
}

impl Access {
    /// `--metrics-from`: addresses and networks, comma-separated.
    pub fn parse_from(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("--metrics-from: {entry:?} is neither an address nor a network"))
            })
            .collect()
    }

    fn allows(&self, address: IpAddr, headers: &HeaderMap) -> bool {
        if self.from.iter().any(|net| net.contains(&address)) {
            return true;
        }
        let Some(token) = self.token.as_deref() else { return false };
        let offered = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests, so the time taken says nothing about how
        // much of the token was right.
        use sha2::Digest;
        !offered.is_empty() && sha2::Sha256::digest(offered) == sha2::Sha256::digest(token)
    }
}

/// The Prometheus page; 404 to anyone not allowed, as if it were not there.
pub async fn page(
    State(state): State<AppState>,
    address: Option<axum::Extension<ClientAddress>>,
    headers: HeaderMap,
) -> Response {
    let address = address.map(|axum::Extension(known)| known).unwrap_or_default().0;
    if !state.settings.metrics.allows(address, &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let now = state.clock.now_ms();
    // A database that does not answer leaves these figures as they were;
    // the page still comes, with the counters.
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(2), database_figures(&state.db, now)).await;
    match read {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: database figures not read"),
        Err(_) => tracing::warn!("metrics: database figures not read within 2 s"),
    }
    pool_figures(&state.db);
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.metrics.render(),
    )
        .into_response()
}

async fn database_figures(
    db: &DatabaseConnection,
    now: super::clock::Millis,
) -> Result<(), super::store::StoreError> {
    use super::store::{outbox, timers, webhooks};
    let (due, earliest) = timers::backlog(db, now).await?;
    metrics::gauge!(TIMERS_DUE).set(due as f64);
    let lag_ms = earliest.map_or(0, |due_at| now.saturating_sub(due_at).max(0));
    metrics::gauge!(TIMER_LAG).set(lag_ms as f64 / 1000.0);
    metrics::gauge!(WEBHOOK_OUTBOX).set(webhooks::pending_count(db).await? as f64);
    metrics::gauge!(MAIL_OUTBOX).set(outbox::waiting(db).await? as f64);
    Ok(())
}

fn pool_figures(db: &DatabaseConnection) {
    let (open, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(open);
    metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(open - idle));
}

/// Counts every request by route and status, with its latency, and gives
/// it a list for what its write transactions commit.
///
/// The route is the pattern that matched (`/item/{id}`), never the path a
/// client made up, so nobody can grow the number of series; anything that
/// matched no route counts as `unmatched`.
pub async fn track_requests(request: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |matched| matched.as_str().to_owned());
    let response = tallied(next.run(request)).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status).increment(1);
    response
}

/// Something a write transaction did that counts once it commits.
#[derive(Clone, Copy, Debug)]
enum Noted {
    OrderEvent(EventKind),
    Moved(TransferKind, i64),
}

tokio::task_local! {
    static NOTED: RefCell<Vec<Noted>>;
}

/// Runs `work` with a list for what its write transactions commit. Work
/// outside one (the seed, the simulator) is not counted.
pub async fn tallied<F: Future>(work: F) -> F::Output {
    NOTED.scope(RefCell::new(Vec::new()), work).await
}

fn note(noted: Noted) {
    // Outside `tallied` there is nowhere to note, and nothing to count.
    let _ = NOTED.try_with(|list| list.borrow_mut().push(noted));
}

/// An order event written in the current transaction.
pub fn note_order_event(kind: EventKind) {
    note(Noted::OrderEvent(kind));
}

/// A transfer written in the current transaction.
pub fn note_transfer(kind: TransferKind, fen: i64) {
    note(Noted::Moved(kind, fen));
}

/// Where the notes stand, to forget what a savepoint adds if it is given up.
pub fn mark() -> usize {
    NOTED.try_with(|list| list.borrow().len()).unwrap_or_default()
}

/// Forgets what was noted since `mark` (a savepoint rolled back).
pub fn forget_since(mark: usize) {
    let _ = NOTED.try_with(|list| list.borrow_mut().truncate(mark));
}

/// Forgets everything noted (a transaction rolled back or dropped; a new one
/// begins).
pub fn forget() {
    forget_since(0);
}

/// The transaction committed: what it noted counts.
pub fn committed() {
    let noted = NOTED.try_with(|list| std::mem::take(&mut *list.borrow_mut())).unwrap_or_default();
    for noted in noted {
        match noted {
            Noted::OrderEvent(kind) => metrics::counter!(ORDER_EVENTS, "event" => kind.slug()).increment(1),
            Noted::Moved(kind, fen) => {
                metrics::counter!(MONEY_MOVED, "kind" => kind.slug()).increment(fen.unsigned_abs())
            }
        }
    }
}
