//! A form posted without JavaScript that fails comes back to its page with
//! the error in the address: Leptos puts the serialized error in `__err`
//! (and the action's path in `__path`), our photo forms put theirs in
//! `error`. Anyone can write such an address, so a link could show text of
//! an attacker's choosing inside the site's red alert box ("your account is
//! locked, call …"), a phishing aid.
//!
//! So, in one place for every form: each redirect that carries an error is
//! signed here (HMAC-SHA256 over the time, the visitor's session, the page
//! and the error), and a page request whose error is not signed by us, for
//! this session, within ten minutes, is sent to the same page without it.
//! The error a page shows is then always one our server produced for that
//! visitor.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::state::AppState;

/// The query parameters that carry an error back to a page.
const ERROR_PARAMS: [&str; 3] = ["__path", "__err", "error"];
const SIGNATURE_PARAM: &str = "__sig";
const VALID_FOR_MS: i64 = 10 * 60 * 1000;

/// Signs the error in a redirect's `Location`, if it carries one.
pub async fn sign_error_redirects(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let session = session_id(&request);
    let mut response = next.run(request).await;
    if !response.status().is_redirection() {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    let address = Address::split(location);
    let params = address.params();
    if !carries_error(&params) {
        return response;
    }
    let now = state.clock.now_ms();
    let signature = sign(&state.settings.link_secret, now, &session, address.path(), &params);
    let mut kept: Vec<(String, String)> = params.into_iter().filter(|(k, _)| k != SIGNATURE_PARAM).collect();
    kept.push((SIGNATURE_PARAM.to_owned(), format!("{now}.{signature}")));
    if let Ok(value) = HeaderValue::from_str(&address.with_params(&kept)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Sends a page request whose error is not ours to the page without it.
pub async fn drop_unsigned_errors(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let Some(query) = request.uri().query() else {
        return next.run(request).await;
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    if !carries_error(&params) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let session = session_id(&request);
    if signed_by_us(&state, &session, &path, &params) {
        return next.run(request).await;
    }
    tracing::info!(%path, "dropped an error message this server did not sign");
    let kept: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| !ERROR_PARAMS.contains(&k.as_str()) && k != SIGNATURE_PARAM)
        .collect();
    let clean = Address { base: &path, query: None, fragment: None }.with_params(&kept);
    (StatusCode::SEE_OTHER, Redirect::to(&clean)).into_response()
}

fn carries_error(params: &[(String, String)]) -> bool {
    params.iter().any(|(k, _)| ERROR_PARAMS.contains(&k.as_str()))
}

fn session_id(request: &Request<Body>) -> String {
    request
        .extensions()
        .get::<tower_sessions::Session>()
        .and_then(tower_sessions::Session::id)
        .map(|id| id.to_string())
        .unwrap_or_default()
}

fn signed_by_us(state: &AppState, session: &str, path: &str, params: &[(String, String)]) -> bool {
    let Some((_, stamp)) = params.iter().rev().find(|(k, _)| k == SIGNATURE_PARAM) else {
        return false;
    };
    let Some((at, signature)) = stamp.split_once('.') else {
        return false;
    };
    let (Ok(at), Ok(signature)) = (at.parse::<i64>(), hex::decode(signature)) else {
        return false;
    };
    let age = state.clock.now_ms() - at;
    if !(0..=VALID_FOR_MS).contains(&age) {
        return false;
    }
    mac(&state.settings.link_secret, at, session, path, params)
        .is_some_and(|m| m.verify_slice(&signature).is_ok())
}

fn sign(secret: &[u8], at: i64, session: &str, path: &str, params: &[(String, String)]) -> String {
    mac(secret, at, session, path, params).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// The MAC over everything a signature vouches for. Each part is
/// length-prefixed, so no two different inputs run together the same way.
fn mac(
    secret: &[u8],
    at: i64,
    session: &str,
    path: &str,
    params: &[(String, String)],
) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    let mut part = |bytes: &[u8]| {
        mac.update(&(bytes.len() as u64).to_be_bytes());
        mac.update(bytes);
    };
    part(at.to_string().as_bytes());
    part(session.as_bytes());
    part(path.as_bytes());
    for name in ERROR_PARAMS {
        for (_, value) in params.iter().filter(|(k, _)| k == name) {
            part(name.as_bytes());
            part(value.as_bytes());
        }
    }
    Some(mac)
}

/// A `Location` or request target cut at its query and fragment.
struct Address<'a> {
    /// Everything before the query: `/orders/5` or `http://host/orders/5`.
    base: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> Address<'a> {
    fn split(location: &'a str) -> Self {
        let (rest, fragment) = match location.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (location, None),
        };
        let (base, query) = match rest.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (rest, None),
        };
        Self { base, query, fragment }
    }

    /// The path alone, as the page request will carry it.
    fn path(&self) -> &'a str {
        match self.base.split_once("://") {
            Some((_, after_scheme)) => after_scheme.find('/').map_or("/", |i| &after_scheme[i..]),
            None => self.base,
        }
    }

    fn params(&self) -> Vec<(String, String)> {
        self.query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
    }

    fn with_params(&self, params: &[(String, String)]) -> String {
        let mut out = self.base.to_owned();
        if !params.is_empty() {
            out.push('?');
            out.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish());
        }
        if let Some(fragment) = self.fragment {
            out.push('#');
            out.push_str(fragment);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn an_address_splits_into_path_query_and_fragment() {
        let absolute = Address::split("http://127.0.0.1:3000/orders/5?error=x#refund");
        assert_eq!(absolute.path(), "/orders/5");
        assert_eq!(absolute.params(), pairs(&[("error", "x")]));
        assert_eq!(
            absolute.with_params(&pairs(&[("a", "b c")])),
            "http://127.0.0.1:3000/orders/5?a=b+c#refund"
        );
        let relative = Address::split("/item/3/edit?error=x");
        assert_eq!(relative.path(), "/item/3/edit");
        assert_eq!(relative.with_params(&[]), "/item/3/edit");
        assert_eq!(Address::split("http://host").path(), "/");
    }

    #[test]
    fn a_signature_covers_the_time_the_session_the_page_and_every_error_part() {
        let params = pairs(&[("next", "/sell"), ("__path", "/api/sign_in"), ("__err", "e30")]);
        let signature = sign(b"secret", 1, "session", "/signin", &params);
        assert_eq!(signature, sign(b"secret", 1, "session", "/signin", &params));
        assert_eq!(
            signature,
            sign(b"secret", 1, "session", "/signin", &pairs(&[("__path", "/api/sign_in"), ("__err", "e30")])),
            "other parameters are not part of it"
        );
        for other in [
            sign(b"other secret", 1, "session", "/signin", &params),
            sign(b"secret", 2, "session", "/signin", &params),
            sign(b"secret", 1, "another session", "/signin", &params),
            sign(b"secret", 1, "session", "/orders/1", &params),
            sign(b"secret", 1, "session", "/signin", &pairs(&[("__path", "/api/sign_in"), ("__err", "e31")])),
            sign(b"secret", 1, "session", "/signin", &pairs(&[("__path", "/api/sign_up"), ("__err", "e30")])),
        ] {
            assert_ne!(signature, other);
        }
    }
}
