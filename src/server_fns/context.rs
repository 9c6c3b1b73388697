//! What every server function needs from the request: the app state, the
//! session and the member asking.

use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::error::AppError;
use crate::server::auth;
use crate::server::state::AppState;
use crate::server::store::commands::{Actor, Command, Executed, Outcome};
use crate::server::store::{self, members::Member};

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The database for a read that may be a moment stale (public pages): the
/// replica when there is one, unless the member asking wrote lately
/// (see `server::replica`).
pub fn read_db(state: &AppState) -> sea_orm::DatabaseConnection {
    let wrote_lately = use_context::<http::request::Parts>()
        .is_some_and(|parts| crate::server::replica::wrote_lately(&parts.headers));
    state.reads(wrote_lately).clone()
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// Where the request came from, for the per-address limits.
pub fn client_address() -> crate::server::limits::ClientAddress {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::server::limits::ClientAddress>().copied())
        .unwrap_or_default()
}

/// A refusal for asking too often.
pub fn too_fast(refusal: crate::server::limits::TooFast) -> AppError {
    AppError::TooManyRequests { retry_after_secs: refusal.retry_after_secs }
}

/// The signed-in member, if any. A session naming a member who no longer
/// exists counts as signed out.
pub async fn member(state: &AppState) -> Result<Option<Member>, AppError> {
    let session = session().await?;
    let Some(id) = auth::signed_in_member_id(&session).await? else {
        return Ok(None);
    };
    Ok(store::members::find(&state.db, id).await?)
}

/// The signed-in member, or [`AppError::SignInRequired`].
pub async fn require_member(state: &AppState) -> Result<Member, AppError> {
    member(state).await?.ok_or(AppError::SignInRequired)
}

/// The signed-in arbiter, or [`AppError::Forbidden`] for anyone else.
pub async fn require_arbiter(state: &AppState) -> Result<Member, AppError> {
    let member = require_member(state).await?;
    if member.is_arbiter { Ok(member) } else { Err(AppError::Forbidden) }
}

/// Runs a command through the store's one door as `actor`, once per form
/// key when a key is given.
pub async fn execute(
    state: &AppState,
    actor: Actor,
    form_key: Option<&str>,
    command: Command,
) -> Result<Executed, AppError> {
    Ok(store::commands::run(&state.db, actor, form_key, command, state.clock.now_ms(), &state.rules).await?)
}

/// Runs a command as the signed-in member and sends the browser to the page
/// its outcome belongs to (the same page for a replay).
pub async fn execute_as_member(command: Command, form_key: Option<&str>) -> Result<Executed, AppError> {
    let state = self::state()?;
    let member = require_member(&state).await?;
    let executed = execute(&state, Actor::Member(member.id), form_key, command).await?;
    leptos_axum::redirect(&page_of(&executed.outcome));
    Ok(executed)
}

/// The page that shows what a command did.
pub fn page_of(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Order(order_id)
        | Outcome::Claim { order_id, .. }
        | Outcome::Message { order_id, .. }
        | Outcome::Bank { pay_order_id: Some(order_id), .. } => format!("/orders/{order_id}"),
        Outcome::Listing { listing_id, .. } => format!("/item/{listing_id}"),
        Outcome::Escrow { public_id, order_id: Some(_) } => format!("/checkout/{public_id}/return"),
        Outcome::Escrow { order_id: None, .. } | Outcome::Merchant { .. } => "/merchant".into(),
        Outcome::Bank { pay_order_id: None, .. } | Outcome::AlreadySettled | Outcome::Done => {
            "/wallet".into()
        }
    }
}

pub fn photo_url(file: &str) -> String {
    crate::server::media::url(file, false)
}

pub fn thumb_url(file: &str) -> String {
    crate::server::media::url(file, true)
}

/// A date in the asker's language: `2026年11月26日` / `26 Nov 2026` (UTC).
pub fn format_date(ms: i64) -> String {
    crate::language::format_date(locale(), ms)
}

/// A date and time in the asker's language.
pub fn format_datetime(ms: i64) -> String {
    crate::language::format_datetime(locale(), ms)
}

/// The asker's language.
pub fn locale() -> crate::language::Locale {
    crate::language::of_request()
}

/// A fresh key for a money form, so its repeat submission changes nothing.
pub fn new_form_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether this request is a plain form post, from a browser without
/// JavaScript: Leptos answers it by sending the browser back to the form's
/// page (server_fn 0.8 tells it by `Accept: text/html`), not with data.
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(str::to_owned))
        .is_some_and(|accept| accept.contains("text/html"))
}

fn typed_key(form: &str) -> String {
    format!("typed:{form}")
}

/// Keeps what was typed into a form whose plain post failed, for the page it
/// goes back to: that page is drawn afresh and would show the fields empty
/// (with JavaScript the form never leaves the page, so nothing is kept). The
/// page takes it back once with [`take_typed`].
pub async fn keep_typed<T: serde::Serialize>(form: &str, typed: &T) -> Result<(), AppError> {
    if !is_plain_form_post() {
        return Ok(());
    }
    session().await?.insert(&typed_key(form), typed).await.map_err(|e| {
        tracing::error!(error = %e, "could not keep a form's typed values");
        AppError::Internal
    })
}

/// What [`keep_typed`] kept for `form`, removed from the session as it is read.
pub async fn take_typed<T: serde::de::DeserializeOwned>(form: &str) -> Result<Option<T>, AppError> {
    // A value that no longer reads as `T` (a release changed the form) is
    // only lost text, not an error.
    Ok(session().await?.remove::<T>(&typed_key(form)).await.unwrap_or_default())
}
