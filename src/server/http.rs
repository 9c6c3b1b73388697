//! The whole web app as one axum Router, so tests drive it in-process.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use super::redirect_errors::{drop_unsigned_errors, sign_error_redirects};
use super::security::{client_address, limit_posts, refuse_cross_site, security_headers};
use super::state::AppState;
use super::store::sessions::DbSessionStore;
use crate::app::{App, shell};

pub const SESSION_COOKIE: &str = "escrowmart_session";

/// Binds the app's listener; every connection it accepts sends small
/// writes at once. Static files go out as headers and body in two writes,
/// and with Nagle's algorithm the second waited for the client's delayed
/// ACK on a kept-alive connection: measured over one connection (wrk -c1),
/// /favicon.svg answered 78 req/s, 17 ms on average and 52 ms at worst,
/// while /healthz, one write, answered 5,357 req/s.
pub async fn listen(
    addr: std::net::SocketAddr,
) -> std::io::Result<axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)>> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    Ok(listener.tap_io(no_delay as fn(&mut tokio::net::TcpStream)))
}

fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        // A missing socket option costs latency, not correctness.
        tracing::warn!(%error, "could not set TCP_NODELAY on a connection");
    }
}
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            super::security::page_content_security_policy();
        }
    };
    let built = state.built_files.clone();
    let app_shell = {
        let (options, built) = (state.leptos_options.clone(), built.clone());
        move || shell(options.clone(), built.clone())
    };

    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::milliseconds(
            crate::domain::account::SESSION_IDLE_MS,
        )));

    let (merchant_api, openapi) = super::merchant::router();
    let openapi = std::sync::Arc::new(openapi);
    let docs = {
        // The document never changes while the server runs, so it is
        // written once.
        let page = super::merchant::docs::page(&openapi, &stylesheet_link(&built));
        move || {
            // The page carries no script; it needs only our stylesheet.
            let policy = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'";
            ([(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(policy))], page.clone())
        }
    };
    let panic_page = panic_page(&stylesheet_link(&built));
    let error_shell = {
        let built = built.clone();
        move |options| shell(options, built.clone())
    };
    Router::new()
        .merge(merchant_api)
        .route("/api/v1/openapi.json", get(move || std::future::ready(super::merchant::docs::json(&openapi))))
        .route("/api/docs", get(move || std::future::ready(docs())))
        .route("/healthz", get(healthz))
        .route("/metrics", get(super::metrics::page))
        .route("/lang/{code}", get(switch_language))
        .route("/bank/callback", post(super::bank::callback))
        .route("/wallet/statement.csv", get(statement_csv))
        .leptos_routes_with_context(&state, routes, context.clone(), app_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, error_shell))
        .layer(middleware::from_fn(limit_text_bodies))
        // Added after the text limit, so it does not apply to them: their
        // own, larger limit is in `photo_forms`.
        .merge(photo_forms())
        .layer(
            // Outermost first: every request gets an id before it is logged,
            // and a cross-site request is refused before it touches a session.
            ServiceBuilder::new()
                .layer(compression())
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(middleware::from_fn(super::metrics::track_requests))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                    let request_id =
                        request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    )
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(middleware::from_fn(security_headers))
                .layer(panic_page)
                .layer(middleware::from_fn(client_address))
                .layer(middleware::from_fn(refuse_cross_site))
                .layer(middleware::from_fn(error_status))
                .layer(middleware::from_fn(request_language))
                .layer(sessions)
                .layer(middleware::from_fn_with_state(state.clone(), super::auth::end_stale_sessions))
                .layer(middleware::from_fn_with_state(state.clone(), drop_unsigned_errors))
                .layer(middleware::from_fn_with_state(state.clone(), sign_error_redirects))
                .layer(middleware::from_fn_with_state(state.clone(), limit_posts))
                .layer(middleware::from_fn_with_state(state.clone(), super::replica::read_your_writes)),
        )
        .with_state(state.clone())
        .merge(static_files(&state, &built))
}

