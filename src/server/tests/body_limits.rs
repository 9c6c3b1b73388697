//! Bodies over the limit are refused with 413 before they are read whole:
//! at once when the length is declared, as soon as the limit is passed when
//! it is streamed. Requests within it are served as before.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::support::TestApp;
use crate::server::http::TEXT_BODY_LIMIT;

fn post(path: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let app = TestApp::new().await;
    let mut client = app.member("ann@example.com", "Ann").await;
    let listings_before = app.count("listings").await;
    // The declared length alone decides: the body sent is a few bytes, so
    // a server that read it whole first would see a short, valid form.
    let declared =
        post("/api/create_listing").header(header::CONTENT_LENGTH, (TEXT_BODY_LIMIT + 1).to_string());
    let response = client.send(declared, Body::from("title=x")).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{response:?}");
    for path in ["/api/sign_in", "/api/v1/escrows", "/bank/callback"] {
        let declared = post(path).header(header::CONTENT_LENGTH, (64 * 1024 * 1024).to_string());
        let response = client.send(declared, Body::from("x")).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}: {response:?}");
    }
    assert_eq!(app.count("listings").await, listings_before);
}

#[tokio::test]
async fn a_streamed_body_is_cut_off_at_the_limit_and_one_within_it_is_served() {
    let app = TestApp::new().await;
    let mut client = app.member("ann@example.com", "Ann").await;
    // 1 MB in 64 KB chunks, no length: a stream that would go on.
    let chunks = (0..16).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'a'; 64 * 1024])));
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let response = client.send(post("/api/create_listing"), streamed).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{response:?}");

    // A whole listing form streamed in pieces, within the limit, still works.
    let form = super::support::form_body(super::listings::KINDLE);
    let pieces: Vec<_> = form
        .as_bytes()
        .chunks(7)
        .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
        .collect();
    let response =
        client.send(post("/api/create_listing"), Body::from_stream(futures_util::stream::iter(pieces))).await;
    assert!(response.status.is_success(), "{response:?}");
    assert_eq!(app.count("listings").await, 1);
}
