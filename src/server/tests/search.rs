//! Search, browsing and listing photos, on whichever backend the suite runs.

use super::escrow::audit_passes;
use sea_orm::ConnectionTrait;

use super::support::{Client, TestApp};
use crate::domain::listing::{Category, Condition, ListingDraft, ListingStatus};
use crate::domain::money::Money;
use crate::domain::search::{Search, SearchForm};
use crate::server::media::tests::png;
use crate::server::seed::{self, Scale};
use crate::server::store::{self, photos::Purpose};

/// Lists an item straight through the store, `age` hours before the start.
async fn listed(
    app: &TestApp,
    seller: i64,
    title: &str,
    description: &str,
    category: Category,
    price: &str,
    age: i64,
) -> i64 {
    let draft = ListingDraft {
        title: title.into(),
        description: description.into(),
        category,
        condition: Condition::Used,
        price: Money::parse(price).expect("price"),
        stock: 1,
    };
    store::listings::create(&app.db, seller, &draft, super::support::START_MS - age * 3_600_000)
        .await
        .expect("listing")
}

async fn seller(app: &TestApp) -> i64 {
    app.member("mei@example.com", "Mei").await;
    store::members::find_for_sign_in(&app.db, "mei@example.com").await.expect("q").expect("mei").0.id
}

async fn titles(app: &TestApp, form: SearchForm) -> Vec<String> {
    let search = Search::parse(&form).expect("a valid search");
    store::search::search(&app.db, &search, 24)
        .await
        .expect("search")
        .items
        .into_iter()
        .map(|l| l.title)
        .collect()
}

fn query(q: &str) -> SearchForm {
    SearchForm { q: q.into(), ..SearchForm::default() }
}

#[tokio::test]
async fn a_title_match_ranks_above_a_description_only_match() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    // The description-only match is newer, so newest-first would put it on top.
    listed(&app, mei, "Brass desk lamp", "Warm light.", Category::HomeAppliances, "80", 5).await;
    listed(&app, mei, "Oak side table", "Just right for a reading lamp.", Category::Other, "120", 1).await;
    listed(&app, mei, "Teapot", "Porcelain.", Category::DailyGoods, "30", 0).await;

    assert_eq!(titles(&app, query("lamp")).await, ["Brass desk lamp", "Oak side table"]);
    // Case does not matter, and a word is found by its beginning.
    assert_eq!(titles(&app, query("LAMP")).await, ["Brass desk lamp", "Oak side table"]);
    assert_eq!(titles(&app, query("la")).await, ["Brass desk lamp", "Oak side table"]);
}

#[tokio::test]
async fn a_chinese_query_finds_a_chinese_title_as_a_substring() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "二手苹果手机 iPhone 12", "电池健康九成。", Category::Digital, "2000", 2).await;
    listed(&app, mei, "联想笔记本电脑", "送电脑包。", Category::Digital, "3000", 1).await;

    // Two characters and four, both through the index.
    assert_eq!(titles(&app, query("手机")).await, ["二手苹果手机 iPhone 12"]);
    assert_eq!(titles(&app, query("苹果手机")).await, ["二手苹果手机 iPhone 12"]);
    // Mixed scripts: every word must match.
    assert_eq!(titles(&app, query("iphone 手机")).await, ["二手苹果手机 iPhone 12"]);
    assert!(titles(&app, query("iphone 电脑")).await.is_empty());
    // A title match first, then the description-only one.
    assert_eq!(titles(&app, query("电脑")).await, ["联想笔记本电脑"]);
}