/// Photos, the built JS, wasm and CSS, and the icon: answered beside the
/// app, not through its middleware. They need no session, language, post
/// limit, request id or log line, and going through those fifteen layers
/// (each `from_fn` boxes the request's future; the session layer and the
/// metrics allocate per request) held /favicon.svg to 14,322 req/s against
/// the floor's 119,327 (stop 29's bench). Their security headers stay; they
/// are left out of the request metrics, as a proxy or CDN in front counts
/// them better.
fn static_files(state: &AppState, built: &crate::app::BuiltFiles) -> Router {
    let options = &state.leptos_options;
    let icon = std::path::Path::new(&*options.site_root).join("favicon.svg");
    // Not named by its content, so browsers keep it a day, not a year.
    const DAY: &str = "public, max-age=86400";
    let router = Router::new()
        .nest_service("/media", media_files(state.media.clone()))
        .nest_service(&format!("/{}", options.site_pkg_dir), built_files(options, built));
    // Every page links it; it is read once when there is one to read.
    let router = match InMemoryFile::read(&icon, DAY) {
        Ok(file) => router.route("/favicon.svg", in_memory(file)),
        Err(_) => {
            router.route_service("/favicon.svg", cached(tower_http::services::ServeFile::new(icon), DAY))
        }
    };
    router.layer(middleware::from_fn(security_headers))
}

/// The most a request without photos may send: a listing's description
/// of 5,000 Chinese characters is 45 KB as a form, an escrow with every
/// line and note filled in about 60 KB as JSON.
pub const TEXT_BODY_LIMIT: usize = 256 * 1024;

/// Refuses a body over [`TEXT_BODY_LIMIT`] with 413 before reading it
/// whole: at once when its length is declared, else as soon as more has
/// arrived than the limit. Neither Leptos' server functions nor a
/// hand-read body have a limit of their own (axum's default applies only
/// to its extractors), so without this a client could stream gigabytes
/// into memory.
async fn limit_text_bodies(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "This request is too large").into_response();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > TEXT_BODY_LIMIT as u64 => too_large(),
        Some(_) => next.run(request).await,
        // Nothing to read (a page load): no copy.
        None if axum::body::HttpBody::size_hint(request.body()).exact() == Some(0) => next.run(request).await,
        None => {
            // Streamed with no length: read it here, up to the limit.
            let (parts, body) = request.into_parts();
            match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, TEXT_BODY_LIMIT)).await
            {
                Ok(collected) => next.run(Request::from_parts(parts, Body::from(collected.to_bytes()))).await,
                Err(e) if e.is::<http_body_util::LengthLimitError>() => too_large(),
                Err(e) => {
                    tracing::info!(error = %e, "request body could not be read");
                    (StatusCode::BAD_REQUEST, "The request body could not be read").into_response()
                }
            }
        }
    }
}

/// Forms with photos of 5 MB each, plus text: up to eight for a listing,
/// four for everything else.
fn photo_forms() -> Router<AppState> {
    use super::forms;
    let limit =
        |photos: usize| axum::extract::DefaultBodyLimit::max(photos * super::media::MAX_BYTES + 256 * 1024);
    let listing_photos = Router::new()
        .route("/item/{id}/photos", post(forms::add_listing_photos))
        .layer(limit(crate::domain::listing::PHOTOS_PER_LISTING));
    Router::new()
        .route("/orders/{id}/refund", post(forms::request_refund))
        .route("/orders/{id}/dispute-return", post(forms::dispute_return))
        .route("/orders/{id}/messages", post(forms::post_message))
        .route("/orders/{id}/claim", post(forms::file_claim))
        .layer(limit(crate::domain::message::PHOTOS_PER_MESSAGE))
        .merge(listing_photos)
}

