//! Every change goes through the store's one door: what that guarantees
//! across callers (the app, forms without JavaScript, the bank).

use sea_orm::{ConnectionTrait, Statement};

use super::disputes::Deal;
use super::escrow::{audit_passes, buyer, fund, key, order, seller_with_listing, start_top_up};
use super::support::TestApp;
use crate::domain::bank::BankVerdict;
use crate::server::media::tests::png;
use crate::server::store::StoreError;
use crate::server::store::commands::{self, Actor, Command};

async fn media_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.state.media.dir()).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn the_same_form_key_through_a_form_and_through_the_app_is_applied_once() {
    let app = TestApp::new().await;
    let (_, _, listing_id) = seller_with_listing(&app, "3").await;
    let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
    fund(&app, buyer_id, "1000").await;
    let order_id = order(&mut buyer, listing_id, "1").await.to_string();
    let form_key = key();
    let fields = [("id", order_id.as_str()), ("form_key", form_key.as_str())];

    let without_javascript = buyer.submit("pay_order", &fields, &format!("/orders/{order_id}")).await;
    let with_javascript = buyer.call("pay_order", &fields).await;

    assert!(without_javascript.status.is_redirection(), "{without_javascript:?}");
    assert_eq!(without_javascript.location(), Some(format!("/orders/{order_id}").as_str()));
    assert!(with_javascript.status.is_success(), "the repeat answers like the first: {with_javascript:?}");
    assert_eq!(app.count("transfers").await, 2, "the top-up and one payment");
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_bank_operation_of_a_kind_the_rules_do_not_know_stops_its_transaction() {
    let app = TestApp::new().await;
    let (_, member) = buyer(&app, "jie@example.com").await;
    let reference = start_top_up(&app, member, "80").await;
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("UPDATE bank_operations SET kind = 'refund' WHERE reference = '{reference}'"),
        ))
        .await
        .expect("tampered");

    let confirm = Command::SettleBank { reference, verdict: BankVerdict::Confirmed };
    let settled = commands::run(&app.db, Actor::Bank, None, confirm, 0, &app.state.rules).await;

    assert!(matches!(settled, Err(StoreError::Corrupt(ref what)) if what.contains("kind")), "{settled:?}");
    assert_eq!(app.count("transfers").await, 0, "nothing moved");
    assert_eq!(app.count("notifications").await, 0, "nobody was told");
}

#[tokio::test]
async fn only_the_bank_settles_and_only_a_member_starts_an_operation() {
    let app = TestApp::new().await;
    let (_, member) = buyer(&app, "jie@example.com").await;
    let reference = start_top_up(&app, member, "80").await;
    for actor in [Actor::Member(member), Actor::System, Actor::Arbiter(member)] {
        let confirm = Command::SettleBank { reference: reference.clone(), verdict: BankVerdict::Confirmed };
        let refused = commands::run(&app.db, actor, None, confirm, 0, &app.state.rules).await;
        assert!(matches!(refused, Err(StoreError::Rule(_))), "{actor:?}: {refused:?}");
    }
    assert_eq!(app.count("transfers").await, 0);
}

#[tokio::test]
async fn refused_requests_with_photos_leave_no_file_behind() {
    let mut deal = Deal::paid().await;
    let photo = png(40, 30);
    let before = media_files(&deal.app).await;
    let order = deal.order_id;

    // A partial refund before shipping is refused by the rules.
    let refund = deal
        .buyer
        .post_multipart(
            &format!("/orders/{order}/refund"),
            &[("kind", "refund_only"), ("amount", "1"), ("reason", "Scratched")],
            &[("photos", "a.png", &photo)],
        )
        .await;
    // A stranger's message on the order.
    let mut stranger = deal.app.member("nosy@example.com", "Nosy").await;
    let message = stranger
        .post_multipart(
            &format!("/orders/{order}/messages"),
            &[("body", "hi")],
            &[("photos", "b.png", &photo)],
        )
        .await;
    // A fraud claim on an order that has not ended.
    let claim = deal
        .buyer
        .post_multipart(
            &format!("/orders/{order}/claim"),
            &[("statement", "Never arrived")],
            &[("photos", "c.png", &photo), ("photos", "d.png", &photo)],
        )
        .await;

    for refused in [&refund, &message, &claim] {
        assert!(refused.location().unwrap_or_default().contains("error="), "{refused:?}");
    }
    assert_eq!(media_files(&deal.app).await, before, "every written file was removed again");
    assert_eq!(deal.app.count("photos").await, 0);
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn the_audit_passes_while_eight_buyers_pay_at_once() {
    let app = TestApp::new().await;
    let (_, _, listing_id) = seller_with_listing(&app, "500").await;
    let mut payers = Vec::new();
    for n in 0..8 {
        let (client, id) = buyer(&app, &format!("payer{n}@example.com")).await;
        fund(&app, id, "5000").await;
        payers.push(client);
    }
    let paying: Vec<_> = payers
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                for _ in 0..4 {
                    let order_id = order(&mut client, listing_id, "1").await.to_string();
                    let paid = client.call("pay_order", &[("id", &order_id), ("form_key", &key())]).await;
                    assert!(paid.status.is_success(), "{paid:?}");
                }
            })
        })
        .collect();
    let mut audits = 0;
    while paying.iter().any(|task| !task.is_finished()) {
        let report = crate::server::audit::run(&app.db).await.expect("audit runs");
        assert!(report.passed(), "mid-flight: {report}");
        audits += 1;
    }
    for task in paying {
        task.await.expect("payer");
    }
    println!("{audits} audits while paying");
    assert!(audits > 1, "the audit ran while money moved");
    audit_passes(&app).await;
}