#[tokio::test]
async fn the_category_filter_keeps_only_that_category() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "Rust in Action", "A book about Rust.", Category::Books, "60", 1).await;
    listed(&app, mei, "Rusty bike lock", "Still locks.", Category::Other, "10", 0).await;

    let books = SearchForm { q: "rust".into(), category: "books".into(), ..SearchForm::default() };
    assert_eq!(titles(&app, books).await, ["Rust in Action"]);
    let counts = store::search::category_counts(&app.db).await.expect("counts");
    let count_of = |category| counts.iter().find(|(c, _)| *c == category).map(|(_, n)| *n);
    assert_eq!(counts.len(), Category::ALL.len(), "every category, empty ones too");
    assert_eq!(
        (count_of(Category::Books), count_of(Category::Other), count_of(Category::Cars)),
        (Some(1), Some(1), Some(0))
    );
}

/// The home and category pages take their total from the category counts
/// (`browse_total`); it must be what the count statement says, a delisted
/// listing left out, and any search with words or filters must still count.
#[tokio::test]
async fn a_browse_total_from_the_category_counts_equals_the_counted_total() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "Rust in Action", "A book.", Category::Books, "60", 3).await;
    listed(&app, mei, "二手书", "旧书。", Category::Books, "8", 2).await;
    listed(&app, mei, "Rusty bike lock", "Still locks.", Category::Other, "10", 1).await;
    let gone = listed(&app, mei, "Old chair", "Wobbles.", Category::Other, "5", 0).await;
    store::listings::set_status(&app.db, gone, mei, ListingStatus::Delisted, super::support::START_MS)
        .await
        .expect("delist");
    let counts = store::search::category_counts(&app.db).await.expect("counts");

    let mut browses = vec![Search::default()];
    browses.extend(Category::ALL.iter().map(|&c| Search { category: Some(c), ..Search::default() }));
    for search in &browses {
        let counted = store::search::search(&app.db, search, 24).await.expect("search").total;
        assert_eq!(store::search::browse_total(search, &counts), Some(counted), "{search:?}");
    }
    assert_eq!(store::search::browse_total(&Search::default(), &counts), Some(3));
    for filtered in [
        Search { terms: vec!["rust".into()], ..Search::default() },
        Search { in_stock_only: true, ..Search::default() },
        Search { min_price: Some(Money::parse("9").expect("money")), ..Search::default() },
        Search { max_price: Some(Money::parse("9").expect("money")), ..Search::default() },
    ] {
        assert_eq!(store::search::browse_total(&filtered, &counts), None, "{filtered:?}");
    }
}

#[tokio::test]
async fn price_bounds_are_inclusive_and_sorts_order_by_price() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    for (title, price) in [("Ten", "10.00"), ("Twenty", "20.00"), ("Thirty", "30.00"), ("Nine", "9.99")] {
        listed(&app, mei, title, "A thing.", Category::Other, price, 0).await;
    }
    let range = SearchForm {
        min: "10".into(),
        max: "20.00".into(),
        sort: "price-high".into(),
        ..SearchForm::default()
    };
    assert_eq!(titles(&app, range).await, ["Twenty", "Ten"]);
    let cheapest = SearchForm { sort: "price-low".into(), ..SearchForm::default() };
    assert_eq!(titles(&app, cheapest).await, ["Nine", "Ten", "Twenty", "Thirty"]);
}

#[tokio::test]
async fn the_index_follows_edits_delisting_and_stock() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    let id = listed(&app, mei, "Walnut chair", "Solid wood.", Category::Other, "300", 0).await;

    let mut draft = ListingDraft {
        title: "Cherry stool".into(),
        description: "Solid wood.".into(),
        category: Category::Other,
        condition: Condition::Used,
        price: Money::parse("300").expect("price"),
        stock: 0,
    };
    store::listings::update(&app.db, id, mei, &draft, super::support::START_MS).await.expect("edit");
    assert!(titles(&app, query("walnut")).await.is_empty(), "the old title is gone from the index");
    assert_eq!(titles(&app, query("cherry")).await, ["Cherry stool"]);
    let in_stock = SearchForm { q: "cherry".into(), in_stock: true, ..SearchForm::default() };
    assert!(titles(&app, in_stock).await.is_empty(), "sold out is left out of in-stock-only");

    draft.stock = 1;
    store::listings::update(&app.db, id, mei, &draft, super::support::START_MS).await.expect("edit");
    store::listings::set_status(&app.db, id, mei, ListingStatus::Delisted, super::support::START_MS)
        .await
        .expect("delist");
    assert!(titles(&app, query("cherry")).await.is_empty(), "a delisted item is not found");
}

