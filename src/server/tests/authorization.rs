//! Every dispute action tried by everyone: the visitor, the buyer, the
//! seller, another member and an arbiter, each through the app (a server
//! function answering JSON) and through the same form posted without
//! JavaScript. Only the people SPEC §3 names may act; every refusal leaves
//! the order, the money, the messages, the claims and the ratings exactly as
//! they were.

use super::disputes::{Deal, ok};
use super::escrow::key;
use super::support::{Client, TestResponse};
use crate::server::store;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Visitor,
    Buyer,
    Seller,
    Other,
    Arbiter,
}

const EVERYONE: [Who; 5] = [Who::Visitor, Who::Buyer, Who::Seller, Who::Other, Who::Arbiter];

#[derive(Clone, Copy, Debug)]
enum Action {
    RequestRefund,
    AgreeRefund,
    RefuseRefund,
    WithdrawRefund,
    Escalate,
    SendReturn,
    ConfirmReturn,
    DisputeReturn,
    DecideCase,
    FileClaim,
    DecideClaim,
    Rate,
    PostMessage,
}

/// What may change: a refusal must leave all of it as it was.
async fn snapshot(deal: &Deal) -> Vec<i64> {
    let record = store::orders::find(&deal.app.db, deal.order_id).await.expect("q").expect("order");
    let mut figures = vec![i64::from(record.version), record.order.held.fen()];
    for table in ["transfers", "order_messages", "fraud_claims", "ratings", "photos", "order_events"] {
        figures.push(deal.app.count(table).await);
    }
    figures
}

fn refused(response: &TestResponse) -> bool {
    let location = response.location().unwrap_or_default();
    response.status.is_client_error()
        || response.status.is_server_error()
        || location.contains("error=")
        || location.contains("__err=")
        || location.starts_with("/signin")
}

/// How a request reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// The hydrated app calls the server function and reads JSON.
    App,
    /// The same form posted by a browser with JavaScript off.
    Form,
}

async fn send(
    client: &mut Client,
    path: Path,
    function: &str,
    fields: &[(&str, &str)],
    page: &str,
) -> TestResponse {
    match path {
        Path::App => client.call(function, fields).await,
        Path::Form => client.submit(function, fields, page).await,
    }
}

/// Brings a fresh deal to where `action` makes sense.
async fn prepare(action: Action) -> Deal {
    let mut deal = Deal::shipped().await;
    let id = deal.id();
    match action {
        Action::RequestRefund | Action::PostMessage => {}
        Action::AgreeRefund | Action::RefuseRefund | Action::WithdrawRefund => {
            ok(&deal.ask_refund("refund_only", "50").await);
        }
        Action::Escalate | Action::DecideCase => {
            ok(&deal.ask_refund("refund_only", "50").await);
            ok(&deal
                .seller
                .call("answer_refund", &[("id", &id), ("answer", "refuse"), ("reason", "No")])
                .await);
            if matches!(action, Action::DecideCase) {
                ok(&deal.buyer.call("escalate", &[("id", &id)]).await);
            }
        }
        Action::SendReturn | Action::ConfirmReturn | Action::DisputeReturn => {
            ok(&deal.ask_refund("return_and_refund", "499.50").await);
            ok(&deal.seller.call("answer_refund", &[("id", &id), ("answer", "agree")]).await);
            if !matches!(action, Action::SendReturn) {
                ok(&deal
                    .buyer
                    .call("send_return", &[("id", &id), ("carrier", "EMS"), ("tracking", "E1")])
                    .await);
            }
        }
        Action::FileClaim | Action::DecideClaim | Action::Rate => {
            ok(&deal
                .buyer
                .call("confirm_receipt", &[("id", &id), ("received", "yes"), ("form_key", &key())])
                .await);
            if matches!(action, Action::DecideClaim) {
                let path = format!("/orders/{id}/claim");
                ok(&deal.buyer.post_multipart(&path, &[("statement", "A brick")], &[]).await);
            }
        }
    }
    deal
}

async fn perform(action: Action, client: &mut Client, deal: &Deal, path: Path) -> TestResponse {
    let id = deal.id();
    let order_path = |suffix: &str| format!("/orders/{id}/{suffix}");
    let page = format!("/orders/{id}");
    match action {
        // Forms with photos are multipart posts, the same with JavaScript or without.
        Action::RequestRefund => {
            let fields = [("kind", "refund_only"), ("amount", "20"), ("reason", "Scratched")];
            client.post_multipart(&order_path("refund"), &fields, &[]).await
        }
        Action::DisputeReturn => {
            client.post_multipart(&order_path("dispute-return"), &[("reason", "Empty")], &[]).await
        }
        Action::FileClaim => {
            client.post_multipart(&order_path("claim"), &[("statement", "Fraud")], &[]).await
        }
        Action::PostMessage => {
            client.post_multipart(&order_path("messages"), &[("body", "Hello")], &[]).await
        }
        Action::AgreeRefund => {
            send(client, path, "answer_refund", &[("id", &id), ("answer", "agree")], &page).await
        }
        Action::RefuseRefund => {
            let fields = [("id", id.as_str()), ("answer", "refuse"), ("reason", "No")];
            send(client, path, "answer_refund", &fields, &page).await
        }
        Action::WithdrawRefund => send(client, path, "withdraw_refund", &[("id", &id)], &page).await,
        Action::Escalate => send(client, path, "escalate", &[("id", &id)], &page).await,
        Action::SendReturn => {
            let fields = [("id", id.as_str()), ("carrier", "EMS"), ("tracking", "E2")];
            send(client, path, "send_return", &fields, &page).await
        }
        Action::ConfirmReturn => send(client, path, "confirm_return", &[("id", &id)], &page).await,
        Action::DecideCase => {
            let fields = [("id", id.as_str()), ("refund", "10"), ("reason", "Split")];
            send(client, path, "decide_case", &fields, &page).await
        }
        Action::DecideClaim => {
            let claim =
                store::claims::of_order(&deal.app.db, deal.order_id).await.expect("q").expect("claim");
            let claim_id = claim.id.to_string();
            let fields = [("claim_id", claim_id.as_str()), ("decision", "uphold"), ("reason", "Yes")];
            send(client, path, "decide_fraud_claim", &fields, "/arbiter").await
        }
        Action::Rate => {
            let fields = [("id", id.as_str()), ("score", "good"), ("comment", "")];
            send(client, path, "rate_order", &fields, &page).await
        }
    }
}

