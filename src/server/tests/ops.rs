use super::support::{TestApp, TestDatabase};
use crate::server::{audit, seed};

#[tokio::test]
async fn healthz_answers_200_while_the_database_answers_and_503_after() {
    let app = TestApp::new().await;
    let mut client = app.client();
    assert_eq!(client.get("/healthz").await.status, 200);

    app.db.close_by_ref().await.expect("close");

    assert_eq!(client.get("/healthz").await.status, 503);
}

#[tokio::test]
async fn healthz_answers_503_while_stopping_and_pages_are_still_served() {
    let app = TestApp::new().await;
    let mut client = app.client();

    app.state.stopping.store(true, std::sync::atomic::Ordering::Relaxed);

    let health = client.get("/healthz").await;
    assert_eq!((health.status.as_u16(), health.body.as_str()), (503, "stopping"));
    assert_eq!(client.get("/").await.status, 200, "the drain window still serves");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new().await;
    let response = app.client().get("/").await;
    let id = response.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(id.len(), 36, "a UUID: {id:?}");
}

#[tokio::test]
async fn the_demo_seed_fills_an_empty_database_once_and_the_audit_passes() {
    let app = TestApp::new().await;

    let first = seed::demo(
        &app.db,
        &app.state.media,
        super::support::START_MS,
        &app.state.rules,
        &seed::Scale::default(),
    )
    .await
    .expect("seed");
    let second = seed::demo(
        &app.db,
        &app.state.media,
        super::support::START_MS,
        &app.state.rules,
        &seed::Scale::default(),
    )
    .await
    .expect("seed again");

    assert_eq!(first, seed::Seeded::Demo { members: 4, listings: 30, orders: 6 });
    assert_eq!(second, seed::Seeded::AlreadyPopulated);
    assert_eq!(app.count("listings").await, 30);
    let report = audit::run(&app.db).await.expect("audit runs");
    assert!(report.passed(), "{report}");
    let home = app.client().get("/").await.body;
    assert!(home.contains("Kindle Paperwhite 5") && home.contains("30 items for sale"));
    let states: Vec<String> = crate::server::store::orders::for_buyer(&app.db, 4)
        .await
        .expect("orders")
        .into_iter()
        .map(|o| o.order.state.slug().to_owned())
        .collect();
    for state in ["completed", "shipped", "paid", "awaiting_payment", "cancelled", "refunded"] {
        assert!(states.iter().any(|s| s == state), "a demo order is {state}: {states:?}");
    }
}

#[tokio::test]
async fn the_audit_fails_on_a_listing_that_breaks_the_rules() {
    let app = TestApp::new().await;
    seed::demo(
        &app.db,
        &app.state.media,
        super::support::START_MS,
        &app.state.rules,
        &seed::Scale::default(),
    )
    .await
    .expect("seed");
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE listings SET category = 'weapons' WHERE id = 1")
        .await
        .expect("corrupt");

    let report = audit::run(&app.db).await.expect("audit runs");

    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains("#1 ") && text.contains("unknown category"), "{text}");
}

#[tokio::test]
async fn a_demo_member_can_sign_in_with_the_demo_password() {
    let app = TestApp::new().await;
    seed::demo(
        &app.db,
        &app.state.media,
        super::support::START_MS,
        &app.state.rules,
        &seed::Scale::default(),
    )
    .await
    .expect("seed");
    let response = app
        .client()
        .call("sign_in", &[("email", seed::DEMO_BUYER.0), ("password", seed::DEMO_PASSWORD)])
        .await;
    assert!(response.status.is_success(), "{response:?}");
}