#[tokio::test]
async fn symbols_typed_by_a_shopper_are_not_query_syntax() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "Discount 100% cotton shirt", "Soft.", Category::Clothing, "50", 0).await;
    listed(&app, mei, "Cotton 1000 thread sheets", "Soft.", Category::DailyGoods, "90", 0).await;

    // A number is a whole token: 100 is not the start of 1000.
    assert_eq!(titles(&app, query("100%")).await, ["Discount 100% cotton shirt"]);
    assert!(titles(&app, query("_")).await.is_empty(), "nothing to look for finds nothing");
    assert!(titles(&app, query("%' OR 1=1 --")).await.is_empty());
    // FTS5 syntax in a query is only text.
    assert!(titles(&app, query("\"cotton\" OR NOT")).await.is_empty());
}

#[tokio::test]
async fn results_come_in_pages_with_the_total() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    for n in 0..30 {
        listed(&app, mei, &format!("Postcard {n}"), "Old postcard.", Category::Other, "5", n).await;
    }
    let second =
        Search::parse(&SearchForm { q: "postcard".into(), page: "2".into(), ..SearchForm::default() })
            .expect("search");
    let page = store::search::search(&app.db, &second, 24).await.expect("search");
    assert_eq!(page.total, 30);
    // Newest first among equal matches, so page two holds the six oldest.
    let titles: Vec<String> = page.items.into_iter().map(|l| l.title).collect();
    assert_eq!(titles, (24..30).map(|n| format!("Postcard {n}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_search_page_lives_in_the_url_and_explains_bad_input() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "二手手机 Huawei P40", "Works.", Category::Digital, "900", 0).await;
    listed(&app, mei, "Garden chair", "Plastic.", Category::Other, "40", 0).await;

    let mut visitor = app.client();
    let found = visitor.get("/search?q=%E6%89%8B%E6%9C%BA").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("二手手机 Huawei P40"));
    assert!(!found.body.contains("Garden chair"));

    let category = visitor.get("/category/other").await;
    assert_eq!(category.status, 200);
    assert!(category.body.contains("Garden chair") && !category.body.contains("Huawei"));

    let reversed = visitor.get("/search?min=50&max=10").await;
    assert_eq!(reversed.status, 200);
    assert!(reversed.body.contains("The lowest price is above the highest"), "{}", reversed.body);

    let unknown = visitor.get("/category/spaceships").await;
    assert!(unknown.body.contains("There is no category called"));
}

async fn cover_file(app: &TestApp, id: i64) -> String {
    let mut photos = store::photos::of(&app.db, Purpose::Listing, [id]).await.expect("q");
    photos.remove(&id).and_then(|p| p.into_iter().next()).expect("a photo").file
}

async fn listing_photo_count(app: &TestApp, id: i64) -> u64 {
    store::photos::count(&app.db, Purpose::Listing, id).await.expect("count")
}

async fn upload(client: &mut Client, id: i64, files: &[(&str, &str, &[u8])]) -> String {
    let response = client.post_multipart(&format!("/item/{id}/photos"), &[], files).await;
    assert_eq!(response.status, 303, "{response:?}");
    response.location().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_seller_adds_reorders_and_deletes_photos_and_the_first_is_the_cover() {
    let app = TestApp::new().await;
    let mut mei = app.member("mei@example.com", "Mei").await;
    let id = super::listings::list(&mut mei, super::listings::KINDLE).await;
    let (first, second) = (png(300, 200), png(200, 300));

    let back =
        upload(&mut mei, id, &[("photos", "front.png", &first), ("photos", "back.png", &second)]).await;
    assert_eq!(back, format!("/item/{id}/edit#photos"));
    let photos =
        store::photos::of(&app.db, Purpose::Listing, [id]).await.expect("q").remove(&id).expect("photos");
    assert_eq!(photos.iter().map(|p| (p.width, p.height)).collect::<Vec<_>>(), [(300, 200), (200, 300)]);
    for photo in &photos {
        assert!(app.state.media.dir().join(format!("{}.jpg", photo.file)).exists());
        assert!(app.state.media.dir().join(format!("{}_t.jpg", photo.file)).exists());
    }

    let item = app.client().get(&format!("/item/{id}")).await;
    for photo in &photos {
        assert!(item.body.contains(&format!("/media/{}.jpg", photo.file)), "the gallery shows both");
    }
    let home = app.client().get("/").await;
    assert!(home.body.contains(&format!("/media/{}_t.jpg", photos[0].file)), "the cover is on the card");

    // Photos are answered as stored, the second time from memory, and kept
    // by browsers for a year.
    let thumbnail = format!("{}_t.jpg", photos[1].file);
    let on_disk = std::fs::read(app.state.media.dir().join(&thumbnail)).expect("stored");
    for _ in 0..2 {
        let answered = app.client().get(&format!("/media/{thumbnail}")).await;
        assert_eq!(answered.status, 200);
        assert_eq!(answered.bytes, on_disk);
        assert_eq!(answered.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/jpeg"));
        let lifetime = answered.headers.get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(lifetime.contains("max-age=31536000") && lifetime.contains("immutable"), "{lifetime}");
    }
    std::fs::write(app.state.media.dir().join("notes.txt"), "not a photo").expect("write");
    for outside in ["/media/notes.txt", "/media/..%2Fnotes.txt", "/media/nothing.jpg", "/media/a/b.jpg"] {
        assert_eq!(app.client().get(outside).await.status, 404, "{outside}");
    }

    // The second becomes the cover.
    let moved = mei
        .call(
            "move_listing_photo",
            &[("listing_id", &id.to_string()), ("photo_id", &photos[1].id.to_string()), ("earlier", "true")],
        )
        .await;
    assert!(moved.status.is_success(), "{moved:?}");
    let home = app.client().get("/").await;
    assert!(home.body.contains(&format!("/media/{}_t.jpg", photos[1].file)));

    let deleted = mei
        .call(
            "delete_listing_photo",
            &[("listing_id", &id.to_string()), ("photo_id", &photos[1].id.to_string())],
        )
        .await;
    assert!(deleted.status.is_success(), "{deleted:?}");
    assert_eq!(listing_photo_count(&app, id).await, 1);
    assert!(!app.state.media.dir().join(format!("{}.jpg", photos[1].file)).exists(), "its files are deleted");
    let gone = app.client().get(&format!("/media/{thumbnail}")).await;
    assert_eq!(gone.status, 404, "a deleted photo is not answered from memory either");
}

#[tokio::test]
async fn nobody_else_can_add_move_or_delete_a_listings_photos() {
    let app = TestApp::new().await;
    let mut mei = app.member("mei@example.com", "Mei").await;
    let id = super::listings::list(&mut mei, super::listings::KINDLE).await;
    let photo = png(50, 50);
    upload(&mut mei, id, &[("photos", "a.png", &photo)]).await;
    let photo_id = store::photos::of(&app.db, Purpose::Listing, [id]).await.expect("q")[&id][0].id;

    let mut other = app.member("bob@example.com", "Bob").await;
    let refused =
        other.post_multipart(&format!("/item/{id}/photos"), &[], &[("photos", "x.png", &photo)]).await;
    assert!(refused.location().unwrap_or_default().contains("error="), "{refused:?}");
    let fields =
        [("listing_id", id.to_string()), ("photo_id", photo_id.to_string()), ("earlier", "false".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(other.call("move_listing_photo", &fields).await.status, 403);
    assert_eq!(other.call("delete_listing_photo", &fields[..2]).await.status, 403);
    let mut visitor = app.client();
    let anonymous =
        visitor.post_multipart(&format!("/item/{id}/photos"), &[], &[("photos", "x.png", &photo)]).await;
    assert!(anonymous.location().unwrap_or_default().starts_with("/signin"));
    assert_eq!(listing_photo_count(&app, id).await, 1);
}

#[tokio::test]
async fn uploads_that_are_not_photos_or_too_big_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let mut mei = app.member("mei@example.com", "Mei").await;
    let id = super::listings::list(&mut mei, super::listings::KINDLE).await;

    let executable = b"\x7fELF\x02\x01\x01\x00\x00\x00 pretending to be a photo".to_vec();
    let back = upload(&mut mei, id, &[("photos", "holiday.jpg", &executable)]).await;
    assert!(back.contains("error=That+file+is+not+a+JPEG"), "{back}");

    let oversize = vec![0u8; crate::server::media::MAX_BYTES + 1];
    let back = upload(&mut mei, id, &[("photos", "huge.jpg", &oversize)]).await;
    assert!(back.contains("error=A+photo+can+be+at+most+5+MB"), "{back}");

    // A PNG header claiming 20000×20000 pixels (1.6 GB decoded).
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let back = upload(&mut mei, id, &[("photos", "bomb.png", &bomb)]).await;
    assert!(back.contains("error="), "{back}");

    assert_eq!(listing_photo_count(&app, id).await, 0);
    let stored = std::fs::read_dir(app.state.media.dir()).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 0, "nothing was written");
}

#[tokio::test]
async fn a_listing_takes_at_most_eight_photos() {
    let app = TestApp::new().await;
    let mut mei = app.member("mei@example.com", "Mei").await;
    let id = super::listings::list(&mut mei, super::listings::KINDLE).await;
    let photo = png(20, 20);
    let six: Vec<(&str, &str, &[u8])> = (0..6).map(|_| ("photos", "p.png", photo.as_slice())).collect();
    upload(&mut mei, id, &six).await;

    let three: Vec<(&str, &str, &[u8])> = (0..3).map(|_| ("photos", "p.png", photo.as_slice())).collect();
    let back = upload(&mut mei, id, &three).await;
    assert!(back.contains("at+most+8+photos"), "{back}");
    assert_eq!(listing_photo_count(&app, id).await, 6);

    upload(&mut mei, id, &three[..2]).await;
    assert_eq!(listing_photo_count(&app, id).await, 8);
}

#[tokio::test]
async fn demo_data_at_scale_is_deterministic_spread_over_states_and_passes_the_audit() {
    let scale = Scale { listings: 600, members: 40, orders: 80, seed: 7 };
    let app = TestApp::new().await;
    let seeded = seed::demo(&app.db, &app.state.media, super::support::START_MS, &app.state.rules, &scale)
        .await
        .expect("seed");
    assert_eq!(seeded, seed::Seeded::Demo { members: 40, listings: 600, orders: 80 });
    assert_eq!(app.count("listings").await, 600);
    audit_passes(&app).await;

    // Orders in many different states.
    let states = app.count("(SELECT DISTINCT state FROM orders) AS s").await;
    assert!(states >= 8, "only {states} states");
    // Chinese and English listings, every category.
    assert!(!titles(&app, query("手机")).await.is_empty());
    assert!(!titles(&app, query("phone")).await.is_empty());
    let counts = store::search::category_counts(&app.db).await.expect("counts");
    assert!(counts.iter().all(|(_, n)| *n > 0), "every category has listings: {counts:?}");

    let again = TestApp::new().await;
    seed::demo(&again.db, &again.state.media, super::support::START_MS, &again.state.rules, &scale)
        .await
        .expect("seed");
    let everything = || SearchForm { sort: "newest".into(), ..SearchForm::default() };
    assert_eq!(titles(&app, everything()).await, titles(&again, everything()).await, "same seed, same data");
}

#[tokio::test]
async fn two_character_words_single_characters_and_latin_inside_chinese_are_found() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "二手苹果手机", "九成新。", Category::Digital, "1500", 3).await;
    listed(&app, mei, "手机壳", "全新。", Category::Digital, "15", 2).await;
    listed(&app, mei, "二手书", "三本。", Category::Books, "20", 1).await;
    listed(&app, mei, "苹果iPhone15手机", "国行。", Category::Digital, "4000", 0).await;
    listed(&app, mei, "智能手表", "防水。", Category::Digital, "500", 4).await;

    // The shorter title ranks first among equal title matches.
    assert_eq!(titles(&app, query("手机")).await, ["手机壳", "二手苹果手机", "苹果iPhone15手机"]);
    assert_eq!(titles(&app, query("书")).await, ["二手书"]);
    assert_eq!(titles(&app, query("iPhone 15")).await, ["苹果iPhone15手机"]);
    assert_eq!(titles(&app, query("iphone15")).await, ["苹果iPhone15手机"]);
    // Pinyin, in full and by initials, finds the Chinese title.
    assert_eq!(titles(&app, query("shouji")).await, ["手机壳", "二手苹果手机", "苹果iPhone15手机"]);
    assert_eq!(titles(&app, query("sj")).await, ["手机壳", "二手苹果手机", "苹果iPhone15手机"]);
    // The pair 果手 exists only inside 苹果手机: a phrase, not three words anywhere.
    assert_eq!(titles(&app, query("果手机")).await, ["二手苹果手机"]);
    assert!(titles(&app, query("手苹果手")).await.len() == 1);
    // Full-width letters are the same letters.
    assert_eq!(titles(&app, query("ＩＰＨＯＮＥ")).await, ["苹果iPhone15手机"]);
    // Words not in a title are found in the description, after title matches.
    assert_eq!(titles(&app, query("全新")).await, ["手机壳"]);
    assert!(titles(&app, query("电脑")).await.is_empty());
}

#[tokio::test]
async fn a_chinese_index_follows_edits_and_delisting() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    let id = listed(&app, mei, "手机支架", "铝合金。", Category::Digital, "30", 0).await;
    let mut draft = ListingDraft {
        title: "平板支架".into(),
        description: "铝合金。".into(),
        category: Category::Digital,
        condition: Condition::Used,
        price: Money::parse("30").expect("price"),
        stock: 1,
    };
    store::listings::update(&app.db, id, mei, &draft, super::support::START_MS).await.expect("edit");
    assert!(titles(&app, query("手机")).await.is_empty(), "the old words left the index");
    assert!(titles(&app, query("shouji")).await.is_empty(), "and their pinyin");
    assert_eq!(titles(&app, query("平板")).await, ["平板支架"]);
    draft.description = "送螺丝刀。".into();
    store::listings::update(&app.db, id, mei, &draft, super::support::START_MS).await.expect("edit");
    assert!(titles(&app, query("铝合金")).await.is_empty());
    assert_eq!(titles(&app, query("螺丝")).await, ["平板支架"]);
    store::listings::set_status(&app.db, id, mei, ListingStatus::Delisted, super::support::START_MS)
        .await
        .expect("delist");
    assert!(titles(&app, query("平板")).await.is_empty());
}

