//! Backups: an online copy of SQLite taken while orders are placed, and the
//! documented pg_dump / pg_restore round trip on PostgreSQL; each copy
//! passes the audit.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::support::{START_MS, TestApp};
use crate::server::store::commands::{self, Actor, Command};
use crate::server::{audit, db, seed};

const DEMO_BUYER_ID: i64 = 4;

async fn seeded(app: &TestApp) {
    seed::demo(&app.db, &app.state.media, START_MS, &app.state.rules, &seed::Scale::default())
        .await
        .expect("seed");
}

async fn number(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index(0).expect("a number")
}

const STOCK: &str = "SELECT COALESCE(SUM(stock), 0) FROM listings";
const ORDERS: &str = "SELECT COUNT(*) FROM orders";

#[tokio::test]
async fn a_sqlite_backup_taken_while_orders_are_placed_is_one_consistent_moment_and_passes_the_audit() {
    let app = TestApp::sqlite().await;
    seeded(&app).await;
    let listings: Vec<i64> = app
        .db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT id FROM listings WHERE seller_id <> {DEMO_BUYER_ID} AND status = 'active' AND stock > 0"),
        ))
        .await
        .expect("listings")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("id"))
        .collect();
    assert!(!listings.is_empty());
    let (stock_before, orders_before) = (number(&app.db, STOCK).await, number(&app.db, ORDERS).await);

    let (placed_tx, mut placed_rx) = tokio::sync::watch::channel(0_u32);
    let writer = {
        let (pool, rules) = (app.db.clone(), app.state.rules);
        tokio::spawn(async move {
            for n in 0..300_u32 {
                let command = Command::PlaceOrder {
                    listing_id: listings[n as usize % listings.len()],
                    quantity: 1,
                    shipping_address: "上海市 备份路 1 号".into(),
                };
                // A listing sold out is refused; the others go on.
                let _ =
                    commands::run(&pool, Actor::Member(DEMO_BUYER_ID), None, command, START_MS, &rules).await;
                placed_tx.send_replace(n + 1);
            }
        })
    };
    placed_rx.wait_for(|placed| *placed >= 20).await.expect("the writer runs");
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("escrowmart-backup.db");
    db::backup_sqlite(&app.db, &copy).await.expect("backup while orders are placed");
    writer.await.expect("writer");

    let again = db::backup_sqlite(&app.db, &copy).await;
    assert!(matches!(again, Err(db::BackupError::Exists(_))), "{again:?}");

    let restored =
        db::connect_and_migrate(&format!("sqlite://{}", copy.display())).await.expect("the copy opens");
    let report = audit::run(&restored).await.expect("audit of the copy runs");
    assert!(report.passed(), "{report}");
    let (stock_copy, orders_copy) = (number(&restored, STOCK).await, number(&restored, ORDERS).await);
    let orders_after = number(&app.db, ORDERS).await;
    assert!(orders_copy > orders_before, "the copy holds orders placed before it began");
    assert!(orders_copy < orders_after, "and none placed after: {orders_copy} of {orders_after}");
    // Stock and orders come from the same moment: every unit the copy's new
    // orders took is missing from its stock, no more and no less.
    assert_eq!(stock_copy + (orders_copy - orders_before), stock_before);
    let report = audit::run(&app.db).await.expect("audit runs");
    assert!(report.passed(), "{report}");
}

/// README's PostgreSQL backup: pg_dump in custom format, pg_restore into a
/// new database; the restored copy passes the audit and holds the same rows.
#[tokio::test]
async fn a_postgres_dump_restores_into_a_new_database_that_passes_the_audit() {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        return; // the PostgreSQL run of the suite covers it (make test-postgres)
    };
    let app = TestApp::new().await;
    seeded(&app).await;
    let refused = db::backup_sqlite(&app.db, std::path::Path::new("/nonexistent/copy.db")).await;
    assert!(matches!(refused, Err(db::BackupError::UsePgDump)), "{refused:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("escrowmart.dump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(app.database_url())
        .status()
        .expect("pg_dump runs");
    assert!(dumped.success());
    let name = format!("escrowmart_restore_{}", uuid::Uuid::new_v4().simple());
    let restored_url = db::create_postgres_database(&admin_url, &name).await.expect("new database");
    let restored = std::process::Command::new("pg_restore")
        .args(["--no-owner", &format!("--dbname={restored_url}")])
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(restored.success());

    let copy = db::connect_and_migrate(&restored_url).await.expect("the copy opens");
    let report = audit::run(&copy).await.expect("audit of the copy runs");
    let same = (number(&copy, STOCK).await, number(&copy, ORDERS).await)
        == (number(&app.db, STOCK).await, number(&app.db, ORDERS).await);
    copy.close().await.ok();
    db::drop_postgres_database(&admin_url, &name).await.ok();
    assert!(report.passed(), "{report}");
    assert!(same, "the restored database holds the same listings and orders");
}
