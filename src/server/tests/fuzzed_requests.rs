//! Random requests to every endpoint that takes a body — server functions
//! (as the app and as a no-JS form), the merchant API, the bank's signed
//! callback, the photo forms — from a signed-in member: whatever arrives
//! gets a clear answer, never a 500 (a panic is caught and answered 500,
//! so a panic fails this too), and the ledger audit still passes.

use axum::body::Body;
use axum::http::{Request, header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::escrow::{audit_passes, fund, member_id, order};
use super::support::{BANK_SECRET, Client, TestApp};
use crate::server::bank::sign;
use crate::server::clock::Clock;

/// Server functions that take a form, with fields a real form sends.
const FUNCTIONS: &[(&str, &[&str])] = &[
    ("sign_up", &["email", "display_name", "password", "next"]),
    ("sign_in", &["email", "password", "next"]),
    ("create_listing", &["title", "description", "category", "condition", "price", "stock"]),
    ("update_listing", &["id", "title", "description", "category", "condition", "price", "stock"]),
    ("place_order", &["listing_id", "quantity", "shipping_address", "form_key"]),
    ("pay_order", &["id", "form_key"]),
    ("ship_order", &["id", "carrier", "tracking"]),
    ("confirm_receipt", &["id", "received", "form_key"]),
    ("top_up", &["amount", "form_key"]),
    ("withdraw", &["amount", "form_key"]),
    ("rate_order", &["id", "score", "comment"]),
    ("search_listings", &["q", "category", "min", "max", "in_stock", "sort", "page"]),
    ("forgot_password", &["email"]),
    ("reset_password", &["token", "password"]),
    ("confirm_email", &["token"]),
    ("create_api_key", &["name", "mode"]),
    ("add_webhook_endpoint", &["url"]),
    ("answer_refund", &["id", "accept", "reason", "return_address"]),
    ("escalate", &["id"]),
    ("send_return", &["id", "carrier", "tracking"]),
    ("cancel_order", &["id"]),
    ("get_order", &["id"]),
    ("decide_case", &["id", "decision", "reason"]),
    ("pay_checkout", &["id", "form_key"]),
    ("get_seller_profile", &["id", "page"]),
];

fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.+\\-¥ eE]{0,12}",
        "[a-z0-9@._ \\-]{0,30}",
        "[\\u{4e00}-\\u{9fff}]{0,8}",
        Just("9223372036854775807".to_owned()),
        Just("-1".to_owned()),
        Just("1".to_owned()),
    ]
}

/// A form for one of the functions: its own fields (some dropped, some
/// doubled) and stray ones, with any values.
fn form() -> impl Strategy<Value = (usize, Vec<(String, String)>)> {
    (0..FUNCTIONS.len()).prop_flat_map(|n| {
        let fields = FUNCTIONS[n].1.len();
        let own = proptest::collection::vec((0..fields + 2, typed()), 0..fields + 3);
        (Just(n), own).prop_map(move |(n, own)| {
            let names = FUNCTIONS[n].1;
            let pairs = own
                .into_iter()
                .map(|(i, value)| (names.get(i).map_or("stray[]", |name| *name).to_owned(), value))
                .collect();
            (n, pairs)
        })
    })
}

/// JSON of any shape, and JSON shaped like what the endpoint reads.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        typed().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("out_trade_no".to_owned()),
                    Just("amount".to_owned()),
                    Just("subject".to_owned()),
                    Just("items".to_owned()),
                    Just("reference".to_owned()),
                    Just("status".to_owned()),
                    Just("metadata".to_owned()),
                    typed(),
                ],
                inner,
                0..6
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Fuzzed {
    /// A server function called by the app (JSON answer) or posted as a
    /// form without JavaScript (redirect answer).
    Function {
        function: usize,
        fields: Vec<(String, String)>,
        as_form: bool,
    },
    /// Bytes of no particular shape to a server function.
    Bytes {
        function: usize,
        bytes: Vec<u8>,
        content_type: String,
    },
    Api {
        path: &'static str,
        body: serde_json::Value,
    },
    Callback {
        body: serde_json::Value,
    },
    Photos {
        path_of_order: bool,
        fields: Vec<(String, String)>,
        file: Vec<u8>,
    },
}