#[tokio::test]
async fn a_very_common_word_is_counted_up_to_the_cap() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    let teapots: Vec<store::listings::BulkListing> = (0..1_100)
        .map(|n| store::listings::BulkListing {
            seller_id: mei,
            title: format!("Teapot {n}"),
            description: "紫砂壶。".into(),
            category: Category::DailyGoods,
            condition: Condition::Used,
            price_fen: 3_000,
            stock: 1,
            listed_at: super::support::START_MS,
        })
        .collect();
    store::listings::create_many(&app.db, &teapots).await.expect("listings");
    let search = Search::parse(&query("茶壶 teapot")).expect("search");
    assert_eq!(store::search::search(&app.db, &search, 24).await.expect("search").total, 0);
    let search = Search::parse(&query("teapot")).expect("search");
    let page = store::search::search(&app.db, &search, 24).await.expect("search");
    assert!(page.capped, "{} counted", page.total);
    assert_eq!((page.total, page.items.len()), (store::search::COUNT_CAP, 24));
    // Best match ranks the newest thousand matches: page 42 holds the last 16.
    let at = |page: &str| {
        Search::parse(&SearchForm { q: "teapot".into(), page: page.into(), ..SearchForm::default() })
    };
    let last = store::search::search(&app.db, &at("42").expect("search"), 24).await.expect("search");
    assert_eq!(last.items.len(), 16);
    assert!(
        store::search::search(&app.db, &at("43").expect("search"), 24)
            .await
            .expect("search")
            .items
            .is_empty()
    );
    // Cheapest first sees every match (all cost the same: the larger id first).
    let cheapest = SearchForm {
        q: "teapot".into(),
        sort: "price-low".into(),
        page: "46".into(),
        ..SearchForm::default()
    };
    let deep =
        store::search::search(&app.db, &Search::parse(&cheapest).expect("search"), 24).await.expect("search");
    assert_eq!(deep.items.len(), 1_100 - 45 * 24);
    let shown = app.client().get("/search?q=%E7%B4%AB%E7%A0%82").await;
    assert!(shown.body.contains("1,000+ items"), "the page says there are more");
}