/// Stored photos never change (each has a fresh random name), so browsers
/// may keep them for a year. They are answered from the media store's
/// memory when asked for lately: through ServeDir (a metadata call, an open
/// and chunked reads, each a trip to tokio's blocking threads) a photo ran at
/// 0.12 of the floor's in-memory file.
fn media_files(media: std::sync::Arc<super::media::MediaStore>) -> Router {
    let answer = move |axum::extract::Path(file_name): axum::extract::Path<String>| {
        let media = media.clone();
        async move {
            let Some(photo) = media.photo(&file_name).await else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let headers = [
                (header::CONTENT_TYPE, header::HeaderValue::from_static("image/jpeg")),
                (header::CACHE_CONTROL, header::HeaderValue::from_static(YEAR_IMMUTABLE)),
            ];
            (headers, photo).into_response()
        }
    };
    Router::new().route("/{file_name}", get(answer))
}

/// The built JS, wasm and CSS. cargo-leptos (`hash-files`) names them by
/// their content, so browsers may keep them for a year; a build without
/// hashed names (tests, a bare `cargo build`) keeps the plain names, which
/// must be asked for again each time. The brotli and gzip copies written by
/// `cargo leptos build --precompress` are sent to browsers that take them.
///
/// Under hashed names the three files of this build never change while the
/// server runs, so they are read once and answered from memory (about 4.6 MB
/// with their compressed copies); anything else under /pkg goes to the disk.
fn built_files(options: &LeptosOptions, built: &crate::app::BuiltFiles) -> Router {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let mut files = Router::new();
    if options.hash_files {
        for path in [&built.stylesheet, &built.script, &built.wasm] {
            let Some(name) = path.rsplit('/').next() else { continue };
            match InMemoryFile::read(&dir.join(name), YEAR_IMMUTABLE) {
                Ok(file) => files = files.route(&format!("/{name}"), in_memory(file)),
                Err(error) => {
                    tracing::warn!(%error, name, "a built file is missing; it is looked for on each request")
                }
            }
        }
    }
    let on_disk = tower_http::services::ServeDir::new(dir).precompressed_br().precompressed_gzip();
    files
        .fallback_service(cached(on_disk, if options.hash_files { YEAR_IMMUTABLE } else { "no-cache" }))
        .layer(middleware::map_response(varies_by_encoding))
}

fn in_memory(file: InMemoryFile) -> axum::routing::MethodRouter {
    let file = std::sync::Arc::new(file);
    get(move |headers: axum::http::HeaderMap| std::future::ready(file.answer(&headers)))
}

/// A file and the brotli and gzip copies beside it, if there are any.
struct InMemoryFile {
    content_type: header::HeaderValue,
    cache_control: &'static str,
    identity: axum::body::Bytes,
    brotli: Option<axum::body::Bytes>,
    gzip: Option<axum::body::Bytes>,
}

impl InMemoryFile {
    fn read(path: &std::path::Path, cache_control: &'static str) -> std::io::Result<Self> {
        let copy = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::read(name).ok().map(axum::body::Bytes::from)
        };
        let content_type = mime_guess::from_path(path).first_or_octet_stream();
        Ok(Self {
            content_type: header::HeaderValue::from_str(content_type.as_ref())
                .unwrap_or(header::HeaderValue::from_static("application/octet-stream")),
            cache_control,
            identity: std::fs::read(path)?.into(),
            brotli: copy(".br"),
            gzip: copy(".gz"),
        })
    }

    /// The smallest copy the client takes (ranges are not offered: browsers
    /// fetch these whole).
    fn answer(&self, request: &axum::http::HeaderMap) -> Response {
        let accepted = request.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (encoding, body) = match (&self.brotli, &self.gzip) {
            (Some(brotli), _) if coding_weight(accepted, "br") > 0.0 => (Some("br"), brotli.clone()),
            (_, Some(gzip)) if coding_weight(accepted, "gzip") > 0.0 => (Some("gzip"), gzip.clone()),
            _ => (None, self.identity.clone()),
        };
        let mut response = Response::new(Body::from(body));
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static(self.cache_control));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, header::HeaderValue::from_static(encoding));
        }
        if self.brotli.is_some() || self.gzip.is_some() {
            headers.insert(header::VARY, header::HeaderValue::from_static("accept-encoding"));
        }
        response
    }
}

