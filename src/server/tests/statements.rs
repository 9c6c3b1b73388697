//! Each page's data is read with a number of SQL statements that does not
//! grow with the rows it shows: no lookup per order, member or message.

use super::disputes::Deal;
use super::escrow::{fund, key, order};
use super::support::{Client, TestApp};
use crate::server::store;

/// Statements one server function call runs.
async fn statements(app: &TestApp, client: &mut Client, function: &str, fields: &[(&str, &str)]) -> u64 {
    let before = app.statements();
    let response = client.call(function, fields).await;
    assert!(response.status.is_success(), "{function}: {response:?}");
    app.statements() - before
}

/// Places (and pays) `n` more orders from a new buyer for the deal's listing.
async fn more_orders(deal: &Deal, n: usize, tag: &str) -> Client {
    let mut buyer = deal.app.member(&format!("buyer-{tag}@example.com"), &format!("Buyer {tag}")).await;
    let id = super::escrow::member_id(&mut buyer).await;
    fund(&deal.app, id, "10000").await;
    for _ in 0..n {
        let order_id = order(&mut buyer, deal.listing_id, "1").await.to_string();
        let paid = buyer.call("pay_order", &[("id", &order_id), ("form_key", &key())]).await;
        assert!(paid.status.is_success(), "{paid:?}");
    }
    buyer
}

#[tokio::test]
async fn my_orders_and_the_dashboard_read_the_same_number_of_statements_for_one_order_or_many() {
    let deal = Deal::paid_with_stock(20).await;
    let mut few = more_orders(&deal, 1, "few").await;
    let mut seller = deal.seller.clone();
    let dashboard_few = statements(&deal.app, &mut seller, "dashboard", &[]).await;
    let mine_few = statements(&deal.app, &mut few, "my_orders", &[]).await;

    let mut many = more_orders(&deal, 6, "many").await;
    let dashboard_many = statements(&deal.app, &mut seller, "dashboard", &[]).await;
    let mine_many = statements(&deal.app, &mut many, "my_orders", &[]).await;

    println!("my orders: {mine_few} / {mine_many}; dashboard: {dashboard_few} / {dashboard_many}");
    assert_eq!(mine_few, mine_many, "my orders");
    assert_eq!(dashboard_few, dashboard_many, "dashboard");
    assert!(mine_many <= 8 && dashboard_many <= 8, "{mine_many}, {dashboard_many}");
}

#[tokio::test]
async fn the_order_page_reads_the_same_number_of_statements_for_one_message_or_many() {
    let mut deal = Deal::shipped().await;
    let page = |deal: &Deal| deal.id();
    let id = page(&deal);
    let path = format!("/orders/{id}/messages");
    let photo = crate::server::media::tests::png(20, 20);
    deal.buyer.post_multipart(&path, &[("body", "first")], &[("photos", "a.png", &photo)]).await;
    let mut buyer = deal.buyer.clone();
    let few = statements(&deal.app, &mut buyer, "get_order", &[("id", &id)]).await;

    for n in 0..5 {
        let body = format!("message {n}");
        deal.seller.post_multipart(&path, &[("body", &body)], &[("photos", "b.png", &photo)]).await;
        deal.buyer.post_multipart(&path, &[("body", &body)], &[]).await;
    }
    let many = statements(&deal.app, &mut buyer, "get_order", &[("id", &id)]).await;

    println!("order page: {few} / {many}");
    assert_eq!(few, many);
    assert!(many <= 16, "{many}");
}

#[tokio::test]
async fn the_arbiter_overview_reads_the_same_number_of_statements_for_one_case_or_many() {
    let deal = Deal::paid_with_stock(10).await;
    let mut arbiter = deal.arbiter().await;
    escalated_order(&deal, "first").await;
    // The audit is cached for the console; warm it so only the page's own
    // reads are counted.
    statements(&deal.app, &mut arbiter, "get_arbiter_overview", &[]).await;
    let few = statements(&deal.app, &mut arbiter, "get_arbiter_overview", &[]).await;

    for n in 0..4 {
        escalated_order(&deal, &n.to_string()).await;
    }
    let many = statements(&deal.app, &mut arbiter, "get_arbiter_overview", &[]).await;
    let cases = store::orders::open_cases(&deal.app.db).await.expect("cases").len();

    println!("arbiter overview: {few} / {many} ({cases} cases)");
    assert_eq!(cases, 5);
    assert_eq!(few, many);
    assert!(many <= 10, "{many}");
}

/// A new buyer's order of the deal's listing, shipped, refused a refund and
/// escalated to the arbiter.
async fn escalated_order(deal: &Deal, tag: &str) {
    use super::disputes::ok;
    let mut buyer = more_orders(deal, 1, tag).await;
    let orders = buyer.call("my_orders", &[]).await;
    let list: Vec<serde_json::Value> = serde_json::from_str(&orders.body).expect("orders json");
    let id = list.first().and_then(|o| o["id"].as_i64()).expect("an order").to_string();
    let mut seller = deal.seller.clone();
    ok(&seller.call("ship_order", &[("id", &id), ("carrier", "SF"), ("tracking", "SF2")]).await);
    let fields = [("kind", "refund_only"), ("amount", "50"), ("reason", "Scratched")];
    ok(&buyer.post_multipart(&format!("/orders/{id}/refund"), &fields, &[]).await);
    ok(&seller.call("answer_refund", &[("id", &id), ("answer", "refuse"), ("reason", "No")]).await);
    ok(&buyer.call("escalate", &[("id", &id)]).await);
}

/// The bundled SQLite is built to keep one plan per statement
/// (.cargo/config.toml). Without that, every statement with `LIMIT ?` (each
/// `one()`) was parsed and planned again on each execution: a sixth of an
/// item page's instructions.
#[tokio::test]
async fn the_bundled_sqlite_keeps_a_statements_plan_whatever_its_limit_is_bound_to() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::sqlite().await;
    let options: Vec<String> = app
        .db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA compile_options"))
        .await
        .expect("compile options")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("an option"))
        .collect();
    assert!(options.iter().any(|option| option == "ENABLE_QPSG"), "{options:?}");
}