/// Ids of every query in the same order on both backends: the ranking is
/// defined in SQL both evaluate alike, not by either engine's own scoring.
#[tokio::test]
async fn the_same_corpus_and_queries_give_the_same_ids_in_the_same_order_on_both_backends() {
    let queries = [
        "手机",
        "二手",
        "苹果",
        "书",
        "shouji",
        "sj",
        "phone",
        "Apple phone",
        "lamp",
        "电脑",
        "机",
        "iphone",
        "20000",
        "全新",
        "华为 手机",
        "air",
        "充电宝",
        "x",
    ];
    let scale = Scale { listings: 800, members: 20, orders: 0, seed: 11 };
    let mut results = Vec::new();
    let apps = [TestApp::new().await, TestApp::sqlite().await];
    for app in &apps {
        seed::demo(&app.db, &app.state.media, super::support::START_MS, &app.state.rules, &scale)
            .await
            .expect("seed");
        let mut ids = Vec::new();
        for q in queries {
            for page in ["1", "2"] {
                let form = SearchForm { q: q.into(), page: page.into(), ..SearchForm::default() };
                let found = store::search::search(&app.db, &Search::parse(&form).expect("search"), 24)
                    .await
                    .expect("search");
                ids.push((q, page, found.total, found.items.iter().map(|l| l.id).collect::<Vec<_>>()));
            }
        }
        results.push(ids);
    }
    let matched = results[0].iter().filter(|(_, _, total, _)| *total > 0).count();
    assert!(matched >= 24, "most queries find something ({matched})");
    for (first, second) in results[0].iter().zip(&results[1]) {
        assert_eq!(first, second, "{:?} vs SQLite", apps[0].db.get_database_backend());
    }
}

