//! What an attacker probing the running app tries: telling which emails have
//! accounts, guessing passwords, signing up in bulk, flooding posts, and
//! reading the parser's internals out of error answers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::http::header;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::support::{Client, GENEROUS_LIMITS, PASSWORD, TestApp, TestConfig, TestResponse};
use crate::server::auth;
use crate::server::entities::email_outbox;
use crate::server::limits::LimitSettings;
use crate::server_fns::auth::{BAD_CREDENTIALS, SIGN_UP_REFUSED};

fn from(last: u8) -> Option<SocketAddr> {
    Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)), 40_000))
}

async fn sign_in(client: &mut Client, email: &str, password: &str) -> TestResponse {
    client.call("sign_in", &[("email", email), ("password", password)]).await
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn an_unknown_email_costs_a_password_verification_like_a_known_one() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;
    let mut visitor = app.client();

    let mut unknown = Vec::new();
    let mut known = Vec::new();
    for round in 0..4 {
        let before = auth::verifications();
        let started = Instant::now();
        let response = sign_in(&mut visitor, &format!("nobody{round}@example.com"), "wrong password").await;
        unknown.push(started.elapsed());
        assert_eq!(auth::verifications(), before + 1, "the throwaway hash was verified");
        assert_eq!(response.status, 422);

        let started = Instant::now();
        let wrong = sign_in(&mut visitor, "ann@example.com", "wrong password").await;
        known.push(started.elapsed());
        assert_eq!(wrong.status, 422);
        assert_eq!(wrong.body, response.body, "both answers are the same");
        assert!(wrong.body.contains(BAD_CREDENTIALS));
    }
    // Printed for the record (run with --no-capture); timing is not asserted
    // on a shared machine.
    println!("sign-in median: unknown email {:?}, known email {:?}", median(unknown), median(known));
}

#[tokio::test]
async fn signing_up_with_a_taken_email_does_not_say_so_and_tells_the_owner() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;

    let mut stranger = app.client();
    let fields = [("email", "ANN@example.com"), ("display_name", "Not Ann"), ("password", PASSWORD)];
    let response = stranger.call("sign_up", &fields).await;

    assert_eq!(response.status, 422);
    assert!(response.body.contains("We could not create an account"), "{}", response.body);
    assert!(!response.body.to_lowercase().contains("already exists"));
    assert!(stranger.session_id().is_none(), "not signed in");
    let mail: Vec<_> = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq("ann@example.com"))
        .all(&app.db)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|mail| !mail.subject.starts_with("Confirm your e-mail"))
        .collect();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.contains("tried to sign up"), "{:?}", mail[0]);
    assert!(response.body.contains(&SIGN_UP_REFUSED[..40]));
}

#[tokio::test]
async fn after_five_wrong_passwords_even_the_right_one_waits_a_minute_and_is_told_so() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;
    let mut attacker = app.client();
    for _ in 0..5 {
        assert_eq!(sign_in(&mut attacker, "ann@example.com", "guess").await.status, 422);
    }

    let locked = sign_in(&mut attacker, "Ann@Example.com", PASSWORD).await;
    assert_eq!(locked.status, 429, "{locked:?}");
    assert_eq!(locked.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("60"));
    let error: crate::error::AppError = serde_json::from_str(&locked.body).expect("an AppError");
    assert_eq!(error.to_string(), "Too many attempts; please wait 60 seconds and try again");
    assert!(attacker.session_id().is_none(), "the right password did not sign in");

    // Without JavaScript the sign-in page shows the same message.
    let fields = [("email", "ann@example.com"), ("password", PASSWORD)];
    let back = attacker.submit("sign_in", &fields, "/signin").await;
    let page = attacker.get(back.location().expect("back to the form")).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("Too many attempts; please wait"), "{}", page.body);

    // Another address is held back for this account too.
    let mut elsewhere = app.client();
    elsewhere.address = from(7);
    assert_eq!(sign_in(&mut elsewhere, "ann@example.com", PASSWORD).await.status, 429);

    app.clock.advance(60_000);
    assert!(sign_in(&mut attacker, "ann@example.com", PASSWORD).await.status.is_success());
    // A success forgets the account's failures.
    attacker.call("sign_out", &[]).await;
    assert_eq!(sign_in(&mut attacker, "ann@example.com", "guess").await.status, 422);
    assert!(sign_in(&mut attacker, "ann@example.com", PASSWORD).await.status.is_success());
}

#[tokio::test]
async fn an_address_that_keeps_failing_waits_for_every_account() {
    let app = TestApp::new().await;
    let mut sprayer = app.client();
    sprayer.address = from(1);
    for n in 0..20 {
        assert_eq!(sign_in(&mut sprayer, &format!("user{n}@example.com"), "password1").await.status, 422);
    }
    assert_eq!(sign_in(&mut sprayer, "user20@example.com", "password1").await.status, 429);

    let mut neighbour = app.client();
    neighbour.address = from(2);
    assert_eq!(sign_in(&mut neighbour, "user20@example.com", "password1").await.status, 422);
}