/// The weight (`q`) an Accept-Encoding header gives a content coding: its
/// own entry, else `*`'s, else 0. A missing `q` is 1.
fn coding_weight(accept_encoding: &str, coding: &str) -> f32 {
    let mut wildcard = 0.0;
    for entry in accept_encoding.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let weight = parts
            .find_map(|param| param.strip_prefix("q=").or_else(|| param.strip_prefix("Q=")))
            .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        if name.eq_ignore_ascii_case(coding) {
            return weight;
        }
        if name == "*" {
            wildcard = weight;
        }
    }
    wildcard
}

/// ServeDir picks the brotli or gzip copy by Accept-Encoding but does not
/// say so; without `Vary` a shared cache could hand brotli to a client that
/// cannot read it, and keep doing so for a year.
async fn varies_by_encoding(mut response: Response) -> Response {
    response.headers_mut().entry(header::VARY).or_insert(header::HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether the build beside this binary named the built files by their
/// content. cargo-leptos lists the names in a file next to the binary and
/// tells leptos so only when it starts the server itself; `make run`, the
/// tests and the benchmarks start the binary directly, so the list being
/// there is what tells.
pub fn built_names_are_hashed(options: &LeptosOptions) -> bool {
    hash_list(options).is_some_and(|list| list.is_file())
}

fn hash_list(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(&*options.hash_file))
}

/// The built files' names, read once at start: from the hash list (lines such as
/// `css: 7f3a…`) when the names are hashed, else the plain names. A bare
/// `cargo build` (no LEPTOS_OUTPUT_NAME) leaves wasm-bindgen's `_bg` on the
/// wasm, as leptos expects.
pub fn built_file_names(options: &LeptosOptions) -> crate::app::BuiltFiles {
    let list = if options.hash_files {
        match hash_list(options).map(std::fs::read_to_string) {
            Some(Ok(list)) => list,
            other => {
                tracing::error!(?other, "the built files are named by hash, but their list cannot be read");
                String::new()
            }
        }
    } else {
        String::new()
    };
    names_from_hash_list(options, &list)
}

fn names_from_hash_list(options: &LeptosOptions, list: &str) -> crate::app::BuiltFiles {
    let hash_of = |kind: &str| {
        list.lines()
            .filter_map(|line| line.trim().split_once(':'))
            .find(|(file, _)| *file == kind)
            .map(|(_, hash)| format!(".{}", hash.trim()))
            .unwrap_or_default()
    };
    let name = &options.output_name;
    let pkg = &options.site_pkg_dir;
    let wasm_suffix =
        if options.hash_files || option_env!("LEPTOS_OUTPUT_NAME").is_some() { "" } else { "_bg" };
    crate::app::BuiltFiles {
        stylesheet: format!("/{pkg}/{name}{}.css", hash_of("css")),
        script: format!("/{pkg}/{name}{}.js", hash_of("js")),
        wasm: format!("/{pkg}/{name}{}{wasm_suffix}.wasm", hash_of("wasm")),
    }
}

const YEAR_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Files with a cache lifetime on what was found; a 404 is not kept, as the
/// file may appear (an instance still on the previous build, a photo being
/// written).
fn cached<Files, FileBody>(
    files: Files,
    cache_control: &'static str,
) -> impl tower::Service<
    Request<Body>,
    Response = Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static
where
    Files: tower::Service<
            Request<Body>,
            Response = axum::http::Response<FileBody>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    Files::Future: Send + 'static,
    FileBody: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    FileBody::Error: Into<axum::BoxError>,
{
    use tower::Layer;
    let lifetime = header::HeaderValue::from_static(cache_control);
    middleware::map_response(move |mut response: axum::http::Response<FileBody>| {
        let lifetime = lifetime.clone();
        async move {
            let status = response.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                response.headers_mut().insert(header::CACHE_CONTROL, lifetime);
            }
            response
        }
    })
    .layer(files)
}