/// A database from before the bigram index (the trigram one, after a step
/// down) gets every listing re-indexed when it is upgraded.
#[tokio::test]
async fn an_upgrade_re_indexes_existing_listings() {
    use migrations::MigratorTrait;
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    listed(&app, mei, "二手手机", "好。", Category::Digital, "900", 1).await;
    // Back past the accounts (9) and languages (8) migrations to before the
    // token index (7).
    migrations::Migrator::down(&app.db, Some(3)).await.expect("down to the trigram index");
    let backend = app.db.get_database_backend();
    let insert = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO listings (seller_id, title, description, category, condition, price_fen, stock, status, created_at, updated_at)
             VALUES ($1, '华为手机 P40', '送手机壳。', 'digital', 'used', 100000, 1, 'active', 0, 0)"
        }
        _ => {
            "INSERT INTO listings (seller_id, title, description, category, condition, price_fen, stock, status, created_at, updated_at)
             VALUES (?, '华为手机 P40', '送手机壳。', 'digital', 'used', 100000, 1, 'active', 0, 0)"
        }
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(backend, insert, [mei.into()]))
        .await
        .expect("a listing written before the upgrade");
    migrations::Migrator::up(&app.db, None).await.expect("upgrade");
    assert_eq!(titles(&app, query("手机")).await, ["二手手机", "华为手机 P40"]);
    assert_eq!(titles(&app, query("shouji")).await, ["二手手机", "华为手机 P40"]);
    assert_eq!(titles(&app, query("壳")).await, ["华为手机 P40"]);
}

