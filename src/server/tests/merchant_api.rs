//! The merchant API (SPEC §7) through the whole app: keys, escrows from
//! create to the merchant's wallet, errors as problem documents,
//! idempotency, and signed webhooks delivered to a real HTTP receiver.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};

use super::escrow::{audit_passes, buyer, fund, key, member_id};
use super::support::{Client, TestApp, TestConfig};
use crate::domain::ledger::Account;
use crate::server::clock::Clock;
use crate::server::merchant::delivery;
use crate::server::store;

/// A merchant with a live and a test key.
pub struct Shop {
    pub client: Client,
    pub id: i64,
    pub live: String,
    pub test: String,
}

pub async fn shop(app: &TestApp, email: &str) -> Shop {
    let mut client = app.member(email, "Tea House").await;
    let id = member_id(&mut client).await;
    let enabled = client.call("enable_merchant", &[]).await;
    assert!(enabled.status.is_success(), "{enabled:?}");
    let live = new_key(&mut client, "live").await;
    let test = new_key(&mut client, "test").await;
    Shop { client, id, live, test }
}

/// Makes a key from the settings page and reads it the one time it shows.
async fn new_key(client: &mut Client, mode: &str) -> String {
    let made = client.call("create_api_key", &[("name", "shop server"), ("mode", mode)]).await;
    assert!(made.status.is_success(), "{made:?}");
    let page = client.call("merchant_settings", &[]).await;
    let view: Value = serde_json::from_str(&page.body).expect("settings json");
    let secret = view["new_secret"].as_str().expect("the new key shows once").to_owned();
    let again = client.call("merchant_settings", &[]).await;
    let view: Value = serde_json::from_str(&again.body).expect("settings json");
    assert!(view["new_secret"].is_null(), "and only once");
    secret
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// One API call with a bearer key (and an Idempotency-Key, if given).
pub async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    bearer: &str,
    idempotency: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::ACCEPT, "application/json");
    if let Some(key) = idempotency {
        request = request.header("idempotency-key", key);
    }
    let body = match body {
        Some(value) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    let answer = app.client().send(request, body).await;
    let body = if answer.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&answer.body).unwrap_or(Value::String(answer.body))
    };
    Answer { status: answer.status, headers: answer.headers, body }
}

pub async fn post(app: &TestApp, path: &str, bearer: &str, body: &Value) -> Answer {
    api(app, "POST", path, bearer, Some(&key()), Some(body)).await
}

pub fn tea(out_trade_no: &str) -> Value {
    json!({
        "out_trade_no": out_trade_no,
        "amount": "199.00",
        "subject": "Longjing tea",
        "items": [{"title": "Longjing tea, 250 g", "quantity": 2, "unit_price": "99.50"}],
        "return_url": "https://tea.example/orders/T-1",
        "cancel_url": "https://tea.example/cart",
        "metadata": {"cart": "42"}
    })
}

