//! Refunds, returns, arbitration, fraud claims, ratings and messages through
//! the app, each money scenario ending with the ledger audit passing.

use super::escrow::{audit_passes, buyer, fund, key, order, seller_with_listing};
use super::support::{Client, TestApp, TestConfig};
use crate::domain::ledger::Account;
use crate::domain::order::{DAY, HOUR, OrderState};
use crate::server::clock::Clock;
use crate::server::media::tests::png;
use crate::server::store;
use crate::server::worker;

/// A paid, shipped ¥499.50 order between a fresh seller and buyer.
pub struct Deal {
    pub app: TestApp,
    pub seller: Client,
    pub seller_id: i64,
    pub buyer: Client,
    pub buyer_id: i64,
    pub listing_id: i64,
    pub order_id: i64,
}

impl Deal {
    pub async fn paid() -> Self {
        Self::with(TestConfig::default(), false).await
    }

    pub async fn shipped() -> Self {
        Self::with(TestConfig::default(), true).await
    }

    /// A paid order whose listing has `stock` more to sell.
    pub async fn paid_with_stock(stock: u32) -> Self {
        Self::with_stock(TestConfig::default(), false, &(stock + 1).to_string()).await
    }

    async fn with(config: TestConfig, ship: bool) -> Self {
        Self::with_stock(config, ship, "3").await
    }

    async fn with_stock(config: TestConfig, ship: bool, stock: &str) -> Self {
        let app = TestApp::with(config).await;
        let (mut seller, seller_id, listing_id) = seller_with_listing(&app, stock).await;
        let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
        fund(&app, buyer_id, "1000").await;
        let order_id = order(&mut buyer, listing_id, "1").await;
        let id = order_id.to_string();
        let paid = buyer.call("pay_order", &[("id", &id), ("form_key", &key())]).await;
        assert!(paid.status.is_success(), "{paid:?}");
        if ship {
            let shipped =
                seller.call("ship_order", &[("id", &id), ("carrier", "SF"), ("tracking", "SF1")]).await;
            assert!(shipped.status.is_success(), "{shipped:?}");
        }
        Self { app, seller, seller_id, buyer, buyer_id, listing_id, order_id }
    }

    pub fn id(&self) -> String {
        self.order_id.to_string()
    }

    pub async fn state(&self) -> OrderState {
        store::orders::find(&self.app.db, self.order_id).await.expect("find").expect("order").order.state
    }

    async fn balance(&self, account: Account) -> i64 {
        store::ledger::balance_fen(&self.app.db, account).await.expect("balance")
    }

    /// The buyer asks for a refund through the multipart form.
    pub async fn ask_refund(&mut self, kind: &str, amount: &str) -> super::support::TestResponse {
        let path = format!("/orders/{}/refund", self.order_id);
        let photo = png(40, 30);
        let fields = [("kind", kind), ("amount", amount), ("reason", "The screen is cracked")];
        self.buyer.post_multipart(&path, &fields, &[("photos", "crack.png", &photo)]).await
    }

    pub async fn arbiter(&self) -> Client {
        let mut arbiter = self.app.member("judge@example.com", "Judge Bao").await;
        assert!(store::members::grant_arbiter(&self.app.db, "JUDGE@example.com").await.expect("grant"));
        // The session predates the grant; the flag is read on every request.
        assert!(arbiter.get("/arbiter").await.status.is_success());
        arbiter
    }

    async fn advance_and_fire(&self, by: i64) -> usize {
        self.app.clock.advance(by);
        worker::fire_due(&self.app.state).await.expect("worker")
    }
}

pub fn ok(response: &super::support::TestResponse) {
    let location = response.location().unwrap_or_default();
    assert!(
        (response.status.is_success() || response.status.is_redirection()) && !location.contains("error="),
        "{response:?}"
    );
}

