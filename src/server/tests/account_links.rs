//! Accounts beyond signing in, through the app: the confirmation link that
//! lets a member sell and withdraw, the reset link for a forgotten
//! password, changing the password, signing out everywhere, and how long a
//! session lasts. Links are read from the e-mail outbox, as a member would
//! read them from the mail.

use super::escrow::{audit_passes, fund, member_id};
use super::listings::KINDLE;
use super::support::{PASSWORD, TestApp, link_token};
use crate::domain::account::{SESSION_IDLE_MS, SESSION_LIFETIME_MS};

const HOUR_MS: i64 = 3_600_000;
const NEW_PASSWORD: &str = "a brand new passphrase";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn signed_in(client: &mut super::support::Client) -> bool {
    let response = client.call("current_member", &[]).await;
    assert!(response.status.is_success(), "{response:?}");
    response.body != "null"
}

#[tokio::test]
async fn an_unconfirmed_member_may_buy_but_not_sell_or_withdraw_until_the_mailed_link_is_followed() {
    let app = TestApp::new().await;
    let mut ann = app.unconfirmed_member("ann@example.com", "Ann").await;
    let ann_id = member_id(&mut ann).await;
    fund(&app, ann_id, "100").await;

    let listing = ann.call("create_listing", KINDLE).await;
    assert_eq!(listing.status, 422, "{listing:?}");
    assert!(listing.body.contains("Confirm your e-mail address first"), "{}", listing.body);
    let withdrawal = ann.call("withdraw", &[("amount", "30"), ("form_key", &key())]).await;
    assert_eq!(withdrawal.status, 422, "{withdrawal:?}");
    assert!(withdrawal.body.contains("Confirm your e-mail address first"), "{}", withdrawal.body);
    assert_eq!(app.count("listings").await, 0);
    assert_eq!(app.count("bank_operations").await, 1, "only the top-up");
    // Every page reminds them, with the way to a new link.
    let page = ann.get("/sell").await;
    assert!(page.body.contains("data-testid=\"confirm-email-banner\""), "no reminder on /sell");

    // The mail holds the link; following it (even signed out) confirms.
    let token = app.mailed_token("ann@example.com", "/verify-email").await;
    let page = app.client().get(&format!("/verify-email?token={token}")).await;
    assert!(page.body.contains("Confirm my address"), "{}", page.body);
    let confirmed = app.client().call("confirm_email", &[("token", &token)]).await;
    assert!(confirmed.status.is_success(), "{confirmed:?}");
    assert_eq!(confirmed.location(), Some("/verify-email?done=1"));

    assert!(ann.call("create_listing", KINDLE).await.status.is_success());
    let withdrawal = ann.call("withdraw", &[("amount", "30"), ("form_key", &key())]).await;
    assert!(withdrawal.status.is_success(), "{withdrawal:?}");
    assert!(!ann.get("/sell").await.body.contains("confirm-email-banner"));
    // The link worked once.
    let again = app.client().call("confirm_email", &[("token", &token)]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already been used"), "{}", again.body);
    audit_passes(&app).await;
}

#[tokio::test]
async fn a_confirmation_link_expires_after_two_days_and_a_new_one_retires_the_old() {
    let app = TestApp::new().await;
    let mut ann = app.unconfirmed_member("ann@example.com", "Ann").await;
    let first = app.mailed_token("ann@example.com", "/verify-email").await;

    let resent = ann.call("resend_confirmation", &[]).await;
    assert!(resent.status.is_success(), "{resent:?}");
    let second = app.mailed_token("ann@example.com", "/verify-email").await;
    assert_ne!(first, second);
    let old = app.client().call("confirm_email", &[("token", &first)]).await;
    assert!(old.body.contains("already been used"), "the older link is retired: {}", old.body);

    app.clock.advance(48 * HOUR_MS);
    let late = app.client().call("confirm_email", &[("token", &second)]).await;
    assert_eq!(late.status, 422);
    assert!(late.body.contains("expired"), "{}", late.body);
    let made_up = app.client().call("confirm_email", &[("token", "not-a-token")]).await;
    assert!(made_up.body.contains("not one of ours"), "{}", made_up.body);
    assert!(ann.call("create_listing", KINDLE).await.body.contains("Confirm your e-mail address first"));
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_other_session() {
    let app = TestApp::new().await;
    let mut laptop = app.member("ann@example.com", "Ann").await;
    let mut phone = app.client();
    assert!(
        phone
            .call("sign_in", &[("email", "ann@example.com"), ("password", PASSWORD)])
            .await
            .status
            .is_success()
    );

    // Unknown and known addresses get the same answer; only one gets mail.
    let mails_before = app.count("email_outbox").await;
    let unknown = app.client().call("forgot_password", &[("email", "nobody@example.com")]).await;
    assert_eq!(app.count("email_outbox").await, mails_before, "no mail for an unknown address");
    let mut stranger = app.client();
    let known = stranger.call("forgot_password", &[("email", " ANN@example.com ")]).await;
    assert_eq!((unknown.status, unknown.body.clone()), (known.status, known.body.clone()));
    assert_eq!(known.location(), Some("/forgot-password?sent=1"));
    let token = app.mailed_token("ann@example.com", "/reset-password").await;

    let short = stranger.call("reset_password", &[("token", &token), ("password", "short")]).await;
    assert!(short.body.contains("Use at least 10 characters"), "{}", short.body);
    let page = stranger.get(&format!("/reset-password?token={token}")).await;
    assert!(page.body.contains("Set the new password"), "the form is offered: {}", page.body);
    let reset = stranger.call("reset_password", &[("token", &token), ("password", NEW_PASSWORD)]).await;
    assert!(reset.status.is_success(), "{reset:?}");

    assert!(signed_in(&mut stranger).await, "the reset signs its browser in");
    assert!(!signed_in(&mut laptop).await, "other sessions end");
    assert!(!signed_in(&mut phone).await, "other sessions end");
    let old = app.client().call("sign_in", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(old.status, 422, "the old password no longer works");
    let new = app.client().call("sign_in", &[("email", "ann@example.com"), ("password", NEW_PASSWORD)]).await;
    assert!(new.status.is_success(), "{new:?}");
    let twice =
        app.client().call("reset_password", &[("token", &token), ("password", "yet another password")]).await;
    assert!(twice.body.contains("already been used"), "{}", twice.body);
    let page = app.client().get(&format!("/reset-password?token={token}")).await;
    assert!(page.body.contains("data-testid=\"link-refused\""), "a used link's page says so");
    let told = app.mailed_token("ann@example.com", "/reset-password").await;
    assert_eq!(told, token);
    let letters = app.count("email_outbox").await;
    assert!(letters >= mails_before + 2, "the reset link and the 'password changed' note");
}

#[tokio::test]
async fn a_reset_link_works_for_an_hour() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;
    app.client().call("forgot_password", &[("email", "ann@example.com")]).await;
    let token = app.mailed_token("ann@example.com", "/reset-password").await;
    app.clock.advance(HOUR_MS);
    let late = app.client().call("reset_password", &[("token", &token), ("password", NEW_PASSWORD)]).await;
    assert_eq!(late.status, 422);
    assert!(late.body.contains("expired"), "{}", late.body);
    let old = app.client().call("sign_in", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    assert!(old.status.is_success(), "nothing changed");
}

#[tokio::test]
async fn reset_mails_for_one_account_are_limited_to_five_an_hour() {
    let app = TestApp::new().await;
    app.member("ann@example.com", "Ann").await;
    for _ in 0..5 {
        assert!(
            app.client().call("forgot_password", &[("email", "ann@example.com")]).await.status.is_success()
        );
    }
    let sixth = app.client().call("forgot_password", &[("email", "ann@example.com")]).await;
    assert_eq!(sixth.status, 429, "{sixth:?}");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_keeps_only_this_session() {
    let app = TestApp::new().await;
    let mut laptop = app.member("ann@example.com", "Ann").await;
    let mut phone = app.client();
    phone.call("sign_in", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;

    let wrong = laptop
        .call("change_password", &[("current_password", "not my password"), ("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("That is not your current password"), "{}", wrong.body);
    assert!(signed_in(&mut phone).await, "a refused change ends nothing");
    let short =
        laptop.call("change_password", &[("current_password", PASSWORD), ("new_password", "short")]).await;
    assert!(short.body.contains("Use at least 10 characters"), "{}", short.body);

    let changed = laptop
        .call("change_password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)])
        .await;
    assert!(changed.status.is_success(), "{changed:?}");
    assert!(signed_in(&mut laptop).await, "the session that changed it goes on");
    assert!(!signed_in(&mut phone).await, "every other session ends");
    let new = app.client().call("sign_in", &[("email", "ann@example.com"), ("password", NEW_PASSWORD)]).await;
    assert!(new.status.is_success());
    // Nobody else can change it: signed out, the function refuses.
    let visitor = app
        .client()
        .call(
            "change_password",
            &[("current_password", NEW_PASSWORD), ("new_password", "x".repeat(12).as_str())],
        )
        .await;
    assert_eq!(visitor.status, 401, "{visitor:?}");
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_member_only() {
    let app = TestApp::new().await;
    let mut laptop = app.member("ann@example.com", "Ann").await;
    let mut phone = app.client();
    phone.call("sign_in", &[("email", "ann@example.com"), ("password", PASSWORD)]).await;
    let mut bo = app.member("bo@example.com", "Bo").await;

    let done = phone.submit("sign_out_everywhere", &[], "/account").await;
    assert!(done.status.is_redirection(), "{done:?}");

    assert!(!signed_in(&mut laptop).await);
    assert!(!signed_in(&mut phone).await);
    assert!(signed_in(&mut bo).await, "another member stays signed in");
    let page = laptop.get("/account").await;
    assert!(page.body.contains("Sign in"), "the account page asks to sign in again");
}

#[tokio::test]
async fn a_session_ends_after_a_week_unused_or_a_month_however_busy() {
    let app = TestApp::new().await;
    let mut idle = app.member("ann@example.com", "Ann").await;
    let mut busy = app.member("bo@example.com", "Bo").await;

    app.clock.advance(SESSION_IDLE_MS - HOUR_MS);
    assert!(signed_in(&mut idle).await, "six days and 23 hours unused is not yet idle");
    let mut waited = SESSION_IDLE_MS - HOUR_MS;
    while waited + SESSION_IDLE_MS - HOUR_MS < SESSION_LIFETIME_MS {
        assert!(signed_in(&mut busy).await);
        app.clock.advance(SESSION_IDLE_MS - HOUR_MS);
        waited += SESSION_IDLE_MS - HOUR_MS;
    }
    assert!(signed_in(&mut busy).await, "used every week, it still stands at {waited} ms");
    app.clock.advance(SESSION_LIFETIME_MS - waited);
    assert!(!signed_in(&mut busy).await, "thirty days after signing in it ends");

    let mut fresh = app.member("cy@example.com", "Cy").await;
    app.clock.advance(SESSION_IDLE_MS);
    assert!(!signed_in(&mut fresh).await, "a week unused ends it");
    assert!(!signed_in(&mut idle).await, "unused since the first week, it ended long ago");
}

#[tokio::test]
async fn the_account_page_shows_the_address_and_whether_it_is_confirmed() {
    let app = TestApp::new().await;
    let mut ann = app.unconfirmed_member("ann@example.com", "Ann").await;
    let page = ann.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("ann@example.com"));
    assert!(page.body.contains("Not confirmed yet"), "{}", page.body);

    let back = ann.submit("resend_confirmation", &[], "/account").await;
    assert_eq!(back.location(), Some("/account?sent=1"));
    let page = ann.get("/account?sent=1").await;
    assert!(page.body.contains("We have sent a new link"));
    let token = link_token(&page.body, "/verify-email");
    assert_eq!(token, None, "the page never shows the link itself");
}
