//! Every string a member typed is hostile wherever it is rendered. This fills
//! every such field with markup that would run script if it reached the page
//! unescaped, renders every page that shows it on the server (head included)
//! and asserts that none of it arrived as markup.

use super::escrow::{audit_passes, fund, key, member_id, order_to};
use super::support::{TestApp, TestResponse};
use crate::server::media::tests::png;
use crate::server::store;

/// Markup that runs script if a page lets it through unescaped: breaking out
/// of the title, of an attribute, of a script, of a text field, a
/// `javascript:` link, and a template expression for any client-side
/// templating.
const TITLE_BREAK: &str = "</title><script>alert('title')</script>";
const ATTRIBUTE_BREAK: &str = "\"><img src=x onerror=alert('attr')>";
const SCRIPT_BREAK: &str = "</script><script>alert('script')</script>";
const LINK: &str = "javascript:alert('link')";
const TEMPLATE: &str = "{{constructor.constructor('alert(1)')()}}";
const TEXTAREA_BREAK: &str = "</textarea><script>alert('textarea')</script>";

/// What must never appear in a rendered document, whatever was typed.
const FORBIDDEN: &[&str] = &[
    "<script>alert(",
    "<img src=x",
    "</title><script",
    "</script><script>alert",
    "href=\"javascript:",
    "src=\"javascript:",
    "action=\"javascript:",
];

fn hostile_long() -> String {
    [TITLE_BREAK, ATTRIBUTE_BREAK, SCRIPT_BREAK, TEXTAREA_BREAK, LINK, TEMPLATE].join(" ")
}

fn assert_inert(page: &str, response: &TestResponse) {
    assert!(response.status.as_u16() < 500, "{page} answered {}", response.status);
    for forbidden in FORBIDDEN {
        if let Some(at) = response.body.find(forbidden) {
            let start = response.body[..at].char_indices().rev().nth(120).map_or(0, |(i, _)| i);
            let end = response.body.len().min(at + 120);
            panic!(
                "{page} contains `{forbidden}` unescaped: …{}…",
                &response.body[start..response.body.floor_char_boundary(end)]
            );
        }
    }
}

fn ok(response: TestResponse) {
    super::disputes::ok(&response);
}

