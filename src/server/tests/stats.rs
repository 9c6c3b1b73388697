//! `/stats`: figures from a known set of orders, test mode left out, and
//! the live proof that escrow holds what the open orders hold.

use serde_json::Value;

use super::escrow::{audit_passes, buyer, fund, key, order, seller_with_listing};
use super::merchant_api::{create, shop};
use super::support::{Client, TestApp};
use crate::domain::time::DAY;
use crate::server::clock::Clock;
use crate::server::store::figures::WINDOW_DAYS;

async fn pay(buyer: &mut Client, id: i64) {
    let paid = buyer.call("pay_order", &[("id", &id.to_string()), ("form_key", &key())]).await;
    assert!(paid.status.is_success(), "{paid:?}");
}

#[tokio::test]
async fn the_figures_count_known_orders_by_day_and_leave_test_mode_out() {
    let app = TestApp::new().await;
    let (mut seller, _, listing_id) = seller_with_listing(&app, "5").await;
    let (mut jie, jie_id) = buyer(&app, "jie@example.com").await;
    fund(&app, jie_id, "3000").await;

    // Day one: two orders paid (¥499.50 each), one of them completed.
    let first = order(&mut jie, listing_id, "1").await;
    pay(&mut jie, first).await;
    let second = order(&mut jie, listing_id, "1").await;
    pay(&mut jie, second).await;
    let id = first.to_string();
    assert!(
        seller
            .call("ship_order", &[("id", &id), ("carrier", "SF"), ("tracking", "SF1")])
            .await
            .status
            .is_success()
    );
    let received =
        jie.call("confirm_receipt", &[("id", &id), ("received", "yes"), ("form_key", &key())]).await;
    assert!(received.status.is_success(), "{received:?}");

    // Day two: one more paid, and a shop's test-mode escrow paid (¥199).
    app.clock.advance(DAY);
    let third = order(&mut jie, listing_id, "1").await;
    pay(&mut jie, third).await;
    let tea_shop = shop(&app, "tea@example.com").await;
    let escrow = create(&app, &tea_shop.test, "T-1").await;
    let paid = jie.call("pay_checkout", &[("id", &escrow), ("with", "wallet"), ("form_key", &key())]).await;
    assert!(paid.status.is_success(), "{paid:?}");

    let mut visitor = app.client();
    let answer = visitor.call("get_platform_stats", &[]).await;
    assert!(answer.status.is_success(), "{answer:?}");
    let stats: Value = serde_json::from_str(&answer.body).expect("json");

    let days = stats["days"].as_array().expect("days");
    assert_eq!(days.len(), WINDOW_DAYS as usize);
    let turnover: Vec<i64> = days.iter().map(|d| d["turnover"].as_i64().expect("fen")).collect();
    let completed: Vec<i64> = days.iter().map(|d| d["completed"].as_i64().expect("count")).collect();
    let window = WINDOW_DAYS as usize;
    assert_eq!(turnover[window - 2..], [99_900, 49_950], "by day, the test escrow's ¥199 left out");
    assert!(turnover[..window - 2].iter().all(|&fen| fen == 0));
    assert_eq!(completed[window - 2..], [1, 0]);
    assert_eq!(stats["today_turnover"], 49_950);
    assert_eq!(stats["window_turnover"], 149_850);
    assert_eq!(stats["window_completed"], 1);
    assert_eq!(stats["orders_paid"], 3, "the test-mode order is not trade");
    assert_eq!(stats["refunded_share"], "0.0%");
    assert_eq!(stats["listings_on_offer"], 1);
    assert_eq!(stats["sellers"], 1);
    assert_eq!(stats["merchants"], 1);

    // Escrow holds the two open orders and the test escrow's order: the
    // ledger's balance includes every order, and so does the proof.
    assert_eq!(stats["escrow_balance"], 49_950 * 2 + 19_900);
    assert_eq!(stats["orders_hold"], stats["escrow_balance"]);
    assert_eq!(stats["orders_holding"], 3);
    assert_eq!(stats["guarantee_fund"], 0);

    let page = visitor.get("/stats").await;
    assert!(page.body.contains("data-testid=\"holds-match\""), "the page says they match");
    assert!(page.body.contains("role=\"img\" aria-labelledby=\"turnover-caption\""));
    assert!(page.body.contains("¥1,498.50"), "the 30-day turnover, in the caption and the figures");
    audit_passes(&app).await;
}

#[tokio::test]
async fn the_page_shows_the_workers_last_audit_in_the_readers_language() {
    let app = TestApp::new().await;
    let mut visitor = app.client();
    let before = visitor.get("/stats").await.body;
    assert!(before.contains("Not run yet"), "no audit yet");

    let (_, report) = app.state.audit.run_now(&app.db, app.clock.now_ms()).await.expect("audit");
    assert!(report.passed());
    let mut reader = app.client();
    reader.cookies.insert(crate::language::COOKIE.to_owned(), "zh-CN".to_owned());
    let page = reader.get("/stats").await.body;
    let passed =
        format!("2026年11月26日 00:00 UTC 通过：基于同一快照对整个账本做了 {} 项检查。", report.checks.len());
    assert!(page.contains(&passed), "{page}");
    assert!(page.contains("<html lang=\"zh-CN\""));
}
