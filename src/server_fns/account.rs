//! The account beyond signing in: confirming the e-mail address, resetting
//! a forgotten password by a mailed link, changing the password, and
//! signing out everywhere.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The account page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    pub display_name: String,
    pub email_verified: bool,
}

#[server(endpoint = "account")]
pub async fn get_account() -> Result<AccountView, AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    Ok(AccountView {
        email: member.email,
        display_name: member.display_name,
        email_verified: member.email_verified,
    })
}

/// Mails the member a new link of this purpose, in its own transaction.
#[cfg(feature = "ssr")]
async fn mail_link(
    state: &crate::server::state::AppState,
    member_id: i64,
    purpose: crate::domain::account::LinkPurpose,
) -> Result<(), AppError> {
    use crate::server::{db, store};
    let txn = db::begin_write(&state.db).await?;
    let now = state.clock.now_ms();
    store::accounts::mail_link(&txn, member_id, purpose, &state.settings.public_url, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Mails the signed-in member a new link to confirm their address.
#[server(endpoint = "resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), AppError> {
    use crate::domain::account::LinkPurpose;
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    if !member.email_verified {
        state.limits.account_mail(&member.email, context::client_address()).map_err(context::too_fast)?;
        mail_link(&state, member.id, LinkPurpose::VerifyEmail).await?;
    }
    leptos_axum::redirect("/account?sent=1");
    Ok(())
}

/// Confirms the address the link was mailed to. Whoever holds the link
/// may press it, signed in or not: it proves the mailbox, not the session.
#[server(endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::domain::account::LinkPurpose;
    use crate::server::{db, store};

    let state = super::context::state()?;
    let now = state.clock.now_ms();
    let txn = db::begin_write(&state.db).await?;
    let member_id = store::accounts::use_link(&txn, &token, LinkPurpose::VerifyEmail, now).await?;
    store::accounts::confirm_email(&txn, member_id, now).await?;
    txn.commit().await?;
    leptos_axum::redirect("/verify-email?done=1");
    Ok(())
}

/// Mails a reset link if an account uses the address. The answer is the
/// same either way, so the form does not tell a stranger who has an
/// account; the limits keep it from flooding anyone's mailbox.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::domain::account::{LinkPurpose, check_email, normalize_email};
    use crate::domain::validation::FieldErrors;
    use crate::server::store;
    use crate::server_fns::context;

    let state = context::state()?;
    let email = normalize_email(&email);
    if let Err(problem) = check_email(&email) {
        let mut errors = FieldErrors::default();
        errors.add_problem("email", problem);
        return Err(errors.into());
    }
    state.limits.account_mail(&email, context::client_address()).map_err(context::too_fast)?;
    if let Some((member, _)) = store::members::find_for_sign_in(&state.db, &email).await? {
        mail_link(&state, member.id, LinkPurpose::ResetPassword).await?;
    }
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Whether a reset link may still be used, for its page to show the form
/// or say why not.
#[server(endpoint = "check_reset_link")]
pub async fn check_reset_link(token: String) -> Result<(), AppError> {
    use crate::domain::account::LinkPurpose;

    let state = super::context::state()?;
    let now = state.clock.now_ms();
    crate::server::store::accounts::check_link(&state.db, &token, LinkPurpose::ResetPassword, now).await?;
    Ok(())
}

/// Sets a new password through a reset link: every session signed in
/// before ends, this browser is signed in, and the address counts as
/// confirmed (the link reached its mailbox).
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::domain::account::{LinkPurpose, check_password};
    use crate::domain::validation::FieldErrors;
    use crate::server::{auth, db, store};
    use crate::server_fns::context;

    let state = context::state()?;
    if let Err(problem) = check_password(&password) {
        let mut errors = FieldErrors::default();
        errors.add_problem("password", problem);
        return Err(errors.into());
    }
    let now = state.clock.now_ms();
    // Checked before the slow hash, so a dead link answers at once.
    store::accounts::check_link(&state.db, &token, LinkPurpose::ResetPassword, now).await?;
    let hash = auth::hash_password(password).await?;
    let txn = db::begin_write(&state.db).await?;
    let member_id = store::accounts::use_link(&txn, &token, LinkPurpose::ResetPassword, now).await?;
    let generation = store::accounts::set_password(&txn, member_id, hash).await?;
    store::accounts::confirm_email(&txn, member_id, now).await?;
    store::accounts::tell_password_changed(&txn, member_id, now).await?;
    txn.commit().await?;
    auth::sign_in_under(&context::session().await?, member_id, generation, now).await?;
    leptos_axum::redirect("/account?reset=1");
    Ok(())
}

/// Changes the password after checking the current one (so a session left
/// open on a shared computer cannot take the account over); every other
/// session ends, this one goes on.
#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::domain::account::check_password;
    use crate::domain::validation::FieldErrors;
    use crate::server::{auth, db, store};
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let from = context::client_address();
    let now = state.clock.now_ms();
    // Guessing the current password is limited like guessing at sign-in.
    state.limits.begin_sign_in(&member.email, from, now).map_err(context::too_fast)?;
    let stored = store::accounts::password_hash(&state.db, member.id).await?;
    if !auth::verify_password(current_password, Some(stored)).await? {
        let l = crate::language::of_request();
        let refused = crate::labels::store_refusal(l, &store::Refused::WrongPassword);
        return Err(AppError::field("current_password", refused));
    }
    state.limits.sign_in_succeeded(&member.email, from);
    if let Err(problem) = check_password(&new_password) {
        let mut errors = FieldErrors::default();
        errors.add_problem("new_password", problem);
        return Err(errors.into());
    }
    let hash = auth::hash_password(new_password).await?;
    let txn = db::begin_write(&state.db).await?;
    let generation = store::accounts::set_password(&txn, member.id, hash).await?;
    store::accounts::tell_password_changed(&txn, member.id, now).await?;
    txn.commit().await?;
    auth::sign_in_under(&context::session().await?, member.id, generation, now).await?;
    leptos_axum::redirect("/account?changed=1");
    Ok(())
}

/// Ends every session of the member, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::server::{auth, store};
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    store::accounts::end_all_sessions(&state.db, member.id).await?;
    auth::sign_out(&context::session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}
