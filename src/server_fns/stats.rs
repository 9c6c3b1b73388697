//! The platform in figures (`/stats`): public, read-only, and the same for
//! everyone, so it is cached for a minute.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::money::Total;
use crate::error::AppError;

/// The ids of the chart captions, which name the charts.
pub const TURNOVER_CAPTION: &str = "turnover-caption";
pub const COMPLETED_CAPTION: &str = "completed-caption";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformStats {
    /// When the figures were taken.
    pub as_of: String,
    pub today_turnover: Total,
    pub window_turnover: Total,
    pub today_completed: i64,
    pub window_completed: i64,
    /// Each day of the window, oldest first: the charts' text alternative.
    pub days: Vec<DayFigures>,
    /// SVG drawn on the server.
    pub turnover_chart: String,
    pub completed_chart: String,
    pub listings_on_offer: u64,
    pub sellers: u64,
    pub merchants: u64,
    pub orders_paid: u64,
    pub refunded: u64,
    pub refunded_share: String,
    pub disputed: u64,
    pub disputed_share: String,
    pub fraud_claims: u64,
    pub fraud_share: String,
    pub claims_upheld: u64,
    pub compensation_paid: Total,
    pub escrow_balance: Total,
    pub orders_hold: Total,
    pub orders_holding: u64,
    pub guarantee_fund: Total,
    pub audit: Option<AuditSeen>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub date: String,
    pub turnover: Total,
    pub completed: i64,
}

/// The worker's last audit of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSeen {
    pub at: String,
    pub passed: bool,
    pub checks: usize,
}

impl PlatformStats {
    /// Whether what escrow holds is exactly what the open orders hold.
    pub fn holds_match(&self) -> bool {
        self.escrow_balance == self.orders_hold
    }
}

#[server(endpoint = "get_platform_stats")]
pub async fn get_platform_stats() -> Result<PlatformStats, AppError> {
    use crate::domain::time::DAY;
    use crate::server::{charts, store};
    use crate::server_fns::context;
    let state = context::state()?;
    let now = state.clock.now_ms();
    let db = context::read_db(&state);
    let figures = state.stats.get_or_load(async || store::figures::platform(&db, now).await).await?;
    let drawn = |values: &[i64], min_top: i64, y_text: &dyn Fn(i64) -> String, caption: &str| {
        charts::daily_bars(values, figures.first_day, min_top, y_text, caption).map_err(|e| {
            tracing::error!(error = %e, "stats chart");
            AppError::Internal
        })
    };
    let turnover_chart = drawn(&figures.turnover_fen, 100, &axis_yuan, TURNOVER_CAPTION)?;
    let completed_chart = drawn(&figures.completed, 1, &|n| n.to_string(), COMPLETED_CAPTION)?;
    let days = (0..)
        .zip(figures.turnover_fen.iter().zip(&figures.completed))
        .map(|(day, (turnover, completed))| DayFigures {
            date: context::format_date(figures.first_day + day * DAY),
            turnover: Total::from_fen(*turnover),
            completed: *completed,
        })
        .collect();
    let share = crate::domain::figures::percent;
    let audit = state.audit.latest().await.map(|(at, report)| AuditSeen {
        at: context::format_datetime(at),
        passed: report.passed(),
        checks: report.checks.len(),
    });
    Ok(PlatformStats {
        as_of: context::format_datetime(figures.taken_at),
        today_turnover: Total::from_fen(figures.turnover_fen.last().copied().unwrap_or(0)),
        window_turnover: Total::from_fen(figures.turnover_fen.iter().sum()),
        today_completed: figures.completed.last().copied().unwrap_or(0),
        window_completed: figures.completed.iter().sum(),
        days,
        turnover_chart,
        completed_chart,
        listings_on_offer: figures.listings_on_offer,
        sellers: figures.sellers,
        merchants: figures.merchants,
        orders_paid: figures.orders_paid,
        refunded: figures.refunded,
        refunded_share: share(figures.refunded, figures.orders_paid),
        disputed: figures.disputed,
        disputed_share: share(figures.disputed, figures.orders_paid),
        fraud_claims: figures.fraud_claims,
        fraud_share: share(figures.fraud_claims, figures.orders_paid),
        claims_upheld: figures.claims_upheld,
        compensation_paid: Total::from_fen(figures.compensation_paid_fen),
        escrow_balance: Total::from_fen(figures.escrow_balance_fen),
        orders_hold: Total::from_fen(figures.orders_hold_fen),
        orders_holding: figures.orders_holding,
        guarantee_fund: Total::from_fen(figures.guarantee_fund_fen),
        audit,
    })
}

/// Whole yuan on the axis (`¥1,000`), fen only where a tick has them.
#[cfg(feature = "ssr")]
fn axis_yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("¥{}", crate::domain::money::grouped((fen / 100).unsigned_abs()))
    } else {
        Total::from_fen(fen).to_string()
    }
}