pub async fn create(app: &TestApp, bearer: &str, out_trade_no: &str) -> String {
    let created = post(app, "/escrows", bearer, &tea(out_trade_no)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().expect("an id").to_owned()
}

/// A buyer pays the escrow at its hosted checkout, from the wallet.
async fn pay_at_checkout(app: &TestApp, escrow: &str) -> (Client, i64) {
    let (mut buyer, buyer_id) = buyer(app, "jie@example.com").await;
    fund(app, buyer_id, "500").await;
    let paid = buyer.call("pay_checkout", &[("id", escrow), ("with", "wallet"), ("form_key", &key())]).await;
    assert!(paid.status.is_success(), "{paid:?}");
    (buyer, buyer_id)
}

fn problem_code(answer: &Answer) -> &str {
    assert_eq!(
        answer.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{answer:?}"
    );
    assert_eq!(answer.body["status"].as_u64(), Some(u64::from(answer.status.as_u16())));
    let code = answer.body["code"].as_str().unwrap_or_default();
    assert_eq!(answer.body["type"].as_str(), Some(format!("/api/docs#{code}").as_str()));
    code
}

#[tokio::test]
async fn an_escrow_goes_from_checkout_to_the_merchants_wallet_less_the_fee() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;

    let created = post(&app, "/escrows", &shop.live, &tea("T-1001")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(created.body["status"], "awaiting_payment");
    assert_eq!(created.body["alipay_status"], "WAIT_BUYER_PAY");
    assert_eq!(created.body["amount"], "199.00");
    assert_eq!(created.body["currency"], "CNY");
    assert_eq!(created.body["livemode"], true);
    assert_eq!(created.body["metadata"]["cart"], "42");
    let checkout_url = created.body["checkout_url"].as_str().expect("checkout url");
    assert!(checkout_url.ends_with(&format!("/checkout/{id}")), "{checkout_url}");

    let listed = api(&app, "GET", "/escrows?out_trade_no=T-1001", &shop.live, None, None).await;
    assert_eq!(listed.body["data"][0]["id"].as_str(), Some(id.as_str()), "{listed:?}");

    let (mut buyer, buyer_id) = pay_at_checkout(&app, &id).await;
    let paid = api(&app, "GET", &format!("/escrows/{id}"), &shop.live, None, None).await;
    assert_eq!(paid.body["status"], "paid", "{paid:?}");
    assert_eq!(paid.body["alipay_status"], "WAIT_SELLER_SEND_GOODS");

    let ship = json!({"carrier": "SF Express", "tracking_no": "SF1400286913"});
    let shipped = post(&app, &format!("/escrows/{id}/ship"), &shop.live, &ship).await;
    assert_eq!(shipped.status, StatusCode::OK, "{shipped:?}");
    assert_eq!(shipped.body["status"], "shipped");
    assert_eq!(shipped.body["alipay_status"], "WAIT_BUYER_CONFIRM_GOODS");

    // Confirming is the buyer's act on Escrowmart, on an ordinary order page.
    let escrow = store::escrows::find_public(&app.db, &id).await.expect("read").expect("escrow");
    let order_id = escrow.order_id.expect("an order").to_string();
    let page = buyer.get(&format!("/orders/{order_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tea House"), "the shop is the seller");
    let confirmed =
        buyer.call("confirm_receipt", &[("id", &order_id), ("received", "yes"), ("form_key", &key())]).await;
    assert!(confirmed.status.is_success(), "{confirmed:?}");

    let done = api(&app, "GET", &format!("/escrows/{id}"), &shop.live, None, None).await;
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["alipay_status"], "TRADE_FINISHED");
    let fee = app
        .state
        .rules
        .fee_rate
        .fee_on(crate::domain::money::Money::parse("199").expect("money"))
        .expect("fee");
    let earned = store::ledger::balance_fen(&app.db, Account::Available(shop.id)).await.expect("balance");
    assert_eq!(earned, 19_900 - fee.fen(), "the merchant gets the amount less the fee");
    let left = store::ledger::balance_fen(&app.db, Account::Available(buyer_id)).await.expect("balance");
    assert_eq!(left, 50_000 - 19_900);

    let events = api(&app, "GET", "/events", &shop.live, None, None).await;
    let kinds: Vec<&str> =
        events.body["data"].as_array().expect("events").iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(kinds, ["escrow.completed", "escrow.shipped", "escrow.paid"], "newest first");
    audit_passes(&app).await;
}

#[tokio::test]
async fn every_error_is_a_problem_document_with_its_own_code() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;
    let id = create(&app, &shop.live, "T-1").await;

    let no_key = app
        .client()
        .send(Request::get("/api/v1/escrows").header(header::ACCEPT, "application/json"), Body::empty())
        .await;
    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);
    let unknown =
        api(&app, "GET", "/escrows", "em_live_0000000000000000000000000000000000000000", None, None).await;
    assert_eq!((unknown.status, problem_code(&unknown)), (StatusCode::UNAUTHORIZED, "invalid_key"));

    let missing = api(&app, "GET", "/escrows/esc_nothing", &shop.live, None, None).await;
    assert_eq!((missing.status, problem_code(&missing)), (StatusCode::NOT_FOUND, "not_found"));
    let nowhere = api(&app, "GET", "/no/such/path", &shop.live, None, None).await;
    assert_eq!((nowhere.status, problem_code(&nowhere)), (StatusCode::NOT_FOUND, "not_found"));

    let twice = post(&app, "/escrows", &shop.live, &tea("T-1")).await;
    assert_eq!((twice.status, problem_code(&twice)), (StatusCode::CONFLICT, "duplicate_out_trade_no"));
    assert_eq!(twice.body["existing_id"].as_str(), Some(id.as_str()), "the 409 names the first escrow");

    let mut bad = tea("T-2");
    bad["amount"] = json!("1.999");
    let invalid = post(&app, "/escrows", &shop.live, &bad).await;
    assert_eq!((invalid.status, problem_code(&invalid)), (StatusCode::UNPROCESSABLE_ENTITY, "validation"));
    assert!(invalid.body["errors"]["amount"].is_string(), "names the field: {invalid:?}");
    let mut too_long = tea(&"x".repeat(65));
    too_long["metadata"] =
        (0..21).map(|n| (format!("k{n}"), json!("v"))).collect::<serde_json::Map<_, _>>().into();
    let invalid = post(&app, "/escrows", &shop.live, &too_long).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid.body["errors"]["out_trade_no"].is_string() && invalid.body["errors"]["metadata"].is_string(),
        "{invalid:?}"
    );
    let not_json = api(&app, "POST", "/escrows", &shop.live, Some(&key()), Some(&json!("text"))).await;
    assert_eq!((not_json.status, problem_code(&not_json)), (StatusCode::BAD_REQUEST, "malformed"));

    let ship = json!({"carrier": "SF Express", "tracking_no": "SF1"});
    let early = post(&app, &format!("/escrows/{id}/ship"), &shop.live, &ship).await;
    assert_eq!((early.status, problem_code(&early)), (StatusCode::CONFLICT, "illegal_state"));
    let cancelled = post(&app, &format!("/escrows/{id}/cancel"), &shop.live, &json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");
    assert_eq!(
        (cancelled.body["status"].as_str(), cancelled.body["alipay_status"].as_str()),
        (Some("cancelled"), Some("TRADE_CLOSED"))
    );
    let again = post(&app, &format!("/escrows/{id}/cancel"), &shop.live, &json!({})).await;
    assert_eq!((again.status, problem_code(&again)), (StatusCode::CONFLICT, "illegal_state"));
    assert_eq!(app.count("orders").await, 0);
    assert_eq!(app.count("transfers").await, 0, "nothing moved");
}

