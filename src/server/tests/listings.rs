use super::support::{Client, TestApp};

pub const KINDLE: &[(&str, &str)] = &[
    ("title", "Kindle Paperwhite 5"),
    ("description", "Barely used."),
    ("category", "digital"),
    ("condition", "like-new"),
    ("price", "499.50"),
    ("stock", "2"),
];

/// Creates a listing through the app and returns its id.
pub async fn list(client: &mut Client, fields: &[(&str, &str)]) -> i64 {
    let response = client.call("create_listing", fields).await;
    assert!(response.status.is_success(), "create listing: {response:?}");
    latest_listing_id(client).await
}

async fn latest_listing_id(client: &mut Client) -> i64 {
    let response = client.call("my_listings", &[]).await;
    let listings: Vec<serde_json::Value> = serde_json::from_str(&response.body).expect("listings json");
    listings.first().and_then(|l| l["id"].as_i64()).expect("a listing")
}

/// Posts a form the way a browser without JavaScript does, from `page`, and
/// follows the redirect back to it: the address and the page drawn there.
async fn post_without_javascript(
    client: &mut Client,
    function: &str,
    fields: &[(&str, &str)],
    page: &str,
) -> (String, String) {
    let response = client.submit(function, fields, page).await;
    let back = response.location().expect("redirect").trim_start_matches("http://127.0.0.1:3000").to_owned();
    assert!(back.starts_with(page), "back to the form's page: {back}");
    let body = client.get(&back).await.body;
    (back, body)
}

fn with(
    fields: &[(&'static str, &'static str)],
    key: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    fields.iter().map(|&(k, v)| if k == key { (k, value) } else { (k, v) }).collect()
}

#[tokio::test]
async fn sign_up_sign_in_list_an_item_and_find_it_on_the_home_page() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann Li").await;
    ann.call("sign_out", &[]).await;
    let signed_in =
        ann.call("sign_in", &[("email", "ann@example.com"), ("password", super::support::PASSWORD)]).await;
    assert!(signed_in.status.is_success(), "{signed_in:?}");

    let id = list(&mut ann, KINDLE).await;

    let home = app.client().get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Kindle Paperwhite 5"), "listing on the home page");
    assert!(home.body.contains("¥499.50"));
    assert!(home.body.contains(&format!("/item/{id}")));

    let item = app.client().get(&format!("/item/{id}")).await;
    assert_eq!(item.status, 200);
    assert!(item.body.contains("Barely used."));
    assert!(item.body.contains("Ann Li"));
    assert!(item.body.contains("2 in stock"));
    assert!(!item.body.contains("Edit listing"), "a visitor gets no owner tools");
    assert!(ann.get(&format!("/item/{id}")).await.body.contains("Edit listing"));
}

#[tokio::test]
async fn with_javascript_off_creating_a_listing_redirects_to_its_page() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;

    let response = ann.submit("create_listing", KINDLE, "/sell").await;

    assert_eq!(response.status, 302);
    let location = response.location().expect("location").to_owned();
    assert!(location.starts_with("/item/"), "{location}");
    assert!(ann.get(&location).await.body.contains("Kindle Paperwhite 5"));
}

#[tokio::test]
async fn an_invalid_listing_gets_messages_beside_its_fields_and_nothing_is_saved() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let fields = with(&with(KINDLE, "price", "1.999"), "title", "   ");

    let response = ann.call("create_listing", &fields).await;
    assert!(response.body.contains("Use at most two decimal places"), "{}", response.body);
    assert!(response.body.contains("Give the listing a title"));
    assert_eq!(app.count("listings").await, 0);

    // Without JavaScript the messages come back on the form page itself.
    let (back, page) = post_without_javascript(&mut ann, "create_listing", &fields, "/sell").await;
    assert!(page.contains("Use at most two decimal places (fen)"), "{page}");
    assert!(page.contains("id=\"price-error\""));
    // … with what was typed still in the fields, so nothing is typed twice.
    assert!(page.contains("value=\"1.999\""), "the price as typed");
    assert!(page.contains(">Barely used.</textarea>"), "the description as typed");
    assert!(page.contains("value=\"like-new\" selected"), "the condition as chosen");
    assert_eq!(app.count("listings").await, 0);
    // Taken once: opening the form afresh starts empty again.
    let fresh = ann.get("/sell").await.body;
    assert!(!fresh.contains("Barely used."), "{fresh}");
    // With JavaScript the form never left the page, so nothing was kept.
    ann.call("create_listing", &fields).await;
    let page = ann.get(&back).await;
    assert!(!page.body.contains("Barely used."), "a kept form only from a plain post");
}