#[tokio::test]
async fn hostile_text_in_every_field_is_rendered_inert_on_every_page() {
    let app = TestApp::new().await;
    let long = hostile_long();

    // A seller and a buyer whose names break out of the title and of attributes.
    let mut seller = app.member("seller@example.com", TITLE_BREAK).await;
    let seller_id = member_id(&mut seller).await;
    let mut buyer = app.member("buyer@example.com", ATTRIBUTE_BREAK).await;
    let buyer_id = member_id(&mut buyer).await;
    let title = format!("{TITLE_BREAK}{ATTRIBUTE_BREAK} {TEMPLATE}");
    let listing_id = super::listings::list(
        &mut seller,
        &[
            ("title", &title),
            ("description", &long),
            ("category", "digital"),
            ("condition", "used"),
            ("price", "100"),
            ("stock", "5"),
        ],
    )
    .await;
    let listing = listing_id.to_string();
    fund(&app, buyer_id, "1000").await;

    // Order one: shipped with a hostile carrier, disputed with hostile
    // reasons and messages, escalated to an arbiter.
    let disputed = order_to(&mut buyer, listing_id, "1", &long).await.to_string();
    ok(buyer.call("pay_order", &[("id", &disputed), ("form_key", &key())]).await);
    ok(seller.call("ship_order", &[("id", &disputed), ("carrier", SCRIPT_BREAK), ("tracking", LINK)]).await);
    let photo = png(20, 20);
    let refund = format!("/orders/{disputed}/refund");
    let fields = [("kind", "refund_only"), ("amount", "50"), ("reason", long.as_str())];
    ok(buyer.post_multipart(&refund, &fields, &[("photos", "a.png", &photo)]).await);
    ok(seller.call("answer_refund", &[("id", &disputed), ("answer", "refuse"), ("reason", &long)]).await);
    ok(buyer.call("escalate", &[("id", &disputed)]).await);
    for member in [&mut buyer, &mut seller] {
        let path = format!("/orders/{disputed}/messages");
        ok(member.post_multipart(&path, &[("body", &long)], &[]).await);
    }

    // Order two: completed and rated with a hostile comment.
    let rated = order_to(&mut buyer, listing_id, "1", "1 Lake Road").await.to_string();
    ok(buyer.call("pay_order", &[("id", &rated), ("form_key", &key())]).await);
    ok(seller.call("ship_order", &[("id", &rated), ("carrier", "SF"), ("tracking", "SF1")]).await);
    ok(buyer.call("confirm_receipt", &[("id", &rated), ("received", "yes"), ("form_key", &key())]).await);
    ok(buyer.call("rate_order", &[("id", &rated), ("score", "bad"), ("comment", &long)]).await);

    let mut arbiter = app.member("judge@example.com", TEMPLATE).await;
    assert!(store::members::grant_arbiter(&app.db, "judge@example.com").await.expect("grant"));

    let q = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let visitor_pages = [
        "/".to_owned(),
        format!("/search?q={}", q(TITLE_BREAK)),
        format!("/search?q={}", q(&long)),
        format!("/search?q=alert&category={}", q(ATTRIBUTE_BREAK)),
        "/category/digital".to_owned(),
        format!("/category/{}", q(TITLE_BREAK)),
        format!("/item/{listing}"),
        format!("/seller/{seller_id}"),
        format!("/seller/{buyer_id}"),
        format!("/signin?next={}", q(LINK)),
        format!("/signup?next={}", q(ATTRIBUTE_BREAK)),
        format!("/{}", q(SCRIPT_BREAK)),
        "/forgot-password".to_owned(),
        "/forgot-password?sent=1".to_owned(),
        format!("/reset-password?token={}", q(TITLE_BREAK)),
        format!("/verify-email?token={}", q(ATTRIBUTE_BREAK)),
        "/verify-email?done=1".to_owned(),
        "/stats".to_owned(),
    ];
    let mut visitor = app.client();
    for page in &visitor_pages {
        assert_inert(page, &visitor.get(page).await);
    }
    let member_pages = [
        "/".to_owned(),
        format!("/item/{listing}"),
        format!("/item/{listing}/edit"),
        "/my/listings".to_owned(),
        "/orders".to_owned(),
        format!("/orders/{disputed}"),
        format!("/orders/{rated}"),
        "/dashboard".to_owned(),
        "/wallet".to_owned(),
        "/notifications".to_owned(),
        "/sell".to_owned(),
        "/account".to_owned(),
        "/account?sent=1&changed=1&reset=1".to_owned(),
    ];
    // An address is typed too, and has no spaces to stop markup: the
    // account page shows it.
    let mut marked_up = app.unconfirmed_member(&format!("{TITLE_BREAK}@evil.example.com"), TEMPLATE).await;
    for page in ["/account", "/sell", "/wallet"] {
        assert_inert(page, &marked_up.get(page).await);
    }
    for member in [&mut seller, &mut buyer] {
        for page in &member_pages {
            assert_inert(page, &member.get(page).await);
        }
    }
    assert_inert("/arbiter", &arbiter.get("/arbiter").await);
    assert_inert("the arbiter's view of the case", &arbiter.get(&format!("/orders/{disputed}")).await);

    // The text is there, escaped, not dropped: the title in the head, the
    // description in its field, the buyer's name and reasons on the order.
    let item = visitor.get(&format!("/item/{listing}")).await.body;
    assert!(item.contains("<title>&lt;/title&gt;&lt;script&gt;"), "the title is escaped, not dropped");
    let edit = seller.get(&format!("/item/{listing}/edit")).await.body;
    assert!(edit.contains("&lt;/textarea&gt;&lt;script&gt;alert"), "the description is in its field");
    let case = arbiter.get(&format!("/orders/{disputed}")).await.body;
    assert!(case.contains("&lt;img src=x onerror=alert('attr')&gt;"), "the reasons are shown");
    audit_passes(&app).await;
}

#[tokio::test]
async fn an_error_message_planted_in_a_link_is_not_shown() {
    let app = TestApp::new().await;
    let mut seller = app.member("seller@example.com", "Mei").await;
    let listing = super::listings::list(&mut seller, super::listings::KINDLE).await;
    let planted = "Your account is locked: call +86 000 0000 to unlock it";
    let q = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let forged_leptos_error = {
        use leptos::server_fn::error::ServerFnUrlError;
        let error = crate::error::AppError::Refused(planted.to_owned());
        let url = ServerFnUrlError::new("/api/update_listing", error)
            .to_url(&format!("http://127.0.0.1:3000/item/{listing}/edit"))
            .expect("a url");
        url.query().unwrap_or_default().to_owned()
    };
    for page in [
        format!("/item/{listing}/edit?error={}#photos", q(planted)),
        format!("/item/{listing}/edit?{forged_leptos_error}"),
        format!("/item/{listing}/edit?error={}&__sig=1.00ff", q(planted)),
    ] {
        let response = seller.get(&page).await;
        assert_eq!(response.status, 303, "{page}: {response:?}");
        let clean = response.location().unwrap_or_default();
        assert_eq!(clean, format!("/item/{listing}/edit"), "{page}");
        assert!(!seller.get(clean).await.body.contains("call +86"));
    }
}

