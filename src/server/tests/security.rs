use axum::body::Body;
use axum::http::{Request, header};

use super::listings::{KINDLE, list};
use super::support::{TestApp, form_body};

async fn cross_site_post(
    app: &TestApp,
    client: &mut super::support::Client,
    headers: &[(&str, &str)],
) -> u16 {
    let mut request = Request::post("/api/create_listing")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:3000");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let _ = app;
    client.send(request, Body::from(form_body(KINDLE))).await.status.as_u16()
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;

    let by_fetch_metadata = cross_site_post(&app, &mut ann, &[("sec-fetch-site", "cross-site")]).await;
    let by_origin = cross_site_post(&app, &mut ann, &[("origin", "https://evil.test")]).await;
    let from_sibling_site = cross_site_post(&app, &mut ann, &[("sec-fetch-site", "same-site")]).await;

    assert_eq!((by_fetch_metadata, by_origin, from_sibling_site), (403, 403, 403));
    assert_eq!(app.count("listings").await, 0);
}

#[tokio::test]
async fn a_cross_site_sign_out_is_refused() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let request = Request::post("/api/sign_out").header("sec-fetch-site", "cross-site");
    let response = ann.send(request, Body::empty()).await;
    assert_eq!(response.status, 403);
    assert!(ann.get("/").await.body.contains("Sign out"), "still signed in");
}

#[tokio::test]
async fn a_same_origin_form_post_without_javascript_works() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    // An older browser sends Origin but no fetch metadata.
    let status = cross_site_post(&app, &mut ann, &[("origin", "http://127.0.0.1:3000")]).await;
    assert!(status < 400, "status {status}");
    assert_eq!(app.count("listings").await, 1);
    list(&mut ann, KINDLE).await;
    assert_eq!(app.count("listings").await, 2);
}
