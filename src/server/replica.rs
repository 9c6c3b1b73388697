//! Reads that may be a moment stale (the home, search, category, item and
//! seller pages, `/stats`) go to a streaming replica when one is configured
//! (`DATABASE_READ_URL`); everything that decides money, and every member's
//! own pages, read the primary.
//!
//! A member who has just written must still see their write on those pages
//! (a seller's new listing on their seller page), though the replica may
//! not have replayed it yet. So a request that commits a write answers with
//! a short-lived cookie, and a request carrying it reads the primary: the
//! way Rails' `DatabaseSelector` keeps reads on the primary for a delay
//! after a write. The cookie only ever makes reads fresher, so it needs no
//! signature, and it works across instances because it travels with the
//! browser. The window outlasts the lag seen on one machine by far: the
//! replica test measures the lag (a few milliseconds here) and pauses
//! replay to prove a member's reads in the window skip the replica.

use std::cell::Cell;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::state::AppState;

/// Present while the member's own writes may not have reached the replica.
pub const WROTE_COOKIE: &str = "escrowmart_wrote";

tokio::task_local! {
    static WROTE: Cell<bool>;
}

/// A write transaction committed within the current request.
pub fn note_write() {
    // Outside a request (the workers, the CLI) nobody reads afterwards.
    let _ = WROTE.try_with(|wrote| wrote.set(true));
}

/// Whether this request comes from someone who wrote within the window.
pub fn wrote_lately(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).any(|cookies| {
        cookies
            .split(';')
            .any(|pair| pair.trim().split_once('=').is_some_and(|(name, _)| name == WROTE_COOKIE))
    })
}

/// Marks answers to requests that wrote, when a replica serves reads.
pub async fn read_your_writes(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    if state.replica.is_none() {
        return next.run(request).await;
    }
    let (mut response, wrote) = WROTE
        .scope(Cell::new(false), async {
            let response = next.run(request).await;
            (response, WROTE.with(Cell::get))
        })
        .await;
    if wrote {
        let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{WROTE_COOKIE}=1; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            state.settings.read_your_writes_for.as_secs().max(1)
        );
        // The name and a number: always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