#[tokio::test]
async fn a_merchant_never_reads_or_acts_on_another_merchants_escrow_nor_a_test_key_on_live_ones() {
    let app = TestApp::new().await;
    let tea_house = shop(&app, "tea@example.com").await;
    let rival = shop(&app, "rival@example.com").await;
    let id = create(&app, &tea_house.live, "T-1").await;
    pay_at_checkout(&app, &id).await;

    for key in [&rival.live, &rival.test, &tea_house.test] {
        let read = api(&app, "GET", &format!("/escrows/{id}"), key, None, None).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{read:?}");
        let listed = api(&app, "GET", "/escrows", key, None, None).await;
        assert_eq!(listed.body["data"], json!([]), "{listed:?}");
        let ship = json!({"carrier": "SF Express", "tracking_no": "SF1"});
        for (path, body) in [("ship", ship), ("cancel", json!({})), ("refunds", json!({"amount": "1.00"}))] {
            let acted = post(&app, &format!("/escrows/{id}/{path}"), key, &body).await;
            assert_eq!(acted.status, StatusCode::NOT_FOUND, "{path}: {acted:?}");
        }
        let events = api(&app, "GET", "/events", key, None, None).await;
        assert_eq!(events.body["data"], json!([]), "{events:?}");
    }
    let mine = api(&app, "GET", &format!("/escrows/{id}"), &tea_house.live, None, None).await;
    assert_eq!(mine.body["status"], "paid", "untouched");

    let test_escrow = create(&app, &tea_house.test, "T-1").await;
    let read = api(&app, "GET", &format!("/escrows/{test_escrow}"), &tea_house.test, None, None).await;
    assert_eq!(read.body["livemode"], false, "a test key's escrows are marked test, numbered apart");
    let live_list = api(&app, "GET", "/escrows", &tea_house.live, None, None).await;
    assert_eq!(live_list.body["data"].as_array().map(Vec::len), Some(1));
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_key_revoked_mid_session_stops_at_once_and_cookies_never_authenticate() {
    let app = TestApp::new().await;
    let mut shop = shop(&app, "tea@example.com").await;
    let listed = api(&app, "GET", "/escrows", &shop.live, None, None).await;
    assert_eq!(listed.status, StatusCode::OK);

    // The merchant's signed-in browser, without a key, is nobody to the API.
    let by_cookie = shop
        .client
        .send(Request::get("/api/v1/escrows").header("sec-fetch-site", "same-origin"), Body::empty())
        .await;
    assert_eq!(by_cookie.status, StatusCode::UNAUTHORIZED);

    // A bearer call from anywhere is not a cross-site form post.
    let cross_site = Request::post("/api/v1/escrows")
        .header(header::AUTHORIZATION, format!("Bearer {}", shop.live))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key())
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, "https://tea.example");
    let created = app.client().send(cross_site, Body::from(tea("T-9").to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");

    let page = shop.client.call("merchant_settings", &[]).await;
    let view: Value = serde_json::from_str(&page.body).expect("json");
    let keys = view["keys"].as_array().expect("keys");
    let live = keys.iter().find(|k| k["mode"] == "live").expect("the live key");
    assert!(live["last_used"].is_string(), "last use is shown: {live}");
    assert!(live["shown_as"].as_str().is_some_and(|s| s.ends_with(&shop.live[shop.live.len() - 4..])));
    let key_id = live["id"].as_i64().expect("id").to_string();
    let revoked = shop.client.call("revoke_api_key", &[("id", &key_id)]).await;
    assert!(revoked.status.is_success(), "{revoked:?}");

    let after = api(&app, "GET", "/escrows", &shop.live, None, None).await;
    assert_eq!((after.status, problem_code(&after)), (StatusCode::UNAUTHORIZED, "invalid_key"));
    let test_key_still = api(&app, "GET", "/escrows", &shop.test, None, None).await;
    assert_eq!(test_key_still.status, StatusCode::OK);

    // Only the member who owns a key can revoke it.
    let mut other = app.member("other@example.com", "Other").await;
    let test_id =
        keys.iter().find(|k| k["mode"] == "test").and_then(|k| k["id"].as_i64()).expect("id").to_string();
    other.call("revoke_api_key", &[("id", &test_id)]).await;
    let still = api(&app, "GET", "/escrows", &shop.test, None, None).await;
    assert_eq!(still.status, StatusCode::OK, "another member's revoke changed nothing");
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_a_different_body_and_need_to_be_sent() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;

    let without = api(&app, "POST", "/escrows", &shop.live, None, Some(&tea("T-1"))).await;
    assert_eq!(
        (without.status, problem_code(&without)),
        (StatusCode::BAD_REQUEST, "idempotency_key_missing")
    );

    let once = key();
    let first = api(&app, "POST", "/escrows", &shop.live, Some(&once), Some(&tea("T-1"))).await;
    let replay = api(&app, "POST", "/escrows", &shop.live, Some(&once), Some(&tea("T-1"))).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!((replay.status, &replay.body), (first.status, &first.body), "the stored answer, again");
    assert_eq!(replay.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert!(first.headers.get("idempotent-replayed").is_none());

    let other_body = api(&app, "POST", "/escrows", &shop.live, Some(&once), Some(&tea("T-2"))).await;
    assert_eq!(
        (other_body.status, problem_code(&other_body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
    );

    // The same key on another path is another request.
    let id = first.body["id"].as_str().expect("id");
    let cancelled =
        api(&app, "POST", &format!("/escrows/{id}/cancel"), &shop.live, Some(&once), Some(&json!({}))).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{cancelled:?}");

    // A refusal is stored too: the repeat gets the same refusal.
    let late = key();
    let ship = json!({"carrier": "SF", "tracking_no": "1"});
    let refused =
        api(&app, "POST", &format!("/escrows/{id}/ship"), &shop.live, Some(&late), Some(&ship)).await;
    let repeated =
        api(&app, "POST", &format!("/escrows/{id}/ship"), &shop.live, Some(&late), Some(&ship)).await;
    assert_eq!((refused.status, &refused.body), (repeated.status, &repeated.body));

    // While the first request with a key runs, a repeat is told so.
    let caller = store::merchants::authenticate(&app.db, &shop.live, app.clock.now_ms())
        .await
        .expect("auth")
        .expect("caller");
    let running = key();
    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", running.parse().expect("header"));
    let body = Bytes::from(tea("T-3").to_string());
    let claimed =
        crate::server::merchant::caller::claim(&app.state, &caller, "POST", "/escrows", &headers, &body)
            .await;
    assert!(matches!(claimed, Ok(crate::server::merchant::caller::Claimed::Fresh(_))));
    let in_flight = api(&app, "POST", "/escrows", &shop.live, Some(&running), Some(&tea("T-3"))).await;
    assert_eq!((in_flight.status, problem_code(&in_flight)), (StatusCode::CONFLICT, "idempotency_in_flight"));
    assert_ne!(in_flight.body["type"], json!("/api/docs#illegal_state"), "distinct from an illegal step");
    assert_eq!(app.count("escrows").await, 1, "only T-1 exists");
}

#[tokio::test]
async fn twenty_identical_creates_at_once_make_one_escrow() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;
    let once = key();
    let app = Arc::new(app);
    let calls = (0..20).map(|_| {
        let (app, bearer, once) = (app.clone(), shop.live.clone(), once.clone());
        async move { api(&app, "POST", "/escrows", &bearer, Some(&once), Some(&tea("T-1"))).await }
    });
    let mut running = tokio::task::JoinSet::new();
    for call in calls {
        running.spawn(call);
    }
    let answers = running.join_all().await;
    let created: Vec<&Answer> = answers.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert!(!created.is_empty());
    for answer in &answers {
        assert!(
            answer.status == StatusCode::CREATED
                || (answer.status == StatusCode::CONFLICT && answer.body["code"] == "idempotency_in_flight"),
            "{answer:?}"
        );
    }
    assert!(created.iter().all(|a| a.body == created[0].body), "every success names the same escrow");
    assert_eq!(app.count("escrows").await, 1);
}

#[tokio::test]
async fn a_merchant_refunds_part_then_the_rest_and_the_audit_passes() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;
    let id = create(&app, &shop.live, "T-1").await;
    let (_, buyer_id) = pay_at_checkout(&app, &id).await;

    let too_much =
        post(&app, &format!("/escrows/{id}/refunds"), &shop.live, &json!({"amount": "199.01"})).await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "{too_much:?}");
    let part = post(&app, &format!("/escrows/{id}/refunds"), &shop.live, &json!({"amount": "20.00"})).await;
    assert_eq!(part.status, StatusCode::CREATED, "{part:?}");
    assert_eq!(part.body["status"], "paid", "the rest stays held");
    let db = &app.db;
    let wallet =
        async |member| store::ledger::balance_fen(db, Account::Available(member)).await.expect("balance");
    assert_eq!(wallet(buyer_id).await, 50_000 - 19_900 + 2_000);
    audit_passes(&app).await;

    let rest = post(&app, &format!("/escrows/{id}/refunds"), &shop.live, &json!({"amount": "179.00"})).await;
    assert_eq!(rest.status, StatusCode::CREATED, "{rest:?}");
    assert_eq!(
        (rest.body["status"].as_str(), rest.body["alipay_status"].as_str()),
        (Some("refunded"), Some("TRADE_CLOSED"))
    );
    assert_eq!(wallet(buyer_id).await, 50_000);
    assert_eq!(wallet(shop.id).await, 0, "no fee on a refund");
    let after = post(&app, &format!("/escrows/{id}/refunds"), &shop.live, &json!({"amount": "1.00"})).await;
    assert_eq!(after.status, StatusCode::CONFLICT);
    audit_passes(&app).await;
}

#[tokio::test]
async fn the_openapi_document_and_its_page_are_served() {
    let app = TestApp::new().await;
    let document = app.client().send(Request::get("/api/v1/openapi.json"), Body::empty()).await;
    assert_eq!(document.status, StatusCode::OK);
    let spec: Value = serde_json::from_str(&document.body).expect("json");
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", spec["openapi"]);
    for path in [
        "/escrows",
        "/escrows/{id}",
        "/escrows/{id}/ship",
        "/escrows/{id}/cancel",
        "/escrows/{id}/refunds",
        "/events",
        "/events/{id}/deliveries",
        "/events/{id}/redeliver",
        "/webhook_endpoints",
        "/webhook_endpoints/{id}",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is documented");
    }
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let page = app.client().get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("WAIT_BUYER_PAY"), "the docs map statuses to Alipay's");
}

