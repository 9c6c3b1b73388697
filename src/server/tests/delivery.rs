//! How answers travel: compressed for clients that accept it, built files
//! cached as long as their names allow.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tokio::io::AsyncReadExt;

use super::support::{TestApp, TestResponse};

async fn decoded(response: &TestResponse) -> String {
    use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZstdDecoder};
    let compressed = &response.bytes[..];
    let mut plain = Vec::new();
    let encoding = response.headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    match encoding {
        Some("br") => BrotliDecoder::new(compressed).read_to_end(&mut plain).await,
        Some("gzip") => GzipDecoder::new(compressed).read_to_end(&mut plain).await,
        Some("zstd") => ZstdDecoder::new(compressed).read_to_end(&mut plain).await,
        other => panic!("not compressed: {other:?}"),
    }
    .expect("decodes");
    String::from_utf8(plain).expect("UTF-8")
}

async fn get_accepting(client: &mut super::support::Client, path: &str, encodings: &str) -> TestResponse {
    let request = Request::get(path).header(header::ACCEPT, "*/*").header(header::ACCEPT_ENCODING, encodings);
    client.send(request, Body::empty()).await
}

#[tokio::test]
async fn pages_json_and_csv_go_out_compressed_in_the_encoding_the_client_takes() {
    let app = TestApp::new().await;
    let mut buyer = app.member("buyer@example.com", "Buyer").await;

    let plain = buyer.get("/").await;
    assert_eq!(plain.headers.get(header::CONTENT_ENCODING), None, "a client that takes no encoding");

    let page = get_accepting(&mut buyer, "/", "br").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers.get(header::VARY).and_then(|v| v.to_str().ok()), Some("accept-encoding"));
    let html = decoded(&page).await;
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("Buyer"),
        "the signed-in home page: {html:.200}"
    );
    assert!(page.bytes.len() * 2 < html.len(), "{} bytes for {} of HTML", page.bytes.len(), html.len());

    let document = get_accepting(&mut buyer, "/api/v1/openapi.json", "gzip").await;
    let json: serde_json::Value = serde_json::from_str(&decoded(&document).await).expect("JSON");
    assert_eq!(json["openapi"], "3.1.0");

    let statement = get_accepting(&mut buyer, "/wallet/statement.csv", "zstd;q=1, gzip;q=0.5").await;
    assert_eq!(statement.headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("zstd"));
    assert_eq!(decoded(&statement).await.lines().next(), Some("date,description,order,amount,balance"));
}

/// The app serving a site as cargo-leptos builds it: the CSS under its
/// hashed name with a brotli copy beside it.
fn serving_built_site(app: &TestApp, site: &std::path::Path, hashed: bool) -> super::support::Client {
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("escrowmart.Ab-9.css"), "body { color: black }").expect("css");
    std::fs::write(pkg.join("escrowmart.Ab-9.css.br"), b"brotli bytes").expect("css.br");
    std::fs::write(site.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").expect("icon");
    let mut state = crate::server::state::AppStateInner::clone(&app.state);
    state.leptos_options.site_root = site.to_string_lossy().as_ref().into();
    state.leptos_options.hash_files = hashed;
    if hashed {
        state.built_files.stylesheet = "/pkg/escrowmart.Ab-9.css".to_owned();
    }
    TestApp::client_of(crate::server::http::router(crate::server::state::AppState::new(state)))
}

#[tokio::test]
async fn built_files_with_hashed_names_are_kept_a_year_and_sent_as_precompressed() {
    let app = TestApp::new().await;
    let site = tempfile::tempdir().expect("site dir");
    let mut browser = serving_built_site(&app, site.path(), true);

    let css = get_accepting(&mut browser, "/pkg/escrowmart.Ab-9.css", "gzip, br").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), Some("br"));
    assert_eq!(&css.bytes[..], b"brotli bytes", "the file written at build time, not compressed again");
    assert_eq!(css.headers.get(header::VARY).and_then(|v| v.to_str().ok()), Some("accept-encoding"));
    let cache = css.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok());
    assert_eq!(cache, Some("public, max-age=31536000, immutable"));

    // This build's files are read once, at start, and answered from memory.
    std::fs::write(site.path().join("pkg/escrowmart.Ab-9.css"), "changed on disk").expect("rewrite");
    let plain = get_accepting(&mut browser, "/pkg/escrowmart.Ab-9.css", "identity").await;
    assert_eq!(plain.body, "body { color: black }");
    assert_eq!(plain.headers.get(header::CONTENT_ENCODING), None);
    assert_eq!(plain.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("text/css"));
    let gzip_only = get_accepting(&mut browser, "/pkg/escrowmart.Ab-9.css", "gzip, br;q=0").await;
    assert_eq!(gzip_only.body, "body { color: black }", "no gzip copy: the file as it is");

    let missing = browser.get("/pkg/escrowmart.Zz-0.css").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.headers.get(header::CACHE_CONTROL),
        None,
        "a missing file may appear with the next build"
    );
}

/// Files are answered beside the app's middleware (no session, no log
/// line), which must not cost them their security headers.
#[tokio::test]
async fn the_icon_and_built_files_carry_the_security_headers_and_no_session() {
    let app = TestApp::new().await;
    let site = tempfile::tempdir().expect("site dir");
    let mut browser = serving_built_site(&app, site.path(), true);
    let icon = browser.get("/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert!(icon.body.starts_with("<svg"), "{}", icon.body);
    let cache = icon.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok());
    assert_eq!(cache, Some("public, max-age=86400"), "not named by content: kept a day");
    for file in [&icon, &browser.get("/pkg/escrowmart.Ab-9.css").await, &browser.get("/pkg/none.css").await] {
        let get = |name| file.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(get(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(get(header::CONTENT_SECURITY_POLICY).contains("default-src 'none'"));
        assert_eq!(get(header::SET_COOKIE), "", "a file starts no session");
    }
}

#[tokio::test]
async fn built_files_under_plain_names_are_checked_again_on_every_use() {
    let app = TestApp::new().await;
    let site = tempfile::tempdir().expect("site dir");
    let mut browser = serving_built_site(&app, site.path(), false);

    let css = browser.get("/pkg/escrowmart.Ab-9.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-cache"));
}

#[tokio::test]
async fn pages_and_the_api_docs_link_the_stylesheet_under_its_built_name() {
    let app = TestApp::new().await;
    let page = app.client().get("/").await;
    assert!(page.body.contains(r#"href="/pkg/escrowmart.css""#), "{:.600}", page.body);
    assert!(
        page.body.contains(r#"<link rel="modulepreload" href="/pkg/escrowmart.js""#),
        "{:.900}",
        page.body
    );
    assert!(
        page.body.contains(r#"import("/pkg/escrowmart.js")"#),
        "the hydration script: {:.900}",
        page.body
    );
    let docs = app.client().get("/api/docs").await;
    assert!(
        docs.body.contains(r#"<link rel="stylesheet" href="/pkg/escrowmart.css">"#),
        "{:.600}",
        docs.body
    );
}
