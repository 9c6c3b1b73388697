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
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_site(request: Request<Body>, next: Next) -> Response {
    if is_state_changing(request.method()) && !is_same_site(request.headers()) {
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
