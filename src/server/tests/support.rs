//! A whole app per test on its own fresh database, and a client that keeps
//! cookies like a browser. SQLite by default; PostgreSQL when
//! TEST_POSTGRES_URL is set (each test creates and drops its own database).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tower::ServiceExt;

use crate::domain::order::Rules;
use crate::server::bank::{BankMode, SimulatedBank};
use crate::server::clock::{Clock, ManualClock};
use crate::server::db;
use crate::server::http::{SESSION_COOKIE, router};
use crate::server::limits::{LimitSettings, Limits};
use crate::server::media::MediaStore;
use crate::server::state::{AppState, AppStateInner, Settings};

/// 2026-11-26T00:00:00Z
pub const START_MS: i64 = 1_795_651_200_000;
pub const PASSWORD: &str = "a long enough password";

pub struct TestApp {
    pub router: Router,
    pub db: DatabaseConnection,
    pub clock: ManualClock,
    pub state: AppState,
    /// Every SQL statement the app has run on its database.
    statements: Arc<std::sync::atomic::AtomicU64>,
    _database: TestDatabase,
    _media: tempfile::TempDir,
}

pub const BANK_SECRET: &[u8] = b"test bank secret";
/// Opens `/metrics` in tests; so does the address 192.0.2.7.
pub const METRICS_TOKEN: &str = "test metrics token";

/// How the test app is set up.
pub struct TestConfig {
    pub bank_mode: BankMode,
    pub bank_duplicate_every: u32,
    pub rules: Rules,
    pub limits: LimitSettings,
    /// How long the simulated bank takes to call back.
    pub bank_delay: std::time::Duration,
    /// The waits before each webhook retry (ms).
    pub webhook_retry_ms: Vec<i64>,
    /// How long one webhook attempt may take.
    pub webhook_timeout: std::time::Duration,
    /// Whether webhooks may go to loopback (the tests' receivers are there).
    pub webhook_allow_private: bool,
    /// A read replica of the test's database.
    pub replica: Option<DatabaseConnection>,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            bank_mode: BankMode::Confirm,
            bank_duplicate_every: 0,
            rules: Rules::default(),
            limits: GENEROUS_LIMITS,
            bank_delay: std::time::Duration::from_millis(20),
            webhook_retry_ms: crate::domain::merchant::RETRY_SCHEDULE_MS.to_vec(),
            webhook_timeout: crate::server::merchant::delivery::TIMEOUT,
            webhook_allow_private: true,
            replica: None,
        }
    }
}

/// The production limits on failed sign-ins, and room for the many
/// sign-ups and posts a test makes from one address in a moment; the tests
/// of those limits set them tight.
pub const GENEROUS_LIMITS: LimitSettings = LimitSettings {
    free_failures_per_account: 5,
    free_failures_per_address: 20,
    sign_ups_per_hour: 100_000,
    posts_per_minute: 100_000,
    api_calls_per_minute: 100_000,
};

impl TestApp {
    pub async fn new() -> Self {
        Self::with(TestConfig::default()).await
    }

    /// On a SQLite file whatever backend the suite runs on, to compare the
    /// two backends in one test.
    pub async fn sqlite() -> Self {
        let database = TestDatabase::sqlite();
        let db = db::connect_and_migrate(&database.url).await.expect("test database migrates");
        Self::on(database, db, TestConfig::default()).await
    }

    pub async fn with(config: TestConfig) -> Self {
        let database = TestDatabase::create().await;
        let db = db::connect_and_migrate(&database.url).await.expect("test database migrates");
        Self::on(database, db, config).await
    }

    /// Where the app's database is, for tools that open it themselves.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    /// The same database served by a new app, as after a restart; its clock
    /// starts where the old one stood.
    pub async fn restart(self, config: TestConfig) -> Self {
        let TestApp { db, _database, clock, .. } = self;
        let app = Self::on(_database, db, config).await;
        app.clock.advance(clock.now_ms() - START_MS);
        app
    }

    /// On PostgreSQL, reading the pages that may be a moment stale from the
    /// server at `replica_admin_url`: a streaming replica of
    /// TEST_POSTGRES_URL's server (end2end/replica/replica.sh), where the
    /// test's database appears once the replica has replayed its creation
    /// and migrations.
    pub async fn with_replica(replica_admin_url: &str) -> Self {
        let database = TestDatabase::create().await;
        let db = db::connect_and_migrate(&database.url).await.expect("test database migrates");
        let name = database.url.rsplit('/').next().expect("a database name");
        let base = replica_admin_url.rsplit_once('/').expect("a server URL with a database").0;
        let replica = wait_for_replica(&db, &format!("{base}/{name}")).await;
        Self::on(database, db, TestConfig { replica: Some(replica), ..TestConfig::default() }).await
    }