/// A shop's webhook receiver on loopback: records what it is sent and
/// answers with the statuses it is given, then 200.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    answers: Arc<Mutex<Vec<StatusCode>>>,
    delay: Arc<Mutex<Duration>>,
}

impl Receiver {
    async fn start(&self) -> String {
        let receiver = self.clone();
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let receiver = receiver.clone();
                async move {
                    let delay = *receiver.delay.lock().expect("lock");
                    tokio::time::sleep(delay).await;
                    receiver.received.lock().expect("lock").push((headers, body));
                    let mut answers = receiver.answers.lock().expect("lock");
                    if answers.is_empty() { StatusCode::OK } else { answers.remove(0) }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        url
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.received.lock().expect("lock").clone()
    }
}

async fn endpoint(app: &TestApp, shop: &Shop, url: &str) -> String {
    let added = post(app, "/webhook_endpoints", &shop.live, &json!({"url": url})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    added.body["secret"].as_str().expect("the secret shows once").to_owned()
}

async fn deliver(app: &TestApp) -> usize {
    let client = delivery::client(app.state.settings.webhook_allow_private);
    delivery::deliver_due(&app.state, &client).await.expect("delivery runs")
}

/// The app's clock at the real time, so the Standard Webhooks library's
/// freshness check accepts the timestamps.
fn clock_to_now(app: &TestApp) {
    let now = i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_millis(),
    )
    .expect("ms");
    app.clock.advance(now - app.clock.now_ms());
}

#[tokio::test]
async fn webhooks_are_signed_retried_on_failure_and_redelivered_with_the_same_id() {
    let app =
        TestApp::with(TestConfig { webhook_retry_ms: vec![5_000, 300_000], ..TestConfig::default() }).await;
    clock_to_now(&app);
    let shop = shop(&app, "tea@example.com").await;
    let receiver = Receiver::default();
    let secret = endpoint(&app, &shop, &receiver.start().await).await;
    let id = create(&app, &shop.live, "T-1").await;
    assert_eq!(deliver(&app).await, 0, "creating is not an event");

    receiver
        .answers
        .lock()
        .expect("lock")
        .extend([StatusCode::INTERNAL_SERVER_ERROR, StatusCode::SERVICE_UNAVAILABLE]);
    pay_at_checkout(&app, &id).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(deliver(&app).await, 0, "the retry waits for its time");
    app.clock.advance(5_000);
    assert_eq!(deliver(&app).await, 1, "first retry after 5 s");
    app.clock.advance(299_999);
    assert_eq!(deliver(&app).await, 0);
    app.clock.advance(1);
    assert_eq!(deliver(&app).await, 1, "second retry after 5 min");

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    let verifier = standardwebhooks::Webhook::new(&secret).expect("a whsec_ secret");
    verifier.verify(&received[0].1, &received[0].0).expect("the library verifies our signature");
    // The retries carry the app clock's later timestamps, which the library
    // would call "from the future": their signatures are compared with the
    // library's own instead.
    let header = |headers: &HeaderMap, name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    for (headers, body) in &received {
        let (id, timestamp) = (header(headers, "webhook-id"), header(headers, "webhook-timestamp"));
        let expected = verifier.sign(&id, timestamp.parse().expect("seconds"), body).expect("signs");
        assert_eq!(header(headers, "webhook-signature"), expected);
        assert_eq!(id, header(&received[0].0, "webhook-id"), "stable across retries");
    }
    let mut forged = received[0].0.clone();
    forged.insert("webhook-signature", "v1,AAAA".parse().expect("header"));
    assert!(verifier.verify(&received[0].1, &forged).is_err());
    let payload: Value = serde_json::from_slice(&received[0].1).expect("json");
    assert_eq!(
        (payload["type"].as_str(), payload["data"]["id"].as_str()),
        (Some("escrow.paid"), Some(id.as_str()))
    );
    assert_eq!(payload["data"]["status"], "paid", "a snapshot of the escrow");

    let events = api(&app, "GET", "/events", &shop.live, None, None).await;
    let event_id = events.body["data"][0]["id"].as_str().expect("event").to_owned();
    let log = api(&app, "GET", &format!("/events/{event_id}/deliveries"), &shop.live, None, None).await;
    assert_eq!(log.body[0]["status"], "delivered", "{log:?}");
    assert_eq!(log.body[0]["attempts"], 3);
    assert_eq!(log.body[0]["last_status"], 200);

    let again = post(&app, &format!("/events/{event_id}/redeliver"), &shop.live, &json!({})).await;
    assert_eq!((again.status, &again.body["queued"]), (StatusCode::ACCEPTED, &json!(1)), "{again:?}");
    assert_eq!(deliver(&app).await, 1);
    let received = receiver.received();
    assert_eq!(received.len(), 4);
    assert_eq!(received[3].0.get("webhook-id"), received[0].0.get("webhook-id"));
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_delivery_gives_up_after_the_schedule_times_out_slow_receivers_and_410_disables_the_endpoint() {
    let config = TestConfig {
        webhook_retry_ms: vec![1_000],
        webhook_timeout: Duration::from_millis(200),
        ..TestConfig::default()
    };
    let app = TestApp::with(config).await;
    let shop = shop(&app, "tea@example.com").await;
    let slow = Receiver::default();
    *slow.delay.lock().expect("lock") = Duration::from_secs(2);
    endpoint(&app, &shop, &slow.start().await).await;
    let id = create(&app, &shop.live, "T-1").await;
    pay_at_checkout(&app, &id).await;
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(1_000);
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(10_000_000);
    assert_eq!(deliver(&app).await, 0, "given up after the schedule");
    let events = api(&app, "GET", "/events", &shop.live, None, None).await;
    let event_id = events.body["data"][0]["id"].as_str().expect("event").to_owned();
    let log = api(&app, "GET", &format!("/events/{event_id}/deliveries"), &shop.live, None, None).await;
    assert_eq!(
        (log.body[0]["status"].as_str(), log.body[0]["attempts"].as_i64()),
        (Some("failed"), Some(2)),
        "{log:?}"
    );
    assert_eq!(log.body[0]["last_error"], "timed out");

    let gone = Receiver::default();
    gone.answers.lock().expect("lock").push(StatusCode::GONE);
    let gone_url = gone.start().await;
    endpoint(&app, &shop, &gone_url).await;
    let ship = json!({"carrier": "SF Express", "tracking_no": "SF1"});
    assert_eq!(post(&app, &format!("/escrows/{id}/ship"), &shop.live, &ship).await.status, StatusCode::OK);
    deliver(&app).await;
    let endpoints = api(&app, "GET", "/webhook_endpoints", &shop.live, None, None).await;
    let disabled = endpoints
        .body
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["url"] == gone_url.as_str())
        .cloned()
        .expect("endpoint");
    assert_eq!(disabled["enabled"], false, "{disabled}");
    let refund = json!({"amount": "199.00"});
    assert_eq!(
        post(&app, &format!("/escrows/{id}/refunds"), &shop.live, &refund).await.status,
        StatusCode::CREATED
    );
    app.clock.advance(10_000);
    deliver(&app).await;
    assert_eq!(gone.received().len(), 1, "a disabled endpoint is not called again");
    audit_passes(&app).await;
}

#[tokio::test]
async fn two_workers_deliver_each_attempt_once() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;
    let receiver = Receiver::default();
    *receiver.delay.lock().expect("lock") = Duration::from_millis(30);
    endpoint(&app, &shop, &receiver.start().await).await;
    let (mut buyer, buyer_id) = buyer(&app, "jie@example.com").await;
    fund(&app, buyer_id, "5000").await;
    for n in 0..8 {
        let id = create(&app, &shop.live, &format!("T-{n}")).await;
        let paid = buyer.call("pay_checkout", &[("id", &id), ("with", "wallet"), ("form_key", &key())]).await;
        assert!(paid.status.is_success(), "{paid:?}");
    }
    let (a, b) = tokio::join!(deliver(&app), deliver(&app));
    assert_eq!(a + b, 8, "each delivery attempted once between them ({a} + {b})");
    let ids: std::collections::BTreeSet<String> = receiver
        .received()
        .iter()
        .filter_map(|(h, _)| h.get("webhook-id").and_then(|v| v.to_str().ok()).map(str::to_owned))
        .collect();
    assert_eq!((receiver.received().len(), ids.len()), (8, 8));
    audit_passes(&app).await;
}

