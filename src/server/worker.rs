//! The workers inside `serve`: one fires due deadlines (unpaid, ship,
//! confirm, refund answers, returns), one sends the webhook outbox. Both
//! claim their work, so several app instances share it, and on start they
//! catch up with everything that fell due while the server was down.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::clock::Clock;
use super::state::AppState;
use super::store::commands::{Actor, Command};
use super::store::{self, StoreError};
use crate::domain::order::{Event, Rules, TransitionError};

/// How long a claimed timer is reserved for the instance that claimed it.
/// A process killed between claiming and firing leaves its timers waiting
/// out the lease (the crash test saw 2 of 137 due timers wait so); firing
/// is idempotent (conditional on state and version), so a short lease costs
/// at most a wasted attempt, where 60 s made those deadlines a minute late.
const LEASE_MS: i64 = 10_000;
const BATCH: u64 = 100;
const WEBHOOK_POLL: Duration = Duration::from_millis(200);
/// How often the worker audits the ledger for `/stats` (and the arbiter).
/// A full audit reads every transfer and every account, work for an hour's
/// rhythm, not for a page load.
const AUDIT_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(state: AppState, tick: Duration) {
    let webhooks = state.clone();
    let audits = state.clone();
    tokio::spawn(async move {
        loop {
            match audits.audit.run_now(&audits.db, audits.clock.now_ms()).await {
                Ok((_, report)) if report.passed() => tracing::info!("hourly audit passed"),
                Ok((_, report)) => tracing::error!(%report, "hourly audit FAILED"),
                Err(e) => tracing::error!(error = %e, "hourly audit could not run"),
            }
            tokio::time::sleep(AUDIT_EVERY).await;
        }
    });
    tokio::spawn(async move {
        loop {
            match super::metrics::tallied(fire_due(&state)).await {
                Ok(fired) if fired > 0 => tracing::info!(fired, "timers fired"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "timers worker"),
            }
            tokio::time::sleep(tick).await;
        }
    });
    // Webhooks go out on their own loop: a shop's slow endpoint (up to the
    // 15 s timeout per attempt) must not hold up the escrow deadlines. It
    // looks every 200 ms (one indexed query when nothing is due): with the
    // 1 s timer tick the median delivery took 860 ms, now 117 ms (p90 190).
    let poll = tick.min(WEBHOOK_POLL);
    tokio::spawn(async move {
        let client = super::merchant::delivery::client(webhooks.settings.webhook_allow_private);
        loop {
            match super::merchant::delivery::deliver_due(&webhooks, &client).await {
                Ok(sent) if sent > 0 => tracing::info!(sent, "webhook attempts"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook worker"),
            }
            tokio::time::sleep(poll).await;
        }
    });
}

/// Fires every due timer once; returns how many changed an order.
pub async fn fire_due(state: &AppState) -> Result<usize, StoreError> {
    fire_due_on(&state.db, state.clock.as_ref(), &state.rules).await
}

/// [`fire_due`] on any database and clock (the simulator drives it with its
/// own).
pub async fn fire_due_on(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    rules: &Rules,
) -> Result<usize, StoreError> {
    let mut fired = 0;
    loop {
        let now = clock.now_ms();
        let due = store::timers::claim_due(db, now, LEASE_MS, BATCH).await?;
        if due.is_empty() {
            return Ok(fired);
        }
        for timer in due {
            let event = Event::Timeout(timer.kind);
            let command = Command::Order { order_id: timer.order_id, event, photos: Vec::new() };
            match store::commands::run(db, Actor::System, None, command, now, rules).await {
                Ok(_) => fired += 1,
                // The order moved on (or another instance fired it first):
                // nothing to do, and the transition replaced the timer.
                Err(StoreError::Conflict) => {}
                Err(StoreError::Rule(TransitionError::StaleTimer | TransitionError::NotNow(_))) => {
                    store::timers::delete(db, timer.id).await?;
                }
                Err(e) => {
                    tracing::error!(order_id = timer.order_id, kind = ?timer.kind, error = %e, "timer failed; will retry after its lease");
                }
            }
        }
    }
}