#[tokio::test]
async fn a_failed_edit_without_javascript_comes_back_with_the_edit_not_the_stored_listing() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let id = list(&mut ann, KINDLE).await;
    let other = list(&mut ann, &with(KINDLE, "title", "Kobo Clara")).await;
    let id_text = id.to_string();
    let mut fields = with(&with(KINDLE, "title", "Kindle Paperwhite 5, with cover"), "stock", "-1");
    fields.push(("id", &id_text));

    let edit_page = format!("/item/{id}/edit");
    let (_, page) = post_without_javascript(&mut ann, "update_listing", &fields, &edit_page).await;
    assert!(page.contains("id=\"stock-error\""), "{page}");
    assert!(page.contains("value=\"Kindle Paperwhite 5, with cover\""), "the title as typed");
    assert!(app.client().get(&format!("/item/{id}")).await.body.contains("Kindle Paperwhite 5<"));

    // The kept edit belongs to that listing only, even if the browser comes
    // back to another listing's form (a second tab).
    let other_page = format!("/item/{other}/edit");
    let (_, page) = post_without_javascript(&mut ann, "update_listing", &fields, &other_page).await;
    assert!(page.contains("value=\"Kobo Clara\""), "{page}");
}

#[tokio::test]
async fn a_visitor_cannot_list_anything() {
    let app = TestApp::new().await;
    let response = app.client().call("create_listing", KINDLE).await;
    assert_eq!(response.status, 401);
    assert!(response.body.contains("SignInRequired"), "{}", response.body);
    assert_eq!(app.count("listings").await, 0);
    assert!(app.client().get("/sell").await.body.contains("Please sign in"));
}

#[tokio::test]
async fn the_seller_edits_and_delists_their_listing() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let id = list(&mut ann, KINDLE).await;
    let id_text = id.to_string();

    let mut fields = with(KINDLE, "price", "450");
    fields.push(("id", &id_text));
    let response = ann.call("update_listing", &fields).await;
    assert!(response.status.is_success(), "{response:?}");
    assert!(app.client().get(&format!("/item/{id}")).await.body.contains("¥450.00"));

    let response = ann.call("set_listing_active", &[("id", &id_text), ("active", "false")]).await;
    assert!(response.status.is_success(), "{response:?}");
    assert!(
        !app.client().get("/").await.body.contains("Kindle Paperwhite 5"),
        "delisted is off the home page"
    );
    assert!(app.client().get(&format!("/item/{id}")).await.body.contains("taken off the market"));

    ann.call("set_listing_active", &[("id", &id_text), ("active", "true")]).await;
    assert!(app.client().get("/").await.body.contains("Kindle Paperwhite 5"));
}

#[tokio::test]
async fn another_member_cannot_edit_or_delist_a_listing() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    let id = list(&mut ann, KINDLE).await;
    let id_text = id.to_string();
    let mut bo = app.member("bo@example.com", "Bo").await;

    let mut fields = with(KINDLE, "price", "1");
    fields.push(("id", &id_text));
    let edit = bo.call("update_listing", &fields).await;
    let delist = bo.call("set_listing_active", &[("id", &id_text), ("active", "false")]).await;
    let edit_page = bo.get(&format!("/item/{id}/edit")).await;

    assert_eq!((edit.status.as_u16(), delist.status.as_u16()), (403, 403));
    assert!(edit.body.contains("Forbidden"), "{}", edit.body);
    assert!(delist.body.contains("Forbidden"), "{}", delist.body);
    assert_eq!(edit_page.status, 403);
    let item = app.client().get(&format!("/item/{id}")).await.body;
    assert!(item.contains("¥499.50") && !item.contains("taken off the market"), "nothing changed");
}

#[tokio::test]
async fn an_unknown_item_is_a_404_page() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let missing = client.get("/item/987654").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("We could not find that page"));
    let junk = client.get("/item/not-a-number").await;
    assert_eq!(junk.status, 404);
    let nowhere = client.get("/no/such/page").await;
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.body.contains("We could not find that page"));
}

#[tokio::test]
async fn the_home_page_lists_newest_first_and_pages_by_24() {
    let app = TestApp::new().await;
    let mut ann = app.member("ann@example.com", "Ann").await;
    for n in 1..=30 {
        let title = format!("Item number {n:02}");
        let fields: Vec<(&str, &str)> =
            KINDLE.iter().map(|&(k, v)| if k == "title" { (k, title.as_str()) } else { (k, v) }).collect();
        list(&mut ann, &fields).await;
        app.clock.advance(1_000);
    }

    let first = app.client().get("/").await.body;
    let second = app.client().get("/?page=2").await.body;

    assert!(first.contains("30 items for sale"));
    let position = |page: &str, title: &str| page.find(title);
    assert!(position(&first, "Item number 30") < position(&first, "Item number 29"), "newest first");
    assert!(first.contains("Item number 07") && !first.contains("Item number 06"));
    assert!(second.contains("Item number 06") && second.contains("Item number 01"));
    assert!(!second.contains("Item number 07"));
    assert!(first.contains("href=\"/?page=2\""), "a link to page 2");
}