#[tokio::test]
async fn a_sellers_page_pages_through_everything_they_have_on_sale() {
    let app = TestApp::new().await;
    let mei = seller(&app).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(listed(&app, mei, &format!("Stamp {n:02}"), "A stamp.", Category::Other, "2", n).await);
    }
    store::listings::set_status(&app.db, ids[0], mei, ListingStatus::Delisted, super::support::START_MS)
        .await
        .expect("delist");

    let mut visitor = app.client();
    let first = visitor.get(&format!("/seller/{mei}")).await.body;
    // Newest first; the delisted Stamp 00 is not on sale, so 29 in all.
    assert!(first.contains("Stamp 01") && first.contains("Stamp 24"), "{first}");
    assert!(!first.contains("Stamp 25") && !first.contains("Stamp 00"));
    assert!(first.contains(&format!("href=\"/seller/{mei}?page=2\"")), "a link to the next page");
    let second = visitor.get(&format!("/seller/{mei}?page=2")).await.body;
    for n in 25..30 {
        assert!(second.contains(&format!("Stamp {n}")), "Stamp {n} on page two");
    }
    assert!(!second.contains("Stamp 24") && !second.contains("Stamp 00"));
    // A page past the end is empty, not an error.
    let past = visitor.get(&format!("/seller/{mei}?page=99")).await;
    assert_eq!(past.status, 200);
}

