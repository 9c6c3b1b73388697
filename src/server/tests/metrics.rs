//! `/metrics`: who may read it, and that its counters of money and order
//! events agree with what the database committed, rollbacks included.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sea_orm::{ConnectionTrait, Statement};

use super::escrow::{audit_passes, buyer, eventually, fund, key, order, seller_with_listing, start_top_up};
use super::support::{Client, METRICS_TOKEN, TestApp, TestConfig};
use crate::domain::bank::BankVerdict;
use crate::domain::ledger::Account;
use crate::server::clock::Clock;
use crate::server::store::commands::{self, Actor, Command};
use crate::server::{db, metrics, store};

/// Every sample on the page: name, labels, value.
fn samples(page: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    page.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let value = value.parse::<f64>().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    Some((key.to_owned(), value.trim_matches('"').to_owned()))
                })
                .collect();
            Some((name.to_owned(), labels, value))
        })
        .collect()
}

/// The sum of the samples of `name` carrying every label in `wanted`.
fn value(page: &str, name: &str, wanted: &[(&str, &str)]) -> f64 {
    samples(page)
        .into_iter()
        .filter(|(n, labels, _)| {
            n == name && wanted.iter().all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, value)| value)
        .sum()
}

/// Values of `name` by one label.
fn by_label(page: &str, name: &str, label: &str) -> BTreeMap<String, i64> {
    let mut found = BTreeMap::new();
    for (n, labels, value) in samples(page) {
        if n == name
            && let Some(key) = labels.get(label)
        {
            *found.entry(key.clone()).or_default() += value as i64;
        }
    }
    found
}

async fn scrape(client: &mut Client) -> (StatusCode, String) {
    let request = Request::get("/metrics").header(header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}"));
    let response = client.send(request, Body::empty()).await;
    (response.status, response.body)
}

/// What the database says: `SELECT key, total … GROUP BY key`.
async fn grouped(app: &TestApp, sql: &str) -> BTreeMap<String, i64> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned()))
        .await
        .expect("grouped query");
    rows.iter()
        .map(|row| {
            (row.try_get::<String>("", "key").expect("key"), row.try_get::<i64>("", "total").expect("total"))
        })
        .collect()
}

