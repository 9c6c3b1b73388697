use super::support::{PASSWORD, TestApp};
use crate::server_fns::auth::BAD_CREDENTIALS;

#[tokio::test]
async fn a_new_member_is_signed_in_and_named_in_the_header() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann Li").await;

    let home = ann.get("/").await;

    assert!(home.body.contains("Ann Li"), "header should name the member");
    assert!(home.body.contains("Sign out"));
    assert!(!home.body.contains(">Sign in<"));
}

#[tokio::test]
async fn a_visitor_sees_sign_in_and_sign_up() {
    let app = TestApp::new().await;
    let home = app.client().get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Sign in") && home.body.contains("Sign up"));
}

#[tokio::test]
async fn a_taken_email_whatever_its_case_is_refused_without_saying_it_is_taken() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;

    let mut other = app.client();
    let response = other
        .call(
            "sign_up",
            &[("email", " ANN@example.com"), ("display_name", "Impostor"), ("password", PASSWORD)],
        )
        .await;

    assert_eq!(response.status, 422);
    // Saying "taken" would tell a stranger who has an account (issue 8).
    assert!(!response.body.contains("\"email\""), "{}", response.body);
    assert!(response.body.contains(crate::server_fns::auth::SIGN_UP_REFUSED), "{}", response.body);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(other.session_id(), None, "a refused sign-up signs nobody in");
}

#[tokio::test]
async fn a_short_password_is_refused_and_nothing_is_created() {
    let app = TestApp::new().await;
    let response = app
        .client()
        .call("sign_up", &[("email", "bo@example.com"), ("display_name", "Bo"), ("password", "123456789")])
        .await;
    assert!(response.body.contains("Use at least 10 characters for the password"), "{}", response.body);
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_message() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;

    let wrong_password =
        app.client().call("sign_in", &[("email", "ann@example.com"), ("password", "not the password")]).await;
    let unknown_email =
        app.client().call("sign_in", &[("email", "nobody@example.com"), ("password", PASSWORD)]).await;

    assert!(wrong_password.body.contains(BAD_CREDENTIALS), "{}", wrong_password.body);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(wrong_password.body, unknown_email.body);
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_the_old_one_is_dead() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    app.member("bo@example.com", "Bo").await;
    let before = ann.session_id().expect("signed-up member has a session");

    let response = ann.call("sign_in", &[("email", "bo@example.com"), ("password", PASSWORD)]).await;
    assert!(response.status.is_success(), "{response:?}");
    let after = ann.session_id().expect("still has a session");

    assert_ne!(before, after, "sign-in must issue a new session id");
    let mut stale = app.client();
    stale.cookies.insert(crate::server::http::SESSION_COOKIE.into(), before);
    let page = stale.get("/").await;
    assert!(!page.body.contains("Sign out"), "the pre-sign-in id must no longer be signed in");
    assert!(ann.get("/").await.body.contains("Bo"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let before = ann.session_id().expect("session");

    let response = ann.call("sign_out", &[]).await;
    assert!(response.status.is_success(), "{response:?}");

    assert_eq!(ann.session_id(), None, "the cookie is cleared");
    let mut stale = app.client();
    stale.cookies.insert(crate::server::http::SESSION_COOKIE.into(), before);
    assert!(!stale.get("/").await.body.contains("Sign out"));
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let response = client
        .call("sign_up", &[("email", "ann@example.com"), ("display_name", "Ann"), ("password", PASSWORD)])
        .await;
    let cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(crate::server::http::SESSION_COOKIE))
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");
    assert!(!cookie.contains("secure"), "Secure only when configured: {cookie}");
}

#[tokio::test]
async fn with_javascript_off_sign_in_redirects_to_the_page_that_asked() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;
    let mut browser = app.client();

    let response = browser
        .submit(
            "sign_in",
            &[("email", "ann@example.com"), ("password", PASSWORD), ("next", "/sell")],
            "/signin?next=/sell",
        )
        .await;

    assert_eq!(response.status, 302);
    assert_eq!(response.location(), Some("/sell"));
    assert!(browser.get("/sell").await.body.contains("List it"));
}

#[tokio::test]
async fn with_javascript_off_a_failed_sign_in_shows_its_message_on_the_form() {
    let app = TestApp::new().await;
    let mut browser = app.client();

    let response = browser
        .submit("sign_in", &[("email", "ann@example.com"), ("password", "wrong password")], "/signin")
        .await;

    assert_eq!(response.status, 302);
    let back = response.location().expect("redirected back").to_owned();
    assert!(back.starts_with("/signin") || back.contains("/signin?"), "{back}");
    let path = back.trim_start_matches("http://127.0.0.1:3000");
    let page = browser.get(path).await;
    assert!(page.body.contains(BAD_CREDENTIALS), "the form shows why: {back} {}", page.body);
}