/// The `<link>` to the site's stylesheet under its built name, for pages
/// written outside Leptos (the API docs).
fn stylesheet_link(built: &crate::app::BuiltFiles) -> String {
    format!(
        r#"<link rel="stylesheet" href="{}">"#,
        html_escape::encode_double_quoted_attribute(&built.stylesheet)
    )
}

/// A panic on a request path is a bug (none may panic), but if one slips
/// through the visitor still gets a page in the site's look with a way back,
/// and the panic is logged with the request; otherwise hyper drops the
/// connection and the browser shows its own error. The language of the
/// request is not known here, so the page says it in both.
pub fn panic_page(
    stylesheet_link: &str,
) -> tower_http::catch_panic::CatchPanicLayer<
    impl Fn(Box<dyn std::any::Any + Send>) -> Response<Body> + Clone + use<>,
> {
    let page = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>出错了 · Something went wrong · Escrowmart</title>{stylesheet_link}</head>\
         <body><main class=\"page\" id=\"content\"><section class=\"notice notice--error\" role=\"alert\">\
         <h1>我们这边出了问题</h1><p>请稍后重试。</p>\
         <h2 lang=\"en\">Something went wrong on our side</h2><p lang=\"en\">Please try again in a moment.</p>\
         <p class=\"notice__actions\"><a class=\"button button--primary\" href=\"/\">返回首页 · <span lang=\"en\">Back to the shop</span></a></p>\
         </section></main></body></html>"
    );
    tower_http::catch_panic::CatchPanicLayer::custom(move |panic: Box<dyn std::any::Any + Send>| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = %message, "a request handler panicked");
        let mut response = Response::new(Body::from(page.clone()));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=utf-8"));
        response
    })
}

/// HTML, JSON, CSV, JS and wasm go out compressed to clients that accept it
/// (the home page: 23 KB as it is). Files already precompressed keep their
/// encoding, and images are left as they are (the default predicate). The
/// pages carry no secret an attacker could guess at through the size of a
/// compressed answer (no CSRF token: cross-site posts are refused by
/// origin), so compressing them leaks nothing (BREACH).
fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new().br(true).zstd(true).gzip(true).no_deflate()
}

#[derive(serde::Deserialize)]
struct SwitchLanguage {
    back: Option<String>,
}

/// The header's language switcher: remembers the choice for a year and goes
/// back to the page it was on. A plain link, so it works without
/// JavaScript, and a full page load, so every part of the page (the head,
/// dates written by the server) changes language together.
async fn switch_language(
    State(state): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<SwitchLanguage>,
) -> Response {
    use std::str::FromStr;

    use crate::language;
    let Ok(locale) = language::Locale::from_str(&code) else {
        return (StatusCode::NOT_FOUND, "No such language").into_response();
    };
    let back = crate::server_fns::auth::local_path_or_home(query.back.as_deref());
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path=/; Max-Age={}; SameSite=Lax{secure}",
        language::COOKIE,
        language::code(locale),
        language::COOKIE_MAX_AGE_SECS
    );
    (StatusCode::SEE_OTHER, [(header::LOCATION, back), (header::SET_COOKIE, cookie)]).into_response()
}

/// How long the health check waits for the database. Without it, a ping
/// during a PostgreSQL restart waited for the pool's 10 s acquire timeout,
/// so a load balancer saw a hanging check instead of a 503.
const HEALTH_DB_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// 200 when the database answers, 503 when it does not (or not within a
/// second) or the process is stopping.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.stopping.load(std::sync::atomic::Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping");
    }
    match tokio::time::timeout(HEALTH_DB_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::error!("health check: the database did not answer within {HEALTH_DB_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The signed-in member's statement as CSV, oldest first.
async fn statement_csv(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    headers: axum::http::HeaderMap,
) -> Response {
    let member = match super::auth::signed_in_member_id(&session).await {
        Ok(Some(id)) => id,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please sign in first").into_response(),
        Err(e) => return internal_error(&e),
    };
    let lines = match super::store::ledger::statement(&state.db, member).await {
        Ok(lines) => lines,
        Err(e) => return internal_error(&e),
    };
    match statement_to_csv(crate::language::of_headers(&headers), &lines) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"escrowmart-statement.csv\""),
            ],
            body,
        )
            .into_response(),
        Err(e) => internal_error(&e),
    }
}