#[tokio::test]
async fn an_error_the_server_sent_back_is_shown_once_signed_and_only_to_that_session() {
    let app = TestApp::new().await;
    let mut seller = app.member("seller@example.com", "Mei").await;
    let listing = super::listings::list(&mut seller, super::listings::KINDLE).await;

    // A photo form refused without JavaScript comes back with its message.
    let refused = seller
        .post_multipart(&format!("/item/{listing}/photos"), &[], &[("photos", "a.txt", b"not a picture")])
        .await;
    let back = refused.location().unwrap_or_default().to_owned();
    assert!(back.contains("error=") && back.contains("__sig="), "{back}");
    let page = seller.get(&back).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("That file is not a JPEG"), "the message is shown");

    // Another member given the same address sees the page without it.
    let mut other = app.member("other@example.com", "Other").await;
    let elsewhere = other.get(&back).await;
    assert_eq!(elsewhere.status, 303);

    // And it lapses after ten minutes.
    app.clock.advance(10 * 60 * 1000 + 1);
    assert_eq!(seller.get(&back).await.status, 303);
}

#[tokio::test]
async fn hostile_text_from_a_merchant_and_its_api_calls_is_rendered_inert() {
    use super::merchant_api::{api, create, shop};
    use serde_json::json;

    let app = TestApp::new().await;
    let long = hostile_long();
    let mut merchant = shop(&app, "shop@example.com").await;
    // The shop's name is its member name: make it hostile too.
    let mut named = app.member("named@example.com", TITLE_BREAK).await;
    ok(named.call("enable_merchant", &[]).await);
    ok(named.call("create_api_key", &[("name", &long[..60.min(long.len())]), ("mode", "live")]).await);
    let view: serde_json::Value =
        serde_json::from_str(&named.call("merchant_settings", &[]).await.body).expect("settings");
    let hostile_key = view["new_secret"].as_str().expect("key").to_owned();
    ok(named
        .call("add_webhook_endpoint", &[("url", &format!("https://shop.example/{}", q(ATTRIBUTE_BREAK)))])
        .await);

    let escrow = json!({
        "out_trade_no": TITLE_BREAK,
        "amount": "10.00",
        "subject": format!("{TITLE_BREAK}{ATTRIBUTE_BREAK}"),
        "items": [{"title": long.chars().take(120).collect::<String>(), "quantity": 1, "unit_price": "10.00"}],
        "return_url": format!("https://shop.example/back?x={}", q(ATTRIBUTE_BREAK)),
        "cancel_url": format!("https://shop.example/cancel?x={}", q(SCRIPT_BREAK)),
        "metadata": {ATTRIBUTE_BREAK: long.chars().take(200).collect::<String>()}
    });
    let created = api(&app, "POST", "/escrows", &hostile_key, Some(&key()), Some(&escrow)).await;
    assert_eq!(created.status.as_u16(), 201, "{created:?}");
    let id = created.body["id"].as_str().expect("id").to_owned();
    let plain = create(&app, &merchant.live, "T-1").await;

    let mut visitor = app.client();
    for page in [format!("/checkout/{id}"), format!("/checkout/{plain}"), "/api/docs".to_owned()] {
        assert_inert(&page, &visitor.get(&page).await);
    }
    let mut buyer = app.member("buyer@example.com", ATTRIBUTE_BREAK).await;
    let buyer_id = member_id(&mut buyer).await;
    fund(&app, buyer_id, "100").await;
    assert_inert("checkout, signed in", &buyer.get(&format!("/checkout/{id}")).await);
    ok(buyer.call("pay_checkout", &[("id", &id), ("with", "wallet"), ("form_key", &key())]).await);
    let escrow = store::escrows::find_public(&app.db, &id).await.expect("read").expect("escrow");
    let order = escrow.order_id.expect("an order");
    for page in [
        format!("/checkout/{id}"),
        format!("/checkout/{id}/return"),
        format!("/orders/{order}"),
        "/orders".to_owned(),
    ] {
        assert_inert(&page, &buyer.get(&page).await);
    }
    for page in ["/merchant".to_owned(), format!("/orders/{order}"), "/dashboard".to_owned()] {
        assert_inert(&page, &named.get(&page).await);
    }
    assert_inert("/merchant", &merchant.client.get("/merchant").await);
    let checkout = visitor.get(&format!("/checkout/{id}")).await.body;
    assert!(
        checkout.contains("<title>Pay &lt;/title&gt;&lt;script&gt;"),
        "the shop's name is escaped in the title"
    );
    audit_passes(&app).await;
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
