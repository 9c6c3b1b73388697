use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in member as pages see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub display_name: String,
    /// Notifications not yet seen, for the header.
    pub unread: u64,
    pub is_arbiter: bool,
    /// Whether they confirmed their address (else they are reminded).
    pub email_verified: bool,
}

/// The same message for an unknown email and a wrong password, so the form
/// does not tell a stranger which emails have accounts.
pub const BAD_CREDENTIALS: &str = "That email and password do not match an account";

#[server(endpoint = "current_member")]
pub async fn current_member() -> Result<Option<MemberView>, AppError> {
    let state = super::context::state()?;
    let Some(member) = super::context::member(&state).await? else {
        return Ok(None);
    };
    let unread = crate::server::store::notifications::unread_count(&state.db, member.id).await?;
    Ok(Some(MemberView {
        id: member.id,
        display_name: member.display_name,
        unread,
        is_arbiter: member.is_arbiter,
        email_verified: member.email_verified,
    }))
}

/// What sign-up answers when the email already has an account. It does not
/// say so, since that would tell a stranger who has an account; the owner is
/// told by e-mail instead.
pub const SIGN_UP_REFUSED: &str = "We could not create an account with these details. If you already have \
     one, sign in instead; we have sent a note to that address.";

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::account::NewMember;
    use crate::domain::validation::FieldErrors;
    use crate::server::{auth, store};
    use crate::server_fns::context;

    let state = context::state()?;
    state.limits.sign_up(context::client_address()).map_err(context::too_fast)?;
    let new_member = NewMember::parse(&email, &display_name, &password)?;
    // Hashed whether or not the email is taken, so both answers take as long.
    let hash = auth::hash_password(new_member.password.clone()).await?;
    let now = state.clock.now_ms();
    let txn = crate::server::db::begin_write(&state.db).await?;
    let member = match store::members::create(&txn, &new_member, hash, now).await {
        Ok(member) => member,
        Err(store::StoreError::Taken(_)) => {
            txn.rollback().await?;
            store::members::tell_owner_of_sign_up_attempt(&state.db, &new_member.email, now).await?;
            return Err(AppError::field(
                FieldErrors::FORM,
                crate::i18n::td_string!(crate::language::of_request(), refusal.sign_up_refused),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    // The language first, so the confirmation mail is written in it.
    store::members::remember_language(&txn, member.id, context::locale()).await?;
    let confirm = crate::domain::account::LinkPurpose::VerifyEmail;
    store::accounts::mail_link(&txn, member.id, confirm, &state.settings.public_url, now).await?;
    txn.commit().await?;
    auth::sign_in(&context::session().await?, &member, now).await?;
    leptos_axum::redirect(&local_path_or_home(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::domain::validation::FieldErrors;
    use crate::server::{auth, store};
    use crate::server_fns::context;

    let state = context::state()?;
    let from = context::client_address();
    state.limits.begin_sign_in(&email, from, state.clock.now_ms()).map_err(context::too_fast)?;
    let found = store::members::find_for_sign_in(&state.db, &email).await?;
    let (member, hash) = match found {
        Some((member, hash)) => (Some(member), Some(hash)),
        None => (None, None),
    };
    let matches = auth::verify_password(password, hash).await?;
    let Some(member) = member.filter(|_| matches) else {
        return Err(AppError::field(
            FieldErrors::FORM,
            crate::i18n::td_string!(crate::language::of_request(), refusal.bad_credentials),
        ));
    };
    state.limits.sign_in_succeeded(&email, from);
    auth::sign_in(&context::session().await?, &member, state.clock.now_ms()).await?;
    store::members::remember_language(&state.db, member.id, context::locale()).await?;
    leptos_axum::redirect(&local_path_or_home(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::server::auth::sign_out(&super::context::session().await?).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Where to go after signing in: the page that asked, if it is one of ours.
/// Anything else ("//evil.test", "https://…") would make us an open redirect,
/// and a character outside visible ASCII cannot go into a Location header.
pub fn local_path_or_home(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path_or_home;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path_or_home(Some("/sell")), "/sell");
        assert_eq!(local_path_or_home(Some("/item/3?x=1")), "/item/3?x=1");
        for foreign in
            ["//evil.test", "https://evil.test", "evil", "/\\evil.test", "", "/a\nb", "/路径", "/a b"]
        {
            assert_eq!(local_path_or_home(Some(foreign)), "/", "{foreign:?}");
        }
        assert_eq!(local_path_or_home(None), "/");
    }
}