#[tokio::test]
async fn calls_beyond_the_keys_rate_are_refused_with_429_and_retry_after() {
    let limits =
        crate::server::limits::LimitSettings { api_calls_per_minute: 3, ..super::support::GENEROUS_LIMITS };
    let app = TestApp::with(TestConfig { limits, ..TestConfig::default() }).await;
    let shop = shop(&app, "tea@example.com").await;
    for _ in 0..3 {
        assert_eq!(api(&app, "GET", "/escrows", &shop.live, None, None).await.status, StatusCode::OK);
    }
    let limited = api(&app, "GET", "/escrows", &shop.live, None, None).await;
    assert_eq!((limited.status, problem_code(&limited)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let wait: u64 = limited
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    // The other key has its own allowance.
    assert_eq!(api(&app, "GET", "/escrows", &shop.test, None, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn escrows_page_by_the_id_of_the_last_one_seen_and_filter_by_status() {
    let app = TestApp::new().await;
    let shop = shop(&app, "tea@example.com").await;
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(create(&app, &shop.live, &format!("T-{n}")).await);
    }
    post(&app, &format!("/escrows/{}/cancel", made[0]), &shop.live, &json!({})).await;

    let first = api(&app, "GET", "/escrows?limit=2", &shop.live, None, None).await;
    let ids = |answer: &Answer| -> Vec<String> {
        answer.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(&first), [made[4].clone(), made[3].clone()], "newest first");
    let cursor = first.body["next_cursor"].as_str().expect("more to come").to_owned();
    assert_eq!(cursor, made[3]);
    let second = api(&app, "GET", &format!("/escrows?limit=2&cursor={cursor}"), &shop.live, None, None).await;
    assert_eq!(ids(&second), [made[2].clone(), made[1].clone()]);
    let last =
        api(&app, "GET", &format!("/escrows?limit=2&cursor={}", made[1]), &shop.live, None, None).await;
    assert_eq!((ids(&last), &last.body["next_cursor"]), (vec![made[0].clone()], &Value::Null));

    let cancelled = api(&app, "GET", "/escrows?status=cancelled", &shop.live, None, None).await;
    assert_eq!(ids(&cancelled), [made[0].clone()]);
    let unknown = api(&app, "GET", "/escrows?cursor=esc_unknown", &shop.live, None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = api(&app, "GET", "/escrows?status=lost", &shop.live, None, None).await;
    assert_eq!((bad.status, problem_code(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, "validation"));
    let too_many = api(&app, "GET", "/escrows?limit=101", &shop.live, None, None).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    let removed =
        api(&app, "DELETE", "/webhook_endpoints/99999999999999999999", &shop.live, None, None).await;
    assert_eq!((removed.status, problem_code(&removed)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_refund_request_and_a_dispute_on_an_escrow_order_reach_the_merchant_as_events() {
    let app = TestApp::new().await;
    let mut shop = shop(&app, "tea@example.com").await;
    let id = create(&app, &shop.live, "T-1").await;
    let (mut buyer, _) = pay_at_checkout(&app, &id).await;
    let ship = json!({"carrier": "SF Express", "tracking_no": "SF1"});
    assert_eq!(post(&app, &format!("/escrows/{id}/ship"), &shop.live, &ship).await.status, StatusCode::OK);
    let escrow = store::escrows::find_public(&app.db, &id).await.expect("read").expect("escrow");
    let order = escrow.order_id.expect("order").to_string();

    // The buyer asks for money back on Escrowmart; the shop refuses on its
    // order page; the buyer takes it to an arbiter.
    let fields = [("kind", "refund_only"), ("amount", "50"), ("reason", "The tea was stale")];
    super::disputes::ok(&buyer.post_multipart(&format!("/orders/{order}/refund"), &fields, &[]).await);
    let asked = api(&app, "GET", &format!("/escrows/{id}"), &shop.live, None, None).await;
    assert_eq!(
        (asked.body["status"].as_str(), asked.body["alipay_status"].as_str()),
        (Some("refund_requested"), Some("WAIT_BUYER_CONFIRM_GOODS"))
    );
    let refused = [("id", order.as_str()), ("answer", "refuse"), ("reason", "It was fresh when sent")];
    super::disputes::ok(&shop.client.call("answer_refund", &refused).await);
    super::disputes::ok(&buyer.call("escalate", &[("id", &order)]).await);
    let disputed = api(&app, "GET", &format!("/escrows/{id}"), &shop.live, None, None).await;
    assert_eq!(disputed.body["status"], "in_arbitration");

    let events = api(&app, "GET", "/events", &shop.live, None, None).await;
    let kinds: Vec<&str> =
        events.body["data"].as_array().expect("events").iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        ["escrow.disputed", "escrow.refund_requested", "escrow.shipped", "escrow.paid"],
        "newest first"
    );
    audit_passes(&app).await;
}

#[tokio::test]
async fn webhooks_to_loopback_are_not_sent_unless_allowed() {
    let app = TestApp::with(TestConfig { webhook_allow_private: false, ..TestConfig::default() }).await;
    let shop = shop(&app, "tea@example.com").await;
    let by_ip = Receiver::default();
    endpoint(&app, &shop, &by_ip.start().await).await;
    let by_name = Receiver::default();
    let url = by_name.start().await.replace("127.0.0.1", "localhost");
    endpoint(&app, &shop, &url).await;
    let id = create(&app, &shop.live, "T-1").await;
    pay_at_checkout(&app, &id).await;

    assert_eq!(deliver(&app).await, 2, "both attempted");
    assert_eq!((by_ip.received().len(), by_name.received().len()), (0, 0), "neither reached");
    let events = api(&app, "GET", "/events", &shop.live, None, None).await;
    let event_id = events.body["data"][0]["id"].as_str().expect("event").to_owned();
    let log = api(&app, "GET", &format!("/events/{event_id}/deliveries"), &shop.live, None, None).await;
    let errors: Vec<&str> =
        log.body.as_array().expect("log").iter().filter_map(|d| d["last_error"].as_str()).collect();
    assert_eq!(errors.len(), 2, "{log:?}");
    assert!(errors.iter().any(|e| e.contains("not public")), "{errors:?}");
    audit_passes(&app).await;
}