#[tokio::test]
async fn every_accepted_connection_sends_small_writes_at_once() {
    use axum::serve::Listener;
    let mut listener = crate::server::http::listen(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let address = listener.local_addr().expect("address");
    let client = tokio::net::TcpStream::connect(address).await.expect("connect");
    let (accepted, _) = listener.accept().await;
    assert!(accepted.nodelay().expect("read TCP_NODELAY"), "the server's side has Nagle off");
    assert!(!client.nodelay().expect("read TCP_NODELAY"), "a socket starts with Nagle on");
}

#[tokio::test]
async fn the_notification_bell_is_drawn_and_named_not_an_emoji() {
    let app = TestApp::new().await;
    let mut member = app.member("bell@example.com", "Bell").await;
    let page = member.get("/").await.body;
    let bell =
        page.split(r#"class="bell""#).nth(1).and_then(|rest| rest.split("</a>").next()).unwrap_or_default();
    assert!(!bell.is_empty(), "the header links to the notifications: {page:.2000}");
    assert!(bell.contains("<svg") && bell.contains(r#"aria-hidden="true""#), "{bell}");
    assert!(!bell.contains('🔔'), "an emoji shows as an empty box without an emoji font: {bell}");
    let label = page.split(r#"href="/notifications""#).nth(1).unwrap_or_default();
    assert!(label.contains(r#"aria-label="Notifications"#), "{label:.200}");
}

#[tokio::test]
async fn the_brand_mark_and_the_audit_marks_are_drawn_and_the_audit_marks_named() {
    let app = TestApp::new().await;
    let mut arbiter = app.member("judge@example.com", "Judge").await;
    crate::server::store::members::grant_arbiter(&app.db, "judge@example.com").await.expect("grant");
    let page = arbiter.get("/arbiter").await.body;
    let brand =
        page.split(r#"class="brand""#).nth(1).and_then(|r| r.split("</a>").next()).unwrap_or_default();
    assert!(brand.contains(r#"<svg class="brand__mark""#) && !brand.contains('担'), "{brand}");
    let audit = page
        .split(r#"data-testid="audit""#)
        .nth(1)
        .and_then(|r| r.split("</table>").next())
        .unwrap_or_default();
    assert!(audit.contains(r#"class="audit-mark audit-mark--passed""#), "{audit:.600}");
    assert!(audit.contains(r#"<span class="visually-hidden">Passed</span>"#), "{audit:.600}");
    assert!(!audit.contains('✓') && !audit.contains('✗'));
}

#[tokio::test]
async fn the_first_link_on_every_page_skips_to_the_content() {
    let app = TestApp::new().await;
    for path in ["/", "/search?q=phone", "/signin", "/no-such-page"] {
        let page = app.client().get(path).await.body;
        let body = page.split("<body").nth(1).unwrap_or_default();
        let first_link = body.split("<a ").nth(1).and_then(|link| link.split('>').next()).unwrap_or_default();
        assert!(
            first_link.contains(r#"class="skip-link""#) && first_link.contains(r##"href="#content""##),
            "{path}: {first_link}"
        );
        let main = body.split("<main").nth(1).and_then(|tag| tag.split('>').next()).unwrap_or_default();
        assert!(
            main.contains(r#"id="content""#) && main.contains(r#"tabindex="-1""#),
            "{path}: <main{main}>"
        );
    }
}

#[tokio::test]
async fn an_empty_list_says_what_to_do_next() {
    let app = TestApp::new().await;
    let mut member = app.member("new@example.com", "New").await;
    let id = super::escrow::member_id(&mut member).await;
    let empty_of = |page: &str| -> String {
        page.split(r#"<p class="empty">"#)
            .skip(1)
            .filter_map(|p| p.split("</p>").next())
            .collect::<Vec<_>>()
            .join(" | ")
    };

    let dashboard = empty_of(&member.get("/dashboard").await.body);
    assert!(
        dashboard.contains(r#"<a href="/sell">"#),
        "a seller without sales is shown how to start: {dashboard}"
    );
    let seller = empty_of(&member.get(&format!("/seller/{id}")).await.body);
    assert!(seller.contains(r#"<a href="/">"#), "a seller page with nothing on sale leads back: {seller}");
    let notifications = empty_of(&member.get("/notifications").await.body);
    assert!(notifications.contains("you are told here"), "{notifications}");
    let wallet = empty_of(&member.get("/wallet").await.body);
    assert!(wallet.contains("Top up from your bank"), "{wallet}");
}

#[tokio::test]
async fn a_fault_of_ours_is_a_500_page_in_the_sites_look_that_offers_to_try_again() {
    let app = TestApp::new().await;
    let mut visitor = app.client();
    app.db.close_by_ref().await.expect("close");

    let page = visitor.get("/search?q=lamp").await;
    assert_eq!(page.status, 500);
    assert!(page.body.contains("Something went wrong on our side"), "{}", page.body);
    assert!(
        page.body
            .contains(r#"href="/search?q=lamp" target="_self" class="button button--primary">Try again"#)
    );
    assert!(page.body.contains(r#"href="/" class="button">Back to the shop"#));
    assert!(page.body.contains(r#"class="skip-link""#), "inside the site's header and layout");
    // The address goes back into the page as the "try again" link: a hostile
    // one stays an attribute value.
    let hostile = visitor.get("/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").await;
    assert_eq!(hostile.status, 500);
    assert!(!hostile.body.contains("<img src=x"), "{}", hostile.body);
}

#[tokio::test]
async fn a_handler_that_panics_still_answers_with_a_page_and_a_way_back() {
    async fn boom() -> &'static str {
        panic!("a bug on a request path")
    }
    let boom = axum::Router::new()
        .route("/boom", axum::routing::get(boom))
        .layer(crate::server::http::panic_page(r#"<link rel="stylesheet" href="/pkg/escrowmart.css">"#));
    let page = TestApp::client_of(boom).get("/boom").await;
    assert_eq!(page.status, 500);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert!(page.body.contains(r#"<link rel="stylesheet" href="/pkg/escrowmart.css">"#));
    assert!(page.body.contains("Something went wrong on our side") && page.body.contains("我们这边出了问题"));
    assert!(page.body.contains(r#"href="/""#));
}

/// On SQLite, writers waiting for their turn hold no pooled connection, so a
/// reader is served while the write queue is full. Before the queue, each
/// waiting writer sat on a pooled connection in SQLite's busy handler and
/// readers waited for the pool (issue 12).
#[tokio::test]
async fn writers_waiting_for_their_turn_leave_the_pool_to_readers() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

    use crate::server::db;
    use crate::server::entities::sessions;

    let database = TestDatabase::sqlite();
    let pool = db::connect_and_migrate_sized(&database.url, Some(2)).await.expect("migrates");
    let insert =
        |id: usize| format!("INSERT INTO sessions (id, data, expires_at) VALUES ('writer {id}', '{{}}', 0)");
    let first = db::begin_write(&pool).await.expect("first writer");
    first.execute_unprepared(&insert(0)).await.expect("first write");
    let waiting: Vec<_> = (1..=3)
        .map(|id| {
            let (pool, sql) = (pool.clone(), insert(id));
            tokio::spawn(async move {
                let txn = db::begin_write(&pool).await?;
                txn.execute_unprepared(&sql).await?;
                txn.commit().await
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let seen = tokio::time::timeout(std::time::Duration::from_secs(5), sessions::Entity::find().count(&pool))
        .await
        .expect("a reader is not kept waiting by writers in the queue")
        .expect("read");
    assert_eq!(seen, 0, "the reader sees only what was committed");
    first.commit().await.expect("first commit");
    for writer in waiting {
        writer.await.expect("writer task").expect("each queued writer commits in its turn");
    }
    assert_eq!(sessions::Entity::find().count(&pool).await.expect("count"), 4);
}