#[tokio::test]
async fn sign_ups_from_one_address_beyond_the_hourly_number_wait() {
    let limits = LimitSettings { sign_ups_per_hour: 2, ..GENEROUS_LIMITS };
    let app = TestApp::with(TestConfig { limits, ..Default::default() }).await;
    let sign_up = |n: u32| {
        let mut client = app.client();
        client.address = from(3);
        async move {
            let email = format!("new{n}@example.com");
            client
                .call("sign_up", &[("email", &email), ("display_name", "New"), ("password", PASSWORD)])
                .await
        }
    };
    assert!(sign_up(1).await.status.is_success());
    assert!(sign_up(2).await.status.is_success());
    let third = sign_up(3).await;
    assert_eq!(third.status, 429, "{third:?}");
    assert!(third.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(app.count("users").await, 2);
}

#[tokio::test]
async fn a_member_posting_beyond_the_limit_waits_with_the_app_and_without_javascript() {
    let limits = LimitSettings { posts_per_minute: 3, ..GENEROUS_LIMITS };
    let app = TestApp::with(TestConfig { limits, ..Default::default() }).await;
    // Signing up is itself a post (counted against the address);
    // confirming the address is Ann's first.
    let mut ann = app.member("ann@example.com", "Ann").await;
    for _ in 0..2 {
        assert!(ann.call("create_listing", super::listings::KINDLE).await.status.is_success());
    }

    let refused = ann.call("create_listing", super::listings::KINDLE).await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
    let error: crate::error::AppError = serde_json::from_str(&refused.body).expect("an AppError");
    assert!(matches!(error, crate::error::AppError::TooManyRequests { .. }));

    let back = ann.submit("create_listing", super::listings::KINDLE, "/sell").await;
    let location = back.location().unwrap_or_default().to_owned();
    assert!(location.contains("__err=") && location.contains("__sig="), "{back:?}");
    let page = ann.get(&location).await;
    assert!(page.body.contains("Too many attempts; please wait"), "{}", page.body);

    assert_eq!(app.count("listings").await, 2, "nothing was created over the limit");
    assert_eq!(ann.get("/my/listings").await.status, 200, "reading is not limited");
}

#[tokio::test]
async fn a_malformed_form_says_so_without_the_parsers_internals() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let fields = [("listing_id", "1"), ("listing_id", "2"), ("quantity", "x"), ("form_key", "k")];
    for response in [ann.call("place_order", &fields).await, ann.call("get_order", &[("id", "abc")]).await] {
        assert_eq!(response.status, 422, "{response:?}");
        assert!(response.body.contains("malformed"), "{}", response.body);
        for internal in ["Flat", "Deserializ", "convert", "QsDeserializer", "invalid digit"] {
            assert!(!response.body.contains(internal), "{}", response.body);
        }
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_a_fresh_script_nonce() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;

    let first = ann.get("/").await;
    let second = ann.get("/").await;
    let policy = |r: &TestResponse| {
        r.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    let nonce =
        |p: &str| p.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).unwrap_or("").to_owned();
    let page_policy = policy(&first);
    for part in ["'strict-dynamic'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
        assert!(page_policy.contains(part), "{page_policy}");
    }
    assert!(!page_policy.contains("unsafe-inline"), "{page_policy}");
    let first_nonce = nonce(&page_policy);
    assert!(first_nonce.len() >= 16, "{page_policy}");
    assert!(first.body.contains(&format!("nonce=\"{first_nonce}\"")), "the page's scripts carry the nonce");
    assert_ne!(first_nonce, nonce(&policy(&second)), "a nonce per response");
    // Every script element that runs something carries it: none would run
    // without. leptos_i18n leaves an empty `<script></script>` as a
    // placeholder (where its dynamic loading would put translations); with
    // no source and no text the browser runs nothing and checks no policy.
    for rest in first.body.split("<script").skip(1) {
        let (tag, after) = rest.split_once('>').unwrap_or((rest, ""));
        let inert = !tag.contains("src=") && after.starts_with("</script>");
        assert!(inert || tag.contains(&format!("nonce=\"{first_nonce}\"")), "<script{tag}>");
    }

    let listing = super::listings::list(&mut ann, super::listings::KINDLE).await;
    let responses = [
        ("a page", first),
        ("a 404 page", ann.get("/no-such-page").await),
        ("a server function", ann.call("current_member", &[]).await),
        ("the health check", ann.get("/healthz").await),
        ("a statement", ann.get("/wallet/statement.csv").await),
        ("a missing photo", ann.get("/media/nothing.jpg").await),
        ("a photo form", ann.post_multipart(&format!("/item/{listing}/photos"), &[], &[]).await),
    ];
    for (what, response) in &responses {
        let get = |name| response.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(get(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(get(header::REFERRER_POLICY), "same-origin", "{what}");
        assert_eq!(get(header::X_FRAME_OPTIONS), "DENY", "{what}");
        assert!(get(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"), "{what}");
    }
}