#[tokio::test]
async fn pages_offer_both_stored_sizes_and_load_photos_below_the_first_row_lazily() {
    let app = TestApp::new().await;
    let mut mei = app.member("mei@example.com", "Mei").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let title = format!("Lamp {n}");
        let id = super::listings::list(
            &mut mei,
            &[
                ("title", title.as_str()),
                ("description", "A lamp."),
                ("category", "other"),
                ("condition", "used"),
                ("price", "9"),
                ("stock", "1"),
            ],
        )
        .await;
        upload(&mut mei, id, &[("photos", "lamp.png", &png(1_200, 800))]).await;
        ids.push(id);
    }
    let newest = cover_file(&app, ids[4]).await;
    let item = app.client().get(&format!("/item/{}", ids[4])).await.body;
    assert!(
        item.contains(&format!("srcset=\"/media/{newest}_t.jpg 400w, /media/{newest}.jpg 1200w\"")),
        "{item}"
    );
    assert!(item.contains("sizes=\"(max-width: 800px) 100vw, 760px\""));

    let home = app.client().get("/").await.body;
    let card = |file: &str| {
        let at = home.find(&format!("src=\"/media/{file}_t.jpg\"")).expect("the card's photo");
        home[at..].split('>').next().unwrap_or_default().to_owned()
    };
    let first = card(&newest);
    assert!(first.contains("400w") && first.contains("loading=\"eager\""), "{first}");
    // The oldest is fifth, past the first row.
    let fifth = card(&cover_file(&app, ids[0]).await);
    assert!(fifth.contains("loading=\"lazy\""), "{fifth}");
}