/// The statement in the asker's language: headers, dates and descriptions
/// (amounts stay plain numbers, for spreadsheets).
fn statement_to_csv(
    l: crate::language::Locale,
    lines: &[super::store::ledger::StatementLine],
) -> Result<Vec<u8>, csv::Error> {
    use crate::domain::money::fen_text;
    use crate::i18n::td_string;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        td_string!(l, csv.date),
        td_string!(l, csv.description),
        td_string!(l, csv.order),
        td_string!(l, csv.amount),
        td_string!(l, csv.balance),
    ])?;
    for line in lines {
        writer.write_record([
            crate::language::format_datetime(l, line.at),
            crate::labels::transfer(l, line.kind).to_owned(),
            line.order_id.map(|id| id.to_string()).unwrap_or_default(),
            fen_text(line.change_fen),
            fen_text(line.balance_after_fen),
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

pub(crate) fn internal_error(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "request failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side; please try again").into_response()
}

/// Every request is handled knowing its language (see `language::of_request`).
async fn request_language(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let locale = crate::language::of_headers(request.headers());
    crate::language::within(locale, next.run(request)).await
}

/// Leptos answers every failed server function with 500. The error inside
/// says what kind of failure it was, so the status is corrected here, in one
/// place: a refusal is the caller's (4xx), only a fault of ours stays 500.
async fn error_status(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status = error.status();
        if let crate::error::AppError::TooManyRequests { retry_after_secs } = error {
            parts.headers.insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_names_come_from_the_hash_list_or_are_plain() {
        let mut options = LeptosOptions::builder().output_name("escrowmart").build();
        options.site_pkg_dir = "pkg".into();
        options.hash_files = true;
        let hashed = names_from_hash_list(&options, "js: Jh-1\ncss: Cs_2\n wasm: Wa3 \n");
        assert_eq!(hashed.stylesheet, "/pkg/escrowmart.Cs_2.css");
        assert_eq!(hashed.script, "/pkg/escrowmart.Jh-1.js");
        assert_eq!(hashed.wasm, "/pkg/escrowmart.Wa3.wasm");
        options.hash_files = false;
        let plain = names_from_hash_list(&options, "");
        assert_eq!(plain.stylesheet, "/pkg/escrowmart.css");
        assert_eq!(plain.script, "/pkg/escrowmart.js");
        // Built by cargo-leptos, the wasm has no `_bg`; by a bare cargo build it has.
        let bg = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { "" } else { "_bg" };
        assert_eq!(plain.wasm, format!("/pkg/escrowmart{bg}.wasm"));
    }

    #[test]
    fn a_coding_weighs_what_its_entry_or_the_wildcard_says() {
        assert_eq!(coding_weight("gzip, deflate, br, zstd", "br"), 1.0);
        assert_eq!(coding_weight("gzip;q=0.8, br;q=0", "br"), 0.0);
        assert_eq!(coding_weight("gzip;q=0.8, br;q=0", "gzip"), 0.8);
        assert_eq!(coding_weight("*;q=0.5", "br"), 0.5);
        assert_eq!(coding_weight("identity", "br"), 0.0);
        assert_eq!(coding_weight("", "gzip"), 0.0);
        assert_eq!(coding_weight("BR ; q=0.3", "br"), 0.3);
        assert_eq!(coding_weight("br;q=x", "br"), 0.0, "an unreadable weight takes nothing");
    }
}