    async fn on(database: TestDatabase, mut db: DatabaseConnection, config: TestConfig) -> Self {
        let replica = config.replica.clone();
        let statements = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        // Each app counts into its own recorder, the default on the test's
        // thread (each test has its own, and its runtime runs there), so
        // tests sharing a process (cargo test) never see each other's
        // figures. The guard would undo that when dropped, and it cannot
        // live in the app (it must stay on its thread), so recorder and
        // guard are kept for the thread's life: a few kilobytes per app.
        let recorder: &'static _ = Box::leak(Box::new(crate::server::metrics::recorder()));
        let metrics = recorder.handle();
        std::mem::forget(metrics::set_default_local_recorder(recorder));
        let clock = ManualClock::starting_at(START_MS);
        let media_dir = tempfile::tempdir().expect("media dir");
        let listener = crate::server::http::listen(([127, 0, 0, 1], 0).into()).await.expect("loopback port");
        let base_url = format!("http://{}", axum::serve::Listener::local_addr(&listener).expect("address"));
        let secret: Arc<[u8]> = BANK_SECRET.into();
        let bank = SimulatedBank::new(
            format!("{base_url}/bank/callback"),
            secret.clone(),
            config.bank_mode,
            config.bank_delay,
            config.bank_duplicate_every,
            Arc::new(clock.clone()),
        );
        let state = AppState::new(AppStateInner {
            db: db.clone(),
            replica: replica.clone(),
            leptos_options: LeptosOptions::builder().output_name("escrowmart").build(),
            built_files: crate::server::http::built_file_names(
                &LeptosOptions::builder().output_name("escrowmart").build(),
            ),
            clock: Arc::new(clock.clone()),
            rules: config.rules,
            bank: Arc::new(bank),
            media: Arc::new(MediaStore::new(media_dir.path().to_path_buf())),
            settings: Arc::new(Settings {
                secure_cookies: false,
                bank_secret: secret,
                link_secret: b"test link secret".as_slice().into(),
                public_url: base_url.clone(),
                webhook_retry_ms: config.webhook_retry_ms.clone(),
                webhook_timeout: config.webhook_timeout,
                webhook_allow_private: config.webhook_allow_private,
                mail: None,
                metrics: crate::server::metrics::Access {
                    from: crate::server::metrics::Access::parse_from("192.0.2.7").expect("an address"),
                    token: Some(METRICS_TOKEN.into()),
                },
                read_your_writes_for: std::time::Duration::from_secs(5),
            }),
            category_counts: Arc::default(),
            stats: Arc::default(),
            limits: Arc::new(Limits::new(config.limits)),
            audit: Arc::default(),
            metrics,
            stopping: Arc::default(),
        });
        let app = router(state.clone());
        let served = app.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, served).await;
        });
        Self { router: app, db, clock, state, statements, _database: database, _media: media_dir }
    }

    /// How many SQL statements the app has run so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn client(&self) -> Client {
        Self::client_of(self.router.clone())
    }

    /// A client of another router on this app's state (set up differently).
    pub fn client_of(router: Router) -> Client {
        Client { router, cookies: HashMap::new(), address: None }
    }

    /// A client signed up (and so signed in) as a new member, who followed
    /// the confirmation link mailed to them.
    pub async fn member(&self, email: &str, name: &str) -> Client {
        let mut client = self.unconfirmed_member(email, name).await;
        let token = self.mailed_token(email, "/verify-email").await;
        let confirmed = client.call("confirm_email", &[("token", &token)]).await;
        assert!(confirmed.status.is_success(), "confirm: {confirmed:?}");
        client
    }

    /// A new browser signed in as an existing member (coming back after
    /// their session idled out).
    pub async fn signed_in(&self, email: &str) -> Client {
        let mut client = self.client();
        let response = client.call("sign_in", &[("email", email), ("password", PASSWORD)]).await;
        assert!(response.status.is_success(), "sign in: {response:?}");
        client
    }

    /// A client signed up (and so signed in) who has not confirmed their
    /// address.
    pub async fn unconfirmed_member(&self, email: &str, name: &str) -> Client {
        let mut client = self.client();
        let response =
            client.call("sign_up", &[("email", email), ("display_name", name), ("password", PASSWORD)]).await;
        assert!(response.status.is_success() || response.status.is_redirection(), "sign up: {response:?}");
        client
    }

    /// The token of the newest link to `path` in the outbox for `email`.
    pub async fn mailed_token(&self, email: &str, path: &str) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mails = crate::server::entities::email_outbox::Entity::find()
            .filter(crate::server::entities::email_outbox::Column::ToAddress.eq(email))
            .order_by_desc(crate::server::entities::email_outbox::Column::Id)
            .all(&self.db)
            .await
            .expect("outbox");
        mails
            .iter()
            .find_map(|mail| link_token(&mail.body, path))
            .unwrap_or_else(|| panic!("no mail to {email} links to {path}: {mails:?}"))
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("a count")
    }
}

