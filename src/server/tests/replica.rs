//! Reads from a streaming replica (`DATABASE_READ_URL`): public pages read
//! it, a member who just wrote reads the primary (read-your-writes), and
//! money never depends on it. Needs TEST_POSTGRES_URL and
//! TEST_POSTGRES_REPLICA_URL, a hot standby of the same server, which
//! `make test-postgres` starts (end2end/replica/replica.sh).

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::escrow::{buyer, fund, key, order, seller_with_listing};
use super::listings::list;
use super::support::TestApp;
use crate::domain::order::OrderState;
use crate::server::replica::WROTE_COOKIE;
use crate::server::{audit, db};

async fn standby_says(standby: &DatabaseConnection, sql: &str) -> String {
    let row = standby
        .query_one_raw(Statement::from_string(standby.get_database_backend(), sql))
        .await
        .expect("the standby answers")
        .expect("a row");
    row.try_get_by_index::<String>(0).unwrap_or_default()
}

/// Stops (or resumes) the standby replaying the primary's changes, so the
/// test decides what it has seen.
async fn replay(standby: &DatabaseConnection, paused: bool) {
    let call = if paused { "pg_wal_replay_pause" } else { "pg_wal_replay_resume" };
    standby_says(standby, &format!("SELECT {call}()::text")).await;
    let wanted = if paused { "paused" } else { "not paused" };
    for _ in 0..200 {
        if standby_says(standby, "SELECT pg_get_wal_replay_pause_state()").await == wanted {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the standby's replay never became {wanted}");
}

async fn home_shows(client: &mut super::support::Client, title: &str) -> bool {
    let home = client.get("/").await;
    assert!(home.status.is_success(), "{home:?}");
    home.body.contains(title)
}

#[tokio::test]
async fn public_pages_read_the_replica_a_member_sees_their_own_writes_and_money_reads_the_primary() {
    let (Ok(_), Ok(replica_admin)) =
        (std::env::var("TEST_POSTGRES_URL"), std::env::var("TEST_POSTGRES_REPLICA_URL"))
    else {
        return; // the PostgreSQL run of the suite has a replica (make test-postgres)
    };
    let standby = db::connect_replica(&replica_admin, Some(1)).await.expect("the standby is up");
    // A run that failed while replay stood still must not leave it so.
    replay(&standby, false).await;
    assert_eq!(
        standby_says(&standby, "SELECT pg_is_in_recovery()::text").await,
        "true",
        "a standby, not a primary"
    );
    let app = TestApp::with_replica(&replica_admin).await;

    // What a visitor sees trails the primary by the replica's lag.
    let (mut seller, _, _) = seller_with_listing(&app, "5").await;
    assert!(seller.cookies.contains_key(WROTE_COOKIE), "a member who wrote reads the primary for a while");
    let mut visitor = app.client();
    let written = Instant::now();
    while !home_shows(&mut visitor, "Kindle Paperwhite 5").await {
        assert!(written.elapsed() < Duration::from_secs(10), "the replica never showed the listing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    println!("replica lag seen by a visitor's home page: {} ms", written.elapsed().as_millis());
    assert!(!visitor.cookies.contains_key(WROTE_COOKIE));

    // With replay stopped, the replica stands still while the seller lists.
    replay(&standby, true).await;
    let teapot = [
        ("title", "Replica teapot"),
        ("description", "Listed while the replica stood still."),
        ("category", "daily-goods"),
        ("condition", "new"),
        ("price", "88.00"),
        ("stock", "3"),
    ];
    let listing = list(&mut seller, &teapot).await;
    let item = format!("/item/{listing}");
    // The visitor reads the replica, which has not seen it...
    assert!(!home_shows(&mut visitor, "Replica teapot").await, "the visitor's pages read the replica");
    assert!(!visitor.get(&item).await.body.contains("Listed while the replica stood still."));
    // ...the seller, who just wrote it, reads the primary: their home page,
    // the item page, their seller page.
    assert!(home_shows(&mut seller, "Replica teapot").await, "read-your-writes on the home page");
    assert!(seller.get(&item).await.body.contains("Listed while the replica stood still."));
    let seller_id = super::escrow::member_id(&mut seller).await;
    assert!(seller.get(&format!("/seller/{seller_id}")).await.body.contains("Replica teapot"));

    // Money reads the primary: a buyer whose window has passed (their
    // reads go to the replica) buys and pays for the listing the replica
    // does not have yet.
    let (mut shopper, shopper_id) = buyer(&app, "shopper@example.com").await;
    shopper.cookies.remove(WROTE_COOKIE);
    assert!(!home_shows(&mut shopper, "Replica teapot").await);
    fund(&app, shopper_id, "100").await;
    let order_id = order(&mut shopper, listing, "1").await;
    let form_key = key();
    let paid = shopper.call("pay_order", &[("id", &order_id.to_string()), ("form_key", &form_key)]).await;
    assert!(paid.status.is_success(), "{paid:?}");
    let view = shopper.call("get_order", &[("id", &order_id.to_string())]).await;
    let view: serde_json::Value = serde_json::from_str(&view.body).expect("order json");
    assert_eq!(view["state"], serde_json::to_value(OrderState::Paid).expect("state json"));

    // Replay resumes and the visitor catches up: 2 of 3 left.
    replay(&standby, false).await;
    let resumed = Instant::now();
    while !home_shows(&mut visitor, "Replica teapot").await {
        assert!(resumed.elapsed() < Duration::from_secs(10), "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    println!("replica caught up {} ms after replay resumed", resumed.elapsed().as_millis());
    let report = audit::run(&app.db).await.expect("audit runs");
    assert!(report.passed(), "{report}");
}

/// Without a replica nobody gets the cookie: the primary serves every read.
#[tokio::test]
async fn without_a_replica_no_read_your_writes_cookie_is_set() {
    let app = TestApp::new().await;
    let (seller, _, _) = seller_with_listing(&app, "1").await;
    assert!(!seller.cookies.contains_key(WROTE_COOKIE));
}