#[tokio::test]
async fn a_partial_refund_only_agreed_pays_the_buyer_and_releases_the_rest_with_the_fee_on_the_rest() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("refund_only", "28.50").await);
    assert_eq!(deal.state().await, OrderState::RefundRequested);

    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);

    assert_eq!(deal.state().await, OrderState::Completed);
    // ¥471.00 released: fee 2.826 → ¥2.83
    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000 - 49_950 + 2_850);
    assert_eq!(deal.balance(Account::Available(deal.seller_id)).await, 47_100 - 283);
    assert_eq!(deal.balance(Account::PlatformFees).await, 283);
    let page = deal.buyer.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(page.contains("/media/") && page.contains("_t.jpg"), "the evidence photo is shown");
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn a_full_refund_before_shipping_refunds_everything_and_restocks() {
    let mut deal = Deal::paid().await;
    let stock_before =
        store::listings::find(&deal.app.db, deal.listing_id).await.expect("q").expect("l").stock;
    let partial = deal.ask_refund("refund_only", "100").await;
    assert!(
        partial.location().unwrap_or_default().contains("error="),
        "before shipping only the full amount"
    );
    ok(&deal.ask_refund("refund_only", "499.50").await);

    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);

    assert_eq!(deal.state().await, OrderState::Refunded);
    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000);
    let stock = store::listings::find(&deal.app.db, deal.listing_id).await.expect("q").expect("l").stock;
    assert_eq!(stock, stock_before + 1);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn forty_eight_hours_of_seller_silence_counts_as_agreeing() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("refund_only", "499.50").await);
    assert_eq!(deal.advance_and_fire(48 * HOUR - 1).await, 0);
    assert_eq!(deal.advance_and_fire(1).await, 1);
    assert_eq!(deal.state().await, OrderState::Refunded);
    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn return_and_refund_the_buyer_sends_it_back_and_the_seller_confirms() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("return_and_refund", "499.50").await);
    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);
    assert_eq!(deal.state().await, OrderState::ReturnInTransit);
    ok(&deal.buyer.call("send_return", &[("id", &deal.id()), ("carrier", "EMS"), ("tracking", "E77")]).await);

    ok(&deal.seller.call("confirm_return", &[("id", &deal.id())]).await);

    assert_eq!(deal.state().await, OrderState::Refunded);
    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn a_return_not_sent_in_seven_days_closes_the_request_and_the_confirm_deadline_resumes() {
    let mut deal = Deal::shipped().await;
    deal.app.clock.advance(2 * DAY);
    ok(&deal.ask_refund("return_and_refund", "100").await);
    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);

    assert_eq!(deal.advance_and_fire(7 * DAY).await, 1);

    let record = store::orders::find(&deal.app.db, deal.order_id).await.expect("q").expect("order");
    assert_eq!(record.order.state, OrderState::Shipped);
    let due = record.order.deadline.map(|d| d.at).unwrap_or_default();
    assert_eq!(due, deal.app.clock.now_ms() + 8 * DAY, "the 8 days left of 10 resume");
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn a_sent_return_not_confirmed_in_ten_days_is_refunded_automatically() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("return_and_refund", "499.50").await);
    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);
    ok(&deal.buyer.call("send_return", &[("id", &deal.id()), ("carrier", "EMS"), ("tracking", "E77")]).await);

    assert_eq!(deal.advance_and_fire(10 * DAY - 1).await, 0);
    assert_eq!(deal.advance_and_fire(1).await, 1);

    assert_eq!(deal.state().await, OrderState::Refunded);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn a_refused_request_not_escalated_in_seven_days_is_withdrawn() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("refund_only", "50").await);
    ok(&deal
        .seller
        .call("answer_refund", &[("id", &deal.id()), ("answer", "refuse"), ("reason", "It was fine")])
        .await);
    assert_eq!(deal.state().await, OrderState::RefundRefused);

    assert_eq!(deal.advance_and_fire(7 * DAY).await, 1);

    assert_eq!(deal.state().await, OrderState::Shipped);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn the_buyer_may_withdraw_a_request_and_the_order_goes_on() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("refund_only", "50").await);
    ok(&deal.buyer.call("withdraw_refund", &[("id", &deal.id())]).await);
    assert_eq!(deal.state().await, OrderState::Shipped);
    ok(&deal
        .buyer
        .call("confirm_receipt", &[("id", &deal.id()), ("received", "yes"), ("form_key", &key())])
        .await);
    assert_eq!(deal.state().await, OrderState::Completed);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn refused_then_escalated_the_arbiter_splits_30_70_with_the_fee_on_the_released_part() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("refund_only", "499.50").await);
    ok(&deal
        .seller
        .call("answer_refund", &[("id", &deal.id()), ("answer", "refuse"), ("reason", "Works for me")])
        .await);
    ok(&deal.buyer.call("escalate", &[("id", &deal.id())]).await);
    assert_eq!(deal.state().await, OrderState::InArbitration);
    let mut arbiter = deal.arbiter().await;
    let console = arbiter.get("/arbiter").await.body;
    assert!(console.contains(&format!("#{} Kindle", deal.order_id)), "the case is listed");
    let case = arbiter.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(case.contains("The screen is cracked") && case.contains("Works for me"), "both statements");

    // 30% of ¥499.50 = ¥149.85 back; ¥349.65 released, fee 2.0979 → ¥2.10.
    let decided = arbiter
        .call("decide_case", &[("id", &deal.id()), ("refund", "149.85"), ("reason", "Partly damaged")])
        .await;
    ok(&decided);

    assert_eq!(deal.state().await, OrderState::Resolved);
    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000 - 49_950 + 14_985);
    assert_eq!(deal.balance(Account::Available(deal.seller_id)).await, 34_965 - 210);
    assert_eq!(deal.balance(Account::PlatformFees).await, 210);
    let seen_by_buyer = deal.buyer.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(seen_by_buyer.contains("Partly damaged"), "the reason is shown to both sides");
    let decided_case = arbiter.get(&format!("/orders/{}", deal.id())).await;
    assert_eq!(decided_case.status, 200, "the arbiter still sees the case they decided");
    assert!(decided_case.body.contains("Partly damaged"));
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn the_seller_may_dispute_returned_goods_and_the_arbiter_decides() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("return_and_refund", "499.50").await);
    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);
    ok(&deal.buyer.call("send_return", &[("id", &deal.id()), ("carrier", "EMS"), ("tracking", "E77")]).await);
    let photo = png(30, 30);
    let path = format!("/orders/{}/dispute-return", deal.id());
    ok(&deal
        .seller
        .post_multipart(&path, &[("reason", "The box was empty")], &[("photos", "box.png", &photo)])
        .await);
    assert_eq!(deal.state().await, OrderState::InArbitration);

    let mut arbiter = deal.arbiter().await;
    ok(&arbiter.call("decide_case", &[("id", &deal.id()), ("refund", "0"), ("reason", "Empty box")]).await);

    assert_eq!(deal.state().await, OrderState::Resolved);
    assert_eq!(deal.balance(Account::Available(deal.seller_id)).await, 49_950 - 300);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn an_upheld_fraud_claim_compensates_the_buyer_in_full_and_suspends_the_seller() {
    let mut deal = Deal::shipped().await;
    ok(&deal
        .buyer
        .call("confirm_receipt", &[("id", &deal.id()), ("received", "yes"), ("form_key", &key())])
        .await);
    // An order of another buyer, still open when the seller is suspended.
    let (mut other, other_id) = buyer(&deal.app, "other@example.com").await;
    fund(&deal.app, other_id, "600").await;
    let open_order = order(&mut other, deal.listing_id, "1").await;
    ok(&other.call("pay_order", &[("id", &open_order.to_string()), ("form_key", &key())]).await);

    deal.app.clock.advance(10 * DAY);
    // Ten days on, both sign in again (a session ends after a week unused).
    deal.buyer = deal.app.signed_in("jie@example.com").await;
    deal.seller = deal.app.signed_in("seller@example.com").await;
    let photo = png(20, 20);
    let path = format!("/orders/{}/claim", deal.id());
    ok(&deal
        .buyer
        .post_multipart(&path, &[("statement", "It was a brick")], &[("photos", "brick.png", &photo)])
        .await);
    let mut arbiter = deal.arbiter().await;
    assert!(arbiter.get("/arbiter").await.body.contains("Kindle"));
    let claim = store::claims::of_order(&deal.app.db, deal.order_id).await.expect("q").expect("claim");

    let decided = arbiter
        .call(
            "decide_fraud_claim",
            &[("claim_id", &claim.id.to_string()), ("decision", "uphold"), ("reason", "Verified")],
        )
        .await;
    ok(&decided);

    assert_eq!(deal.balance(Account::Available(deal.buyer_id)).await, 100_000 - 49_950 + 49_950);
    assert_eq!(deal.balance(Account::PlatformCompensation).await, -49_950);
    let seller_page = deal.app.client().get(&format!("/seller/{}", deal.seller_id)).await.body;
    assert!(seller_page.contains("This seller is suspended"));
    let listing = deal.seller.call("create_listing", super::listings::KINDLE).await;
    assert_eq!(listing.status, 422, "a suspended seller cannot list");
    let (mut third, _) = buyer(&deal.app, "third@example.com").await;
    let refused = third
        .call(
            "place_order",
            &[
                ("listing_id", &deal.listing_id.to_string()),
                ("quantity", "1"),
                ("shipping_address", "x"),
                ("form_key", &key()),
            ],
        )
        .await;
    assert!(refused.body.contains("suspended"), "no new orders: {}", refused.body);
    // The open order runs to its end.
    ok(&deal
        .seller
        .call("ship_order", &[("id", &open_order.to_string()), ("carrier", "SF"), ("tracking", "2")])
        .await);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn a_fraud_claim_can_be_rejected_and_cannot_be_filed_after_15_days_or_twice() {
    let mut deal = Deal::shipped().await;
    ok(&deal
        .buyer
        .call("confirm_receipt", &[("id", &deal.id()), ("received", "yes"), ("form_key", &key())])
        .await);
    let path = format!("/orders/{}/claim", deal.id());
    ok(&deal.buyer.post_multipart(&path, &[("statement", "Fake")], &[]).await);
    let twice = deal.buyer.post_multipart(&path, &[("statement", "Again")], &[]).await;
    assert!(twice.location().unwrap_or_default().contains("error="), "one claim per order");
    let mut arbiter = deal.arbiter().await;
    let claim = store::claims::of_order(&deal.app.db, deal.order_id).await.expect("q").expect("claim");
    ok(&arbiter
        .call(
            "decide_fraud_claim",
            &[
                ("claim_id", &claim.id.to_string()),
                ("decision", "reject"),
                ("reason", "Photos show the item"),
            ],
        )
        .await);
    assert_eq!(deal.balance(Account::PlatformCompensation).await, 0);

    let mut late = Deal::shipped().await;
    ok(&late
        .buyer
        .call("confirm_receipt", &[("id", &late.id()), ("received", "yes"), ("form_key", &key())])
        .await);
    late.app.clock.advance(15 * DAY + 1);
    late.buyer = late.app.signed_in("jie@example.com").await;
    let path = format!("/orders/{}/claim", late.id());
    let refused = late.buyer.post_multipart(&path, &[("statement", "Too late")], &[]).await;
    assert!(refused.location().unwrap_or_default().contains("error="));
    audit_passes(&deal.app).await;
    audit_passes(&late.app).await;
}

#[tokio::test]
async fn each_side_rates_the_other_once_and_the_tally_shows_on_the_seller_and_item_pages() {
    let mut deal = Deal::shipped().await;
    let early =
        deal.buyer.call("rate_order", &[("id", &deal.id()), ("score", "good"), ("comment", "x")]).await;
    assert_eq!(early.status, 422, "not before the end");
    ok(&deal
        .buyer
        .call("confirm_receipt", &[("id", &deal.id()), ("received", "yes"), ("form_key", &key())])
        .await);

    ok(&deal
        .buyer
        .call("rate_order", &[("id", &deal.id()), ("score", "good"), ("comment", "Fast and honest")])
        .await);
    ok(&deal.seller.call("rate_order", &[("id", &deal.id()), ("score", "neutral"), ("comment", "")]).await);
    let again = deal
        .buyer
        .call("rate_order", &[("id", &deal.id()), ("score", "bad"), ("comment", "changed my mind")])
        .await;
    assert!(again.body.contains("already rated"), "{}", again.body);

    let seller_page = deal.app.client().get(&format!("/seller/{}", deal.seller_id)).await.body;
    assert!(seller_page.contains("100% good · 1 good, 0 neutral, 0 bad"), "{seller_page}");
    assert!(seller_page.contains("Fast and honest"));
    let item = deal.app.client().get(&format!("/item/{}", deal.listing_id)).await.body;
    assert!(item.contains("Fast and honest") && item.contains("100% good"));
}

#[tokio::test]
async fn messages_with_photos_go_both_ways_and_the_arbiter_reads_them_once_escalated() {
    let mut deal = Deal::shipped().await;
    let path = format!("/orders/{}/messages", deal.id());
    let photo = png(64, 48);
    ok(&deal.buyer.post_multipart(&path, &[("body", "Is it boxed?")], &[("photos", "q.png", &photo)]).await);
    ok(&deal.seller.post_multipart(&path, &[("body", "Yes, original box")], &[]).await);
    let empty = deal.buyer.post_multipart(&path, &[("body", "  ")], &[]).await;
    assert!(empty.location().unwrap_or_default().contains("error="));
    let mut stranger = deal.app.member("nosy@example.com", "Nosy").await;
    let intrusion = stranger.post_multipart(&path, &[("body", "hello")], &[]).await;
    assert!(intrusion.location().unwrap_or_default().contains("error="));

    let page = deal.buyer.get(&format!("/orders/{}", deal.id())).await.body;
    let (question, answer) = (page.find("Is it boxed?"), page.find("Yes, original box"));
    assert!(question.is_some() && question < answer, "oldest first");
    let mut arbiter = deal.arbiter().await;
    assert_eq!(arbiter.get(&format!("/orders/{}", deal.id())).await.status, 404, "not before a dispute");
    ok(&deal.ask_refund("refund_only", "10").await);
    ok(&deal
        .seller
        .call("answer_refund", &[("id", &deal.id()), ("answer", "refuse"), ("reason", "No")])
        .await);
    ok(&deal.buyer.call("escalate", &[("id", &deal.id())]).await);
    let case = arbiter.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(case.contains("Is it boxed?") && case.contains("Yes, original box"));
    assert_eq!(store::messages::thread(&deal.app.db, deal.order_id).await.expect("thread").len(), 2);
}

#[tokio::test]
async fn a_photo_that_is_not_an_image_or_too_big_is_refused_with_a_message_and_nothing_changes() {
    let mut deal = Deal::shipped().await;
    let path = format!("/orders/{}/refund", deal.id());
    let fields = [("kind", "refund_only"), ("amount", "10"), ("reason", "x")];
    let executable = b"\x7fELF\x02\x01\x01\x00pretend binary".to_vec();
    let renamed = deal.buyer.post_multipart(&path, &fields, &[("photos", "photo.jpg", &executable)]).await;
    assert!(renamed.location().unwrap_or_default().contains("not+a+JPEG"), "{renamed:?}");
    let huge = vec![0u8; crate::server::media::MAX_BYTES + 1];
    let oversize = deal.buyer.post_multipart(&path, &fields, &[("photos", "big.jpg", &huge)]).await;
    assert!(oversize.location().unwrap_or_default().contains("5+MB"), "{oversize:?}");
    assert_eq!(deal.state().await, OrderState::Shipped);
    assert_eq!(deal.app.count("photos").await, 0);
}

#[tokio::test]
async fn every_event_that_asks_someone_to_act_notifies_them_and_queues_an_email() {
    let mut deal = Deal::shipped().await;
    ok(&deal.ask_refund("return_and_refund", "499.50").await);
    ok(&deal.seller.call("answer_refund", &[("id", &deal.id()), ("answer", "agree")]).await);
    ok(&deal.buyer.call("send_return", &[("id", &deal.id()), ("carrier", "EMS"), ("tracking", "E1")]).await);
    let seller_news = deal.seller.get("/notifications").await.body;
    assert!(seller_news.contains("Refund requested — please answer"));
    assert!(seller_news.contains("Return sent — confirm when it arrives"));
    let buyer_news = deal.buyer.get("/notifications").await.body;
    assert!(buyer_news.contains("Refund agreed — send the item back"));
    let outbox = deal.app.count("email_outbox").await;
    assert!(outbox >= 5, "paid, shipped, refund requested, send return, return sent: {outbox}");
}
