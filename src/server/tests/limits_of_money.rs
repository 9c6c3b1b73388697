//! The edges of the money path: a wallet at the largest amount it can hold,
//! and one order paid by bank many times at once.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::escrow::{audit_passes, buyer, eventually, fund, key, order, seller_with_listing, start_top_up};
use std::time::Duration;

use super::support::{TestApp, TestConfig};
use crate::domain::bank::{BankVerdict, OperationStatus};
use crate::domain::ledger::Account;
use crate::domain::money::Money;
use crate::domain::order::OrderState;
use crate::server::clock::Clock;
use crate::server::entities::bank_operations;
use crate::server::store::commands::{self, Actor, Command};
use crate::server::store::{self};

const LARGEST_FEN: i64 = Money::MAX_FEN;

async fn wallet(app: &TestApp, member: i64) -> i64 {
    store::ledger::balance_fen(&app.db, Account::Available(member)).await.expect("balance")
}

#[tokio::test]
async fn a_wallet_stops_at_the_largest_amount_and_every_page_still_renders() {
    let app = TestApp::new().await;
    let (mut seller, seller_id, listing_id) = seller_with_listing(&app, "2").await;
    let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
    fund(&app, buyer_id, "99999000").await;

    // Past the ceiling: refused at once, before the bank moves anything.
    let refused = buyer.call("top_up", &[("amount", "1000.01"), ("form_key", &key())]).await;
    assert_eq!(refused.status, 422, "{refused:?}");
    assert!(refused.body.contains("the most one can hold"), "{}", refused.body);
    // A top-up on its way counts: the next one must fit beside it.
    let fits = buyer.call("top_up", &[("amount", "600"), ("form_key", &key())]).await;
    assert!(fits.status.is_success(), "{fits:?}");
    let beside = buyer.call("top_up", &[("amount", "500"), ("form_key", &key())]).await;
    assert_eq!(beside.status, 422, "{beside:?}");
    eventually("the top-up to arrive", || async { wallet(&app, buyer_id).await == LARGEST_FEN - 40_000 })
        .await;
    fund(&app, buyer_id, "400").await;
    assert_eq!(wallet(&app, buyer_id).await, LARGEST_FEN);

    for page in ["/", "/wallet", "/orders", "/dashboard", "/notifications", "/wallet/statement.csv"] {
        let response = buyer.get(page).await;
        assert_eq!(response.status, 200, "{page}: {response:?}");
    }
    assert!(buyer.get("/wallet").await.body.contains("¥100,000,000.00"));
    assert!(buyer.get("/wallet/statement.csv").await.body.contains(",100000000.00"));
    for function in ["get_wallet", "dashboard", "my_orders", "current_member"] {
        assert_eq!(buyer.call(function, &[]).await.status, 200, "{function}");
    }

    // A release into a full wallet is refused and changes nothing; the
    // order waits until the seller has room.
    let order_id = order(&mut buyer, listing_id, "1").await.to_string();
    assert!(buyer.call("pay_order", &[("id", &order_id), ("form_key", &key())]).await.status.is_success());
    let shipped =
        seller.call("ship_order", &[("id", &order_id), ("carrier", "SF"), ("tracking", "SF1")]).await;
    assert!(shipped.status.is_success());
    fund(&app, seller_id, "100000000").await;
    let confirm =
        buyer.call("confirm_receipt", &[("id", &order_id), ("received", "yes"), ("form_key", &key())]).await;
    assert_eq!(confirm.status, 422, "{confirm:?}");
    assert!(confirm.body.contains("the most one can hold"), "{}", confirm.body);
    let state = store::orders::find(&app.db, order_id.parse().expect("id")).await.expect("q").expect("o");
    assert_eq!(state.order.state, OrderState::Shipped);
    assert_eq!(seller.get("/dashboard").await.status, 200);
    assert!(seller.call("withdraw", &[("amount", "1000"), ("form_key", &key())]).await.status.is_success());
    let pending = || async {
        store::ledger::balance_fen(&app.db, Account::WithdrawalsPending).await.expect("balance") == 0
    };
    eventually("the withdrawal to leave", pending).await;
    let confirm =
        buyer.call("confirm_receipt", &[("id", &order_id), ("received", "yes"), ("form_key", &key())]).await;
    assert!(confirm.status.is_success(), "{confirm:?}");
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_top_up_the_wallet_can_no_longer_take_goes_back_to_the_bank() {
    let app = TestApp::new().await;
    let (mut seller, _, listing_id) = seller_with_listing(&app, "1").await;
    let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
    fund(&app, buyer_id, "100000000").await;
    let order_id = order(&mut buyer, listing_id, "1").await.to_string();
    assert!(buyer.call("pay_order", &[("id", &order_id), ("form_key", &key())]).await.status.is_success());
    // A top-up that fits now, while the order's money is in escrow…
    let reference = start_top_up(&app, buyer_id, "499.50").await;
    // …but the seller cancels, the refund fills the wallet, and then the bank
    // confirms.
    assert!(seller.call("seller_cancel_order", &[("id", &order_id)]).await.status.is_success());
    assert_eq!(wallet(&app, buyer_id).await, LARGEST_FEN);
    let confirm = Command::SettleBank { reference: reference.clone(), verdict: BankVerdict::Confirmed };
    let settled =
        commands::run(&app.db, Actor::Bank, None, confirm, app.clock.now_ms(), &app.state.rules).await;

    assert!(settled.is_ok(), "{settled:?}");
    assert_eq!(wallet(&app, buyer_id).await, LARGEST_FEN);
    let op = store::bank::find_by_reference(&app.db, &reference).await.expect("q").expect("op");
    assert_eq!(op.status, OperationStatus::Failed);
    assert!(op.failure.unwrap_or_default().contains("the most one can hold"));
    let told = buyer.get("/notifications").await.body;
    assert!(told.contains("The bank refused: top-up of ¥499.50"), "{told}");
    audit_passes(&app).await;
}

#[tokio::test]
async fn paying_one_order_by_bank_many_times_at_once_starts_one_bank_payment() {
    // A bank slow enough that every attempt arrives while the first is on its way.
    let app = TestApp::with(TestConfig { bank_delay: Duration::from_secs(2), ..Default::default() }).await;
    let (_, _, listing_id) = seller_with_listing(&app, "1").await;
    let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
    let order_id = order(&mut buyer, listing_id, "1").await;
    let id = order_id.to_string();

    let attempts: Vec<_> = (0..6)
        .map(|_| {
            let mut client = buyer.clone();
            let id = id.clone();
            tokio::spawn(
                async move { client.call("pay_by_bank", &[("id", &id), ("form_key", &key())]).await },
            )
        })
        .collect();
    for attempt in attempts {
        let response = attempt.await.expect("task");
        assert!(response.status.is_success(), "each is answered with the one payment: {response:?}");
    }

    let bank_payments = bank_operations::Entity::find()
        .filter(bank_operations::Column::PayOrderId.eq(order_id))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(bank_payments, 1);
    eventually("the order to be paid", || async {
        store::orders::find(&app.db, order_id)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.order.state == OrderState::Paid)
    })
    .await;
    // Once paid, paying again is refused and starts nothing.
    let late = buyer.call("pay_by_bank", &[("id", &id), ("form_key", &key())]).await;
    assert_eq!(late.status, 422, "{late:?}");
    assert_eq!(wallet(&app, buyer_id).await, 0, "nothing left over in the wallet");
    assert_eq!(app.count("bank_operations").await, 1);
    audit_passes(&app).await;
}