fn fuzzed() -> impl Strategy<Value = Fuzzed> {
    prop_oneof![
        4 => (form(), any::<bool>()).prop_map(|((function, fields), as_form)| Fuzzed::Function { function, fields, as_form }),
        1 => (0..FUNCTIONS.len(), proptest::collection::vec(any::<u8>(), 0..300), prop_oneof![
            Just("application/x-www-form-urlencoded".to_owned()),
            Just("application/json".to_owned()),
            Just("multipart/form-data; boundary=x".to_owned()),
            typed(),
        ]).prop_map(|(function, bytes, content_type)| Fuzzed::Bytes { function, bytes, content_type }),
        2 => (prop_oneof![Just("/api/v1/escrows"), Just("/api/v1/escrows/esc_x/cancel")], json())
            .prop_map(|(path, body)| Fuzzed::Api { path, body }),
        2 => json().prop_map(|body| Fuzzed::Callback { body }),
        1 => (any::<bool>(), proptest::collection::vec(("[a-z_]{1,10}", typed()), 0..3), proptest::collection::vec(any::<u8>(), 0..200))
            .prop_map(|(path_of_order, fields, file)| Fuzzed::Photos { path_of_order, fields, file }),
    ]
}

struct Target {
    app: TestApp,
    member: Client,
    api_key: String,
    listing_id: i64,
    order_id: i64,
}

async fn send(target: &mut Target, fuzzed: Fuzzed) -> (String, u16) {
    let same_origin = |request: axum::http::request::Builder| request.header("sec-fetch-site", "same-origin");
    match fuzzed {
        Fuzzed::Function { function, fields, as_form } => {
            let name = FUNCTIONS[function].0;
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let response = if as_form {
                target.member.submit(name, &fields, "/").await
            } else {
                target.member.call(name, &fields).await
            };
            (format!("{name} {fields:?}"), response.status.as_u16())
        }
        Fuzzed::Bytes { function, bytes, content_type } => {
            let name = FUNCTIONS[function].0;
            let request = same_origin(Request::post(format!("/api/{name}")))
                .header(header::CONTENT_TYPE, content_type.as_str());
            let response = target.member.send(request, Body::from(bytes.clone())).await;
            (format!("{name} bytes {bytes:?} as {content_type:?}"), response.status.as_u16())
        }
        Fuzzed::Api { path, body } => {
            let request = Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {}", target.api_key))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", uuid::Uuid::new_v4().to_string());
            let response = target.app.client().send(request, Body::from(body.to_string())).await;
            (format!("{path} {body}"), response.status.as_u16())
        }
        Fuzzed::Callback { body } => {
            let text = body.to_string();
            let timestamp = target.app.clock.now_ms().to_string();
            let request = Request::post("/bank/callback")
                .header(header::CONTENT_TYPE, "application/json")
                .header(crate::server::bank::TIMESTAMP_HEADER, timestamp.as_str())
                .header(
                    crate::server::bank::SIGNATURE_HEADER,
                    sign(BANK_SECRET, &timestamp, text.as_bytes()),
                );
            let response = target.app.client().send(request, Body::from(text.clone())).await;
            (format!("callback {text}"), response.status.as_u16())
        }
        Fuzzed::Photos { path_of_order, fields, file } => {
            let path = if path_of_order {
                format!("/orders/{}/messages", target.order_id)
            } else {
                format!("/item/{}/photos", target.listing_id)
            };
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let response = target.member.post_multipart(&path, &fields, &[("photos", "x.png", &file)]).await;
            (format!("{path} {fields:?} {} bytes", file.len()), response.status.as_u16())
        }
    }
}

#[test]
fn random_requests_to_every_endpoint_are_answered_and_never_with_a_500() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let target = runtime.block_on(async {
        let app = TestApp::new().await;
        let shop = super::merchant_api::shop(&app, "shop@example.com").await;
        let mut member = app.member("fuzz@example.com", "Fuzz").await;
        let id = member_id(&mut member).await;
        fund(&app, id, "1000").await;
        let listing_id = super::listings::list(&mut member, super::listings::KINDLE).await;
        let mut buyer = app.member("buyer@example.com", "Buyer").await;
        let buyer_id = member_id(&mut buyer).await;
        fund(&app, buyer_id, "1000").await;
        let order_id = order(&mut buyer, listing_id, "1").await;
        Target { app, member, api_key: shop.test, listing_id, order_id }
    });
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    // The runner takes a `Fn`; each case has the target to itself.
    let target = std::cell::RefCell::new(target);
    let result = runner.run(&fuzzed(), |fuzzed| {
        let (what, status) = runtime.block_on(send(&mut target.borrow_mut(), fuzzed));
        prop_assert!(status < 500, "{} answered {}", what, status);
        prop_assert!(status != 0);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    runtime.block_on(audit_passes(&target.borrow().app));
}
