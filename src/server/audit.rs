//! The database's invariants, each reported with its figures: the ledger's
//! five (SPEC §2) and the listing rules.

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::store::{self, StoreError};
use crate::domain::ledger::{self, AuditFigures};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    /// The figures behind the verdict, for a person to read.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for check in &self.checks {
            let verdict = if check.passed { "ok  " } else { "FAIL" };
            writeln!(f, "{verdict} {}: {}", check.name, check.detail)?;
        }
        let failed = self.checks.iter().filter(|c| !c.passed).count();
        write!(f, "{} checks, {failed} failed", self.checks.len())
    }
}

/// Runs the audit on one snapshot of the database, so money moving while it
/// reads cannot make an invariant fail spuriously.
pub async fn run(db: &DatabaseConnection) -> Result<Report, StoreError> {
    let snapshot = super::db::begin_snapshot(db).await?;
    let report = run_on(&snapshot).await?;
    snapshot.commit().await?;
    Ok(report)
}

async fn run_on(db: &impl ConnectionTrait) -> Result<Report, StoreError> {
    let members = store::members::count(db).await?;
    let listings = store::listings::count(db).await?;
    let invalid = store::listings::invalid_rows(db).await?;
    let listing_detail = if invalid.is_empty() {
        format!("{listings} listings, {members} members, every listing valid with an existing seller")
    } else {
        let shown: Vec<String> = invalid.iter().take(10).map(|(id, why)| format!("#{id} {why}")).collect();
        format!("{} of {listings} listings invalid: {}", invalid.len(), shown.join("; "))
    };
    let (stored, recomputed, repeated_keys, transfer_count) = store::ledger::audit_figures(db).await?;
    let (open_orders, held_by_open_orders, terminal_orders_holding) = store::orders::holdings(db).await?;
    let figures = AuditFigures {
        stored,
        recomputed,
        open_orders,
        held_by_open_orders,
        terminal_orders_holding,
        repeated_keys,
        transfer_count,
    };
    let mut checks: Vec<Check> = ledger::audit(&figures)
        .into_iter()
        .map(|c| Check { name: c.name, passed: c.passed, detail: c.detail })
        .collect();
    checks.push(Check {
        name: "listings follow the listing rules",
        passed: invalid.is_empty(),
        detail: listing_detail,
    });
    Ok(Report { checks })
}
