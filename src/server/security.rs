//! What every response and request passes through for safety: security
//! headers and the content security policy, the client's address, the
//! per-member post limit, and the refusal of cross-site requests.
//!
//! Refusal of cross-site state-changing requests. Leptos server functions
//! have no protection of their own, and the session cookie is sent with any
//! request the browser makes to us, so this runs in front of everything.
//!
//! The rule follows the Fetch Metadata approach (as in Go's
//! `http.CrossOriginProtection`): browsers say where a request came from in
//! `Sec-Fetch-Site`; older ones only send `Origin`, which must then name our
//! own host. Requests with neither come from outside a browser (curl, tests,
//! the bank) and carry no ambient cookie risk.

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;

use super::limits::{ClientAddress, Poster, TooFast};
use super::state::AppState;
use crate::error::AppError;

/// What a response that sets no policy of its own may do: nothing. JSON,
/// CSV, photos and static files need no script, style or frame.
const LOCKED_DOWN_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a rendered page: scripts only with this response's nonce
/// (Leptos puts it on its hydration and data scripts) and what those load
/// ('strict-dynamic'), WebAssembly compilation for the hydrated app, and
/// nothing framed, embedded or re-based. Set while the page renders,
/// because the nonce is made per request inside the Leptos context.
pub fn page_content_security_policy() {
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // `cargo leptos watch` reloads the page over a websocket on its own
    // port; Leptos' AutoReload decides by the same variable.
    static LIVE_RELOAD: std::sync::LazyLock<bool> =
        std::sync::LazyLock::new(|| std::env::var("LEPTOS_WATCH").is_ok());
    let live_reload = if *LIVE_RELOAD { " ws: wss:" } else { "" };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{live_reload}; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Headers every response carries, pages, API, photos and files alike.
pub async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // For browsers that predate `frame-ancestors`.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(LOCKED_DOWN_POLICY));
    }
    response
}

/// Notes where the request came from, for the per-address limits.
pub async fn client_address(mut request: Request<Body>, next: Next) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(peer)| ClientAddress(peer.ip()))
        .unwrap_or_default();
    request.extensions_mut().insert(address);
    next.run(request).await
}

/// Counts each state-changing request against its member (or, before
/// signing in, its address) and turns away those beyond the limit. The
/// bank's callbacks are the bank's, not a member's, and are not counted.
pub async fn limit_posts(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    // The bank's callbacks are the bank's; the merchant API counts per key.
    let path = request.uri().path();
    if !is_state_changing(request.method()) || path == "/bank/callback" || path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let member = match request.extensions().get::<tower_sessions::Session>() {
        Some(session) => super::auth::signed_in_member_id(session).await.ok().flatten(),
        None => None,
    };
    let poster = match member {
        Some(id) => Poster::Member(id),
        None => Poster::Address(request.extensions().get::<ClientAddress>().copied().unwrap_or_default().0),
    };
    match state.limits.post(poster) {
        Ok(()) => next.run(request).await,
        Err(too_fast) => {
            tracing::warn!(path = %request.uri().path(), ?poster, "refused a post over the limit");
            too_fast_response(&request, too_fast)
        }
    }
}

/// A refusal for going too fast, in the shape the caller understands: a
/// server function called by the app gets the error as JSON; a form posted
/// without JavaScript goes back to its page with the error, as Leptos does
/// for any failed form; anything else gets the message as text.
fn too_fast_response(request: &Request<Body>, too_fast: TooFast) -> Response {
    use leptos::server_fn::error::ServerFnUrlError;

    let error = AppError::TooManyRequests { retry_after_secs: too_fast.retry_after_secs };
    let retry_after = (header::RETRY_AFTER, HeaderValue::from(too_fast.retry_after_secs));
    let path = request.uri().path();
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let referer = request.headers().get(header::REFERER).and_then(|v| v.to_str().ok());
    if path.starts_with("/api/") {
        if let (true, Some(referer)) = (accepts_html, referer)
            && let Ok(back) = ServerFnUrlError::new(path, error.clone()).to_url(referer)
            && let Ok(location) = HeaderValue::from_str(back.as_str())
        {
            return (StatusCode::FOUND, [retry_after, (header::LOCATION, location)]).into_response();
        }
        let body = serde_json::to_string(&error).unwrap_or_default();
        let json = (header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return (StatusCode::TOO_MANY_REQUESTS, [retry_after, json], body).into_response();
    }
    (StatusCode::TOO_MANY_REQUESTS, [retry_after], error.to_string()).into_response()
}

pub async fn refuse_cross_site(request: Request<Body>, next: Next) -> Response {
    if is_state_changing(request.method())
        && !is_same_site(request.headers())
        && !is_bearer_api_call(&request)
    {
        tracing::warn!(
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "refused a cross-site request"
        );
        return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
    }
    next.run(request).await
}

/// A merchant API call authenticated by its key: no cookie authenticates
/// it, so a cross-site page gains nothing by sending it.
fn is_bearer_api_call(request: &Request<Body>) -> bool {
    request.uri().path().starts_with("/api/v1/")
        && request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "))
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none" is a navigation the person started themselves (address bar, bookmark).
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    // Origin is "scheme://host[:port]"; "null" (sandboxed frames, some
    // redirects) never matches.
    origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        // A sibling subdomain may be someone else's site.
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")])));
        // Fetch metadata wins over a matching Origin.
        assert!(!is_same_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://shop.test"),
            ("host", "shop.test")
        ])));
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_our_host() {
        assert!(is_same_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_site(&headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_site(&headers(&[("origin", "http://127.0.0.1:3000")])));
    }

    #[test]
    fn a_request_from_outside_a_browser_passes() {
        assert!(is_same_site(&HeaderMap::new()));
    }
}