#[tokio::test]
async fn metrics_open_only_from_the_admin_address_or_with_the_token() {
    let app = TestApp::new().await;
    let mut stranger = app.client();

    assert_eq!(stranger.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let wrong = Request::get("/metrics").header(header::AUTHORIZATION, "Bearer not the token");
    assert_eq!(stranger.send(wrong, Body::empty()).await.status, StatusCode::NOT_FOUND);
    let empty = Request::get("/metrics").header(header::AUTHORIZATION, "Bearer ");
    assert_eq!(stranger.send(empty, Body::empty()).await.status, StatusCode::NOT_FOUND);

    let (status, page) = scrape(&mut stranger).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("# TYPE http_requests_total counter"), "{page}");

    let mut admin = app.client();
    admin.address = Some("192.0.2.7:40000".parse().expect("address"));
    let from_admin = admin.get("/metrics").await;
    assert_eq!(from_admin.status, StatusCode::OK);
    assert_eq!(
        from_admin.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let mut neighbour = app.client();
    neighbour.address = Some("192.0.2.8:40000".parse().expect("address"));
    assert_eq!(neighbour.get("/metrics").await.status, StatusCode::NOT_FOUND);
}

#[test]
fn admin_addresses_are_addresses_or_networks_and_nothing_else() {
    let parsed = metrics::Access::parse_from(" 127.0.0.1, 10.0.0.0/8,::1 ,").expect("parses");
    assert_eq!(parsed.len(), 3);
    assert!(parsed[1].contains(&"10.1.2.3".parse::<std::net::IpAddr>().expect("ip")));
    let refused = metrics::Access::parse_from("127.0.0.1,localhost").expect_err("a name is refused");
    assert!(refused.contains("\"localhost\""), "{refused}");
    assert!(metrics::Access::parse_from("").expect("empty is nobody").is_empty());
}

#[tokio::test]
async fn requests_are_counted_by_the_route_they_matched_never_by_the_path_sent() {
    let app = TestApp::new().await;
    let (_, _, listing_id) = seller_with_listing(&app, "1").await;
    let mut visitor = app.client();
    for _ in 0..3 {
        assert_eq!(visitor.get(&format!("/item/{listing_id}")).await.status, StatusCode::OK);
    }
    for n in 0..5 {
        visitor.get(&format!("/made/up/{n}")).await;
    }

    let (_, page) = scrape(&mut visitor).await;
    let item = [("method", "GET"), ("route", "/item/{id}"), ("status", "200")];
    assert_eq!(value(&page, metrics::HTTP_REQUESTS, &item), 3.0, "{page}");
    assert_eq!(
        value(&page, &format!("{}_count", metrics::HTTP_DURATION), &[("route", "/item/{id}")]),
        3.0,
        "each request's latency is in the histogram"
    );
    assert_eq!(value(&page, metrics::HTTP_REQUESTS, &[("route", "unmatched"), ("status", "404")]), 5.0);
    assert!(!page.contains("/made/up"), "a client's path never becomes a series");
    assert_eq!(
        value(&page, metrics::HTTP_REQUESTS, &[("route", "/api/sign_up")]),
        1.0,
        "server functions count by their own name"
    );
}

#[tokio::test]
async fn money_moved_and_order_events_count_what_committed_and_nothing_rolled_back() {
    // The bank answers late enough for the buyer to cancel first.
    let app =
        TestApp::with(TestConfig { bank_delay: Duration::from_millis(300), ..TestConfig::default() }).await;
    let (mut seller, _, listing_id) = seller_with_listing(&app, "3").await;
    let (mut first, first_id) = buyer(&app, "jie@example.com").await;
    // Through the store's door as the bank's callback does, with the list a
    // request has.
    metrics::tallied(fund(&app, first_id, "1000")).await;

    // Bought, paid, shipped, received.
    let id = order(&mut first, listing_id, "1").await.to_string();
    assert!(first.call("pay_order", &[("id", &id), ("form_key", &key())]).await.status.is_success());
    let shipped = seller.call("ship_order", &[("id", &id), ("carrier", "SF"), ("tracking", "SF1")]).await;
    assert!(shipped.status.is_success(), "{shipped:?}");
    let received =
        first.call("confirm_receipt", &[("id", &id), ("received", "yes"), ("form_key", &key())]).await;
    assert!(received.status.is_success(), "{received:?}");

    // A payment refused for want of money moves nothing.
    let (mut second, second_id) = buyer(&app, "lan@example.com").await;
    let unpaid = order(&mut second, listing_id, "1").await.to_string();
    let refused = second.call("pay_order", &[("id", &unpaid), ("form_key", &key())]).await;
    assert!(!refused.status.is_success(), "{refused:?}");

    // Paying by bank, then cancelling before the bank answers: the top-up
    // lands in the wallet, and paying the order is tried in a savepoint
    // and given up.
    let by_bank = second.call("pay_by_bank", &[("id", &unpaid), ("form_key", &key())]).await;
    assert!(by_bank.status.is_success(), "{by_bank:?}");
    assert!(second.call("cancel_order", &[("id", &unpaid)]).await.status.is_success());
    eventually("the late top-up to reach the wallet", || async {
        store::ledger::balance_fen(&app.db, Account::Available(second_id)).await.unwrap_or_default() == 49_950
    })
    .await;

    let (_, page) = scrape(&mut seller).await;
    let moved = by_label(&page, metrics::MONEY_MOVED, "kind");
    let committed = grouped(
        &app,
        "SELECT kind AS key, CAST(SUM(amount_fen) AS BIGINT) AS total FROM transfers GROUP BY kind",
    )
    .await;
    assert_eq!(moved, committed, "counted money equals the committed ledger, kind by kind\n{page}");
    assert_eq!(moved.get("payment"), Some(&49_950), "only the first order's payment: {moved:?}");

    let events = by_label(&page, metrics::ORDER_EVENTS, "event");
    let written =
        grouped(&app, "SELECT kind AS key, COUNT(*) AS total FROM order_events GROUP BY kind").await;
    assert_eq!(events, written, "counted order events equal the timeline's");
    assert_eq!(events.get("pay"), Some(&1));
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_transaction_rolled_back_or_dropped_after_its_transfers_counts_nothing() {
    let app = TestApp::new().await;
    let (mut client, member) = buyer(&app, "jie@example.com").await;
    let reference = start_top_up(&app, member, "1000").await;
    let settle = || Command::SettleBank { reference: reference.clone(), verdict: BankVerdict::Confirmed };
    let (now, rules) = (app.clock.now_ms(), &app.state.rules);

    metrics::tallied(async {
        let rolled_back = db::begin_write(&app.db).await.expect("begin");
        commands::execute(&rolled_back, Actor::Bank, None, settle(), now, rules).await.expect("settles");
        rolled_back.rollback().await.expect("rolls back");

        let dropped = db::begin_write(&app.db).await.expect("begin");
        commands::execute(&dropped, Actor::Bank, None, settle(), now, rules).await.expect("settles");
        drop(dropped);

        let committed = db::begin_write(&app.db).await.expect("begin");
        commands::execute(&committed, Actor::Bank, None, settle(), now, rules).await.expect("settles");
        committed.commit().await.expect("commits");
    })
    .await;

    let (_, page) = scrape(&mut client).await;
    assert_eq!(
        by_label(&page, metrics::MONEY_MOVED, "kind"),
        BTreeMap::from([("top_up".to_owned(), 100_000)])
    );
    assert_eq!(
        store::ledger::balance_fen(&app.db, Account::Available(member)).await.expect("balance"),
        100_000
    );
    audit_passes(&app).await;
}

#[tokio::test]
async fn the_backlogs_are_read_from_the_database_when_asked() {
    let app = TestApp::new().await;
    let (_, _, listing_id) = seller_with_listing(&app, "1").await;
    let (mut buyer, _) = buyer(&app, "jie@example.com").await;
    order(&mut buyer, listing_id, "1").await;
    let (_, page) = scrape(&mut buyer).await;
    assert_eq!(value(&page, metrics::TIMERS_DUE, &[]), 0.0, "the unpaid deadline is not due yet");
    assert_eq!(value(&page, metrics::TIMER_LAG, &[]), 0.0);

    // Two hours past the unpaid deadline, with no worker running.
    let unpaid_ms = app.state.rules.deadlines.unpaid;
    app.clock.advance(unpaid_ms + 2 * 3_600_000);
    let (_, page) = scrape(&mut buyer).await;
    assert_eq!(value(&page, metrics::TIMERS_DUE, &[]), 1.0);
    assert_eq!(value(&page, metrics::TIMER_LAG, &[]), 7_200.0);
    // Sign-up confirmations wait in the outbox: no mail server is set.
    let waiting = app.count("email_outbox").await as f64;
    assert!(waiting >= 2.0);
    assert_eq!(value(&page, metrics::MAIL_OUTBOX, &[]), waiting);
    let open = value(&page, metrics::DB_CONNECTIONS, &[]);
    assert!(open >= 1.0, "the pool's connections are shown: {page}");
}