/// Connects to the replica's copy of `primary` once it has every migration.
async fn wait_for_replica(primary: &DatabaseConnection, url: &str) -> DatabaseConnection {
    let migrations = |db: DatabaseConnection| async move {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM seaql_migrations",
            ))
            .await
            .ok()??;
        row.try_get::<i64>("", "n").ok()
    };
    let wanted = migrations(primary.clone()).await.expect("the primary has migrated");
    for _ in 0..300 {
        if let Ok(replica) = db::connect_replica(url, Some(4)).await
            && migrations(replica.clone()).await == Some(wanted)
        {
            return replica;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the replica at {url} never caught up with the primary's migrations");
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as it came, for answers that are not text (compressed).
    pub bytes: axum::body::Bytes,
}

impl TestResponse {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// Plays a browser: keeps cookies and sends same-origin fetch metadata.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    /// The peer address the server sees, as a socket would report it.
    pub address: Option<std::net::SocketAddr>,
}

impl Client {
    pub fn session_id(&self) -> Option<String> {
        self.cookies.get(SESSION_COOKIE).cloned()
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = Request::get(path).header(header::ACCEPT, "text/html");
        self.send(request, Body::empty()).await
    }

    /// Calls a server function the way the hydrated app does (JSON reply).
    pub async fn call(&mut self, function: &str, fields: &[(&str, &str)]) -> TestResponse {
        let request = Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(form_body(fields))).await
    }

    /// Submits a form the way a browser with JavaScript off does: the server
    /// answers with a redirect.
    pub async fn submit(&mut self, function: &str, fields: &[(&str, &str)], from_page: &str) -> TestResponse {
        let request = Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("http://127.0.0.1:3000{from_page}"))
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::HOST, "127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(form_body(fields))).await
    }

    /// Posts a multipart form the way a browser does (it answers with a redirect).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        let (content_type, body) = multipart(fields, files);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(body)).await
    }

    pub async fn send(&mut self, mut request: axum::http::request::Builder, body: Body) -> TestResponse {
        // The tests read English; a test of another language sets the
        // cookie (which wins) or its own header.
        if request.headers_ref().is_none_or(|headers| !headers.contains_key(header::ACCEPT_LANGUAGE)) {
            request = request.header(header::ACCEPT_LANGUAGE, "en");
        }
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        let mut request = request.body(body).expect("a valid request");
        if let Some(address) = self.address {
            request.extensions_mut().insert(axum::extract::ConnectInfo(address));
        }
        let response: Response<Body> = self.router.clone().oneshot(request).await.expect("infallible");
        for set_cookie in response.headers().get_all(header::SET_COOKIE) {
            let Ok(text) = set_cookie.to_str() else { continue };
            let Some((pair, attributes)) = text.split_once(';').or(Some((text, ""))) else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let expired = attributes.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if expired {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }
}

/// A multipart/form-data body: text fields and (name, filename, bytes) files.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----escrowmart-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The token of the first link to `path` in a text (`…{path}?token=…`).
pub fn link_token(text: &str, path: &str) -> Option<String> {
    let start = text.find(&format!("{path}?token="))? + path.len() + "?token=".len();
    let token: String =
        text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    (!token.is_empty()).then_some(token)
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    kind: DatabaseKind,
}

enum DatabaseKind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A SQLite file, whatever backend the suite runs on: to compare the
    /// two backends in one test.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self { url, kind: DatabaseKind::Sqlite(dir) }
    }

    pub async fn create() -> Self {
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("escrowmart_test_{}", uuid::Uuid::new_v4().simple());
                let url =
                    db::create_postgres_database(&admin_url, &name).await.expect("create test database");
                Self { url, kind: DatabaseKind::Postgres { admin_url, name } }
            }
            _ => Self::sqlite(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let DatabaseKind::Postgres { admin_url, name } = &self.kind {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot block on
            // itself; a short-lived thread with its own runtime can.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        let _ = db::drop_postgres_database(&admin_url, &name).await;
                    });
                }
            })
            .join();
        }
    }
}
