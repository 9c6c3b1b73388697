//! The deterministic simulation (`server::sim`) in its short form: 10,000
//! random steps with faults on a real database, compared with the model
//! after each; `make sim` runs long ones with new seeds.

use super::support::TestDatabase;
use crate::server::sim::{self, Config};

/// A fixed seed keeps `make test` repeatable; `SIM_SEED` tries another.
fn seed() -> u64 {
    std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_128)
}

fn ops(default: u64) -> u64 {
    std::env::var("SIM_OPS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

#[tokio::test]
async fn ten_thousand_random_steps_agree_with_the_model_and_the_audit() {
    let database = TestDatabase::create().await;
    // PostgreSQL takes several times longer per step (a round trip per
    // statement); its run is shorter so the suite stays within budget.
    let default_ops = if database.url.starts_with("postgres") { 2_000 } else { 10_000 };
    let config = Config::new(seed(), ops(default_ops));
    let report = match sim::run(&database.url, config).await {
        Ok(report) => report,
        Err(divergence) => panic!("{divergence}\nrerun with SIM_SEED={}", divergence.seed),
    };
    eprintln!("{report}");
    // Without these the run would prove little: each kind of step and
    // fault happened, and orders went all the way through.
    assert!(report.applied > report.ops / 4, "{report}");
    assert!(report.refused > 0, "{report}");
    assert!(report.replayed > 0 && report.lost_answers > 0 && report.aborted > 0, "{report}");
    assert!(report.restarts > 0 && report.clock_jumps > 0 && report.late_callbacks > 0, "{report}");
    assert!(report.timers_fired > 0 && report.completed > 0, "{report}");
    assert!(report.full_checks >= 2, "{report}");
}

#[tokio::test]
async fn the_same_seed_makes_the_same_run() {
    let first = TestDatabase::sqlite();
    let second = TestDatabase::sqlite();
    let run = |url: String| async move {
        sim::run(&url, Config::new(7, 1_500)).await.unwrap_or_else(|d| panic!("{d}"))
    };
    let (a, b) = (run(first.url.clone()).await, run(second.url.clone()).await);
    let figures = |r: &sim::Report| {
        (
            r.applied,
            r.refused,
            r.replayed,
            r.aborted,
            r.lost_answers,
            r.restarts,
            r.timers_fired,
            r.orders,
            r.completed,
        )
    };
    assert_eq!(figures(&a), figures(&b));
}