/// Tries `action` as everyone: refused for all but `allowed`, with nothing
/// changed; then one allowed person succeeds.
async fn matrix(action: Action, allowed: &[Who]) {
    let deal = prepare(action).await;
    let arbiter = deal.arbiter().await;
    let other = deal.app.member("other@example.com", "Other").await;
    let visitor = deal.app.client();
    let before = snapshot(&deal).await;
    let state_before = deal.state().await;

    for who in EVERYONE.into_iter().filter(|w| !allowed.contains(w)) {
        let client = match who {
            Who::Visitor => visitor.clone(),
            Who::Buyer => deal.buyer.clone(),
            Who::Seller => deal.seller.clone(),
            Who::Other => other.clone(),
            Who::Arbiter => arbiter.clone(),
        };
        for path in [Path::App, Path::Form] {
            let mut client = client.clone();
            let response = perform(action, &mut client, &deal, path).await;
            assert!(refused(&response), "{action:?} by {who:?} through {path:?} was allowed: {response:?}");
            assert_eq!(
                snapshot(&deal).await,
                before,
                "{action:?} by {who:?} through {path:?} changed something"
            );
            assert_eq!(deal.state().await, state_before);
        }
    }

    let mut client = match allowed.first() {
        Some(Who::Buyer) => deal.buyer.clone(),
        Some(Who::Seller) => deal.seller.clone(),
        Some(Who::Arbiter) => arbiter.clone(),
        other => panic!("no allowed actor {other:?}"),
    };
    // The allowed person acts without JavaScript: the form path decides as
    // the app path does.
    let response = perform(action, &mut client, &deal, Path::Form).await;
    assert!(!refused(&response), "{action:?} by {:?} was refused: {response:?}", allowed.first());
    assert_ne!(snapshot(&deal).await, before, "{action:?} changed nothing");
}

#[tokio::test]
async fn only_the_buyer_requests_a_refund() {
    matrix(Action::RequestRefund, &[Who::Buyer]).await;
}

#[tokio::test]
async fn only_the_seller_agrees_to_a_refund() {
    matrix(Action::AgreeRefund, &[Who::Seller]).await;
}

#[tokio::test]
async fn only_the_seller_refuses_a_refund() {
    matrix(Action::RefuseRefund, &[Who::Seller]).await;
}

#[tokio::test]
async fn only_the_buyer_withdraws_a_request() {
    matrix(Action::WithdrawRefund, &[Who::Buyer]).await;
}

#[tokio::test]
async fn only_the_buyer_escalates() {
    matrix(Action::Escalate, &[Who::Buyer]).await;
}

#[tokio::test]
async fn only_the_buyer_sends_the_return() {
    matrix(Action::SendReturn, &[Who::Buyer]).await;
}

#[tokio::test]
async fn only_the_seller_confirms_the_return() {
    matrix(Action::ConfirmReturn, &[Who::Seller]).await;
}

#[tokio::test]
async fn only_the_seller_disputes_the_return() {
    matrix(Action::DisputeReturn, &[Who::Seller]).await;
}

#[tokio::test]
async fn only_an_arbiter_decides_a_case() {
    matrix(Action::DecideCase, &[Who::Arbiter]).await;
}

#[tokio::test]
async fn only_the_buyer_files_a_fraud_claim() {
    matrix(Action::FileClaim, &[Who::Buyer]).await;
}

#[tokio::test]
async fn only_an_arbiter_decides_a_fraud_claim() {
    matrix(Action::DecideClaim, &[Who::Arbiter]).await;
}

#[tokio::test]
async fn only_the_buyer_and_the_seller_rate() {
    matrix(Action::Rate, &[Who::Buyer, Who::Seller]).await;
}

#[tokio::test]
async fn only_the_buyer_and_the_seller_write_messages() {
    matrix(Action::PostMessage, &[Who::Buyer, Who::Seller]).await;
}

#[tokio::test]
async fn the_arbiter_console_refuses_everyone_but_arbiters() {
    let deal = Deal::shipped().await;
    let mut arbiter = deal.arbiter().await;
    assert_eq!(deal.app.client().get("/arbiter").await.status, 200, "the page itself asks to sign in");
    assert!(deal.app.client().get("/arbiter").await.body.contains("Please sign in"));
    let mut buyer = deal.buyer.clone();
    assert_eq!(buyer.get("/arbiter").await.status, 403);
    assert_eq!(buyer.call("get_arbiter_overview", &[]).await.status, 403);
    assert!(arbiter.get("/arbiter").await.body.contains("Ledger audit"));
}
