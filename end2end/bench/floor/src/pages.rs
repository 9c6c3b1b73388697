//! The pages: the app's statements for each, then `format!` HTML with every
//! stored string escaped (the app escapes them too, so skipping it here
//! would flatter the floor).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use escrowmart_domain::search::terms;
use escrowmart_domain::tokens::{TITLE_END, fts5_query, query_parts, tsquery};
use html_escape::encode_text as text;
// Every statement text here is made of constants and numbered placeholders;
// what a visitor typed only ever travels as a bound value.
use sqlx::{AssertSqlSafe, QueryBuilder, Row};
use tokio::sync::Mutex;

use crate::{Db, on};

/// As on the app's pages.
const PER_PAGE: i64 = 24;
/// Matches beyond this are not counted (the app's `search::COUNT_CAP`).
const COUNT_CAP: i64 = 1_000;
/// The app keeps the category counts this long (`state.category_counts`).
const COUNTS_KEPT: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Floor {
    db: Db,
    favicon: Arc<Vec<u8>>,
    counts: Arc<Mutex<Option<KeptCounts>>>,
}

/// Active listings per category slug, and when they were counted.
type KeptCounts = (Instant, Vec<(String, i64)>);

type Failure = (StatusCode, String);

fn failed(error: sqlx::Error) -> Failure {
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

pub fn router(db: Db, favicon: Vec<u8>) -> Router {
    let floor = Floor { db, favicon: Arc::new(favicon), counts: Arc::new(Mutex::new(None)) };
    Router::new()
        .route("/", get(home))
        .route("/category/{slug}", get(category))
        .route("/search", get(search))
        .route("/item/{id}", get(item))
        .route("/favicon.svg", get(favicon_svg))
        .with_state(floor)
}

struct Card {
    id: i64,
    title: String,
    price_fen: i64,
    stock: i32,
    seller_id: i64,
    seller: String,
    cover: Option<String>,
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

async fn favicon_svg(State(floor): State<Floor>) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], floor.favicon.as_ref().clone()).into_response()
}

async fn home(State(floor): State<Floor>) -> Result<Html<String>, Failure> {
    browse(&floor, None).await
}

async fn category(State(floor): State<Floor>, Path(slug): Path<String>) -> Result<Html<String>, Failure> {
    browse(&floor, Some(slug)).await
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Everything on sale (in one category), newest first; the total comes
/// from the kept category counts, as in the app.
async fn browse(floor: &Floor, category: Option<String>) -> Result<Html<String>, Failure> {
    let counts = category_counts(floor).await.map_err(failed)?;
    let ids: Vec<i64> = on!(&floor.db, pool => {
        let rows = match &category {
            None => {
                sqlx::query(
                    "SELECT l.id FROM listings l WHERE l.status = $1 \
                     ORDER BY l.created_at DESC, l.id DESC LIMIT $2 OFFSET $3",
                )
                .bind("active")
                .bind(PER_PAGE)
                .bind(0_i64)
                .fetch_all(pool)
                .await
            }
            Some(slug) => {
                sqlx::query(
                    "SELECT l.id FROM listings l WHERE l.status = $1 AND l.category = $2 \
                     ORDER BY l.created_at DESC, l.id DESC LIMIT $3 OFFSET $4",
                )
                .bind("active")
                .bind(slug)
                .bind(PER_PAGE)
                .bind(0_i64)
                .fetch_all(pool)
                .await
            }
        }
        .map_err(failed)?;
        rows.iter().map(|row| row.try_get::<i64, _>(0)).collect::<Result<_, _>>().map_err(failed)?
    });
    let total: i64 =
        counts.iter().filter(|(slug, _)| category.as_ref().is_none_or(|c| c == slug)).map(|(_, n)| n).sum();
    let cards = cards(&floor.db, &ids).await.map_err(failed)?;
    let heading = match &category {
        Some(slug) => format!("Category {}", text(slug)),
        None => "On sale now".to_owned(),
    };
    Ok(Html(list_page(&heading, &format!("{total} on sale"), &counts, &cards)))
}

async fn search(
    State(floor): State<Floor>,
    Query(query): Query<SearchQuery>,
) -> Result<Html<String>, Failure> {
    let counts = category_counts(&floor).await.map_err(failed)?;
    let parts = query_parts(&terms(&query.q));
    if parts.is_empty() {
        return browse(&floor, None).await;
    }
    let postgres = floor.db.is_postgres();
    let matching = if postgres {
        "SELECT id FROM (SELECT l.id AS id FROM listings l WHERE to_tsvector('simple', l.search_tokens) @@ \
         $1::tsquery AND l.status = $2 OFFSET 0) AS indexed"
    } else {
        "SELECT rowid AS id FROM listings_fts WHERE listings_fts MATCH $1"
    };
    let words = if postgres { tsquery(&parts) } else { fts5_query(&parts) };
    // The statement numbers its values on from the matching part's.
    let first = if postgres { 3 } else { 2 };
    let (join, find) = if postgres { ("JOIN", "strpos") } else { ("CROSS JOIN", "instr") };
    let mut ranked = format!(
        "SELECT l.id FROM ({matching} ORDER BY id DESC LIMIT ${first}) AS m {join} listings l ON l.id = m.id ORDER BY ("
    );
    let mut n = first + 1;
    for i in 0..parts.len() {
        if i > 0 {
            ranked.push_str(" + ");
        }
        ranked.push_str(&format!(
            "CASE WHEN {find}(l.search_tokens, ${n}) BETWEEN 1 AND {find}(l.search_tokens, ${}) THEN 1 ELSE 0 END",
            n + 1
        ));
        n += 2;
    }
    ranked.push_str(&format!(
        ") DESC, length(l.title) ASC, l.created_at DESC, l.id DESC LIMIT ${n} OFFSET ${}",
        n + 1
    ));
    let count = format!("SELECT COUNT(*) FROM ({matching} LIMIT ${first}) AS capped");
    let title_end = format!(" {TITLE_END} ");
    let (ids, total): (Vec<i64>, i64) = on!(&floor.db, pool => {
        let mut page = sqlx::query(AssertSqlSafe(ranked.as_str())).bind(&words);
        if postgres {
            page = page.bind("active");
        }
        page = page.bind(COUNT_CAP);
        for part in &parts {
            page = page.bind(part.needle()).bind(&title_end);
        }
        let rows = page.bind(PER_PAGE).bind(0_i64).fetch_all(pool).await.map_err(failed)?;
        let ids = rows.iter().map(|row| row.try_get::<i64, _>(0)).collect::<Result<_, _>>().map_err(failed)?;
        let mut counting = sqlx::query(AssertSqlSafe(count.as_str())).bind(&words);
        if postgres {
            counting = counting.bind("active");
        }
        let total: i64 = counting.bind(COUNT_CAP + 1).fetch_one(pool).await.and_then(|row| row.try_get(0)).map_err(failed)?;
        (ids, total)
    });
    let cards = cards(&floor.db, &ids).await.map_err(failed)?;
    let shown = if total > COUNT_CAP { format!("{COUNT_CAP}+") } else { total.to_string() };
    let heading = format!("Results for “{}”", text(&query.q));
    Ok(Html(list_page(&heading, &format!("{shown} found"), &counts, &cards)))
}

/// Active listings per category, kept a few seconds as the app keeps them.
async fn category_counts(floor: &Floor) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut kept = floor.counts.lock().await;
    if let Some((at, counts)) = kept.as_ref()
        && at.elapsed() < COUNTS_KEPT
    {
        return Ok(counts.clone());
    }
    let counts: Vec<(String, i64)> = on!(&floor.db, pool => {
        sqlx::query(
            "SELECT \"listings\".\"category\", COUNT(\"listings\".\"id\") AS \"n\" FROM \"listings\" \
             WHERE \"listings\".\"status\" = $1 GROUP BY \"listings\".\"category\"",
        )
        .bind("active")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?
    });
    *kept = Some((Instant::now(), counts.clone()));
    Ok(counts)
}

/// The listings of a page, in the given order, with seller names and cover
/// photos: the three statements the app's `summaries` runs.
async fn cards(db: &Db, ids: &[i64]) -> Result<Vec<Card>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (mut listings, names, covers) = on!(db, pool => {
        let mut find = QueryBuilder::new(format!("{LISTING_COLUMNS} WHERE \"listings\".\"id\" IN ("));
        let mut list = find.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        find.push(")");
        let mut listings: HashMap<i64, Card> = HashMap::new();
        for row in find.build().fetch_all(pool).await? {
            let card = Card {
                id: row.try_get("id")?,
                title: row.try_get("title")?,
                price_fen: row.try_get("price_fen")?,
                stock: row.try_get("stock")?,
                seller_id: row.try_get("seller_id")?,
                seller: String::new(),
                cover: None,
            };
            listings.insert(card.id, card);
        }
        let names = pool.names(listings.values().map(|c| c.seller_id)).await?;
        let mut photos = QueryBuilder::new(format!(
            "{PHOTO_COLUMNS} WHERE \"photos\".\"purpose\" = "
        ));
        photos.push_bind("listing").push(" AND \"photos\".\"subject_id\" IN (");
        let mut list = photos.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        photos.push(") ORDER BY \"photos\".\"position\" ASC, \"photos\".\"id\" ASC");
        let mut covers: HashMap<i64, String> = HashMap::new();
        for row in photos.build().fetch_all(pool).await? {
            covers.entry(row.try_get("subject_id")?).or_insert(row.try_get("file")?);
        }
        (listings, names, covers)
    });
    Ok(ids
        .iter()
        .filter_map(|id| listings.remove(id))
        .map(|mut card| {
            card.seller = names.get(&card.seller_id).cloned().unwrap_or_default();
            card.cover = covers.get(&card.id).cloned();
            card
        })
        .collect())
}

/// SeaORM names every column of an entity it loads.
const LISTING_COLUMNS: &str = "SELECT \"listings\".\"id\", \"listings\".\"seller_id\", \"listings\".\"title\", \
     \"listings\".\"description\", \"listings\".\"category\", \"listings\".\"condition\", \
     \"listings\".\"price_fen\", \"listings\".\"stock\", \"listings\".\"status\", \"listings\".\"created_at\", \
     \"listings\".\"updated_at\", \"listings\".\"search_tokens\" FROM \"listings\"";
const PHOTO_COLUMNS: &str = "SELECT \"photos\".\"id\", \"photos\".\"owner_id\", \"photos\".\"purpose\", \
     \"photos\".\"subject_id\", \"photos\".\"position\", \"photos\".\"file\", \"photos\".\"width\", \
     \"photos\".\"height\", \"photos\".\"created_at\" FROM \"photos\"";

/// `members::names`: display names by id.
macro_rules! seller_names_fn {
    ($name:ident, $pool:ty) => {
        async fn $name(
            pool: &$pool,
            ids: std::collections::HashSet<i64>,
        ) -> Result<HashMap<i64, String>, sqlx::Error> {
            if ids.is_empty() {
                return Ok(HashMap::new());
            }
            let mut names = QueryBuilder::new(
                "SELECT \"users\".\"id\", \"users\".\"display_name\" FROM \"users\" WHERE \"users\".\"id\" IN (",
            );
            let mut list = names.separated(", ");
            for id in ids {
                list.push_bind(id);
            }
            names.push(")");
            names.build().fetch_all(pool).await?.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
        }
    };
}

fn list_page(heading: &str, summary: &str, counts: &[(String, i64)], cards: &[Card]) -> String {
    let mut html = String::with_capacity(16 * 1024);
    html.push_str(&head(heading));
    html.push_str("<aside><ul class=\"categories\">");
    for (slug, n) in counts {
        html.push_str(&format!("<li><a href=\"/category/{0}\">{0}</a> <span>{n}</span></li>", text(slug)));
    }
    html.push_str("</ul></aside><main>");
    html.push_str(&format!("<h1>{heading}</h1><p class=\"total\">{summary}</p><ul class=\"grid\">"));
    for card in cards {
        let cover = match &card.cover {
            Some(file) => format!(
                "<img src=\"/media/{}\" alt=\"\" loading=\"lazy\">",
                html_escape::encode_double_quoted_attribute(file)
            ),
            None => "<div class=\"no-photo\"></div>".to_owned(),
        };
        html.push_str(&format!(
            "<li class=\"card\"><a href=\"/item/{}\">{cover}<h2>{}</h2><p class=\"price\">¥{}</p>\
             <p class=\"seller\">{}</p><p class=\"stock\">{} left</p></a></li>",
            card.id,
            text(&card.title),
            yuan(card.price_fen),
            text(&card.seller),
            card.stock
        ));
    }
    html.push_str("</ul><nav class=\"pages\"><a href=\"?page=2\">Next</a></nav></main>");
    html.push_str(FOOT);
    html
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Escrowmart</title><link rel=\"stylesheet\" href=\"/pkg/escrowmart.css\">\
         <link rel=\"icon\" href=\"/favicon.svg\"></head><body><header><a href=\"/\">Escrowmart</a>\
         <form action=\"/search\"><input name=\"q\" type=\"search\"><button>Search</button></form>\
         <nav><a href=\"/sign-in\">Sign in</a> <a href=\"/sign-up\">Sign up</a></nav></header>"
    )
}

const FOOT: &str = "<footer><p>Every purchase runs through escrow.</p></footer></body></html>";

/// One listing with its seller, the seller's rating tally and newest three
/// reviews, and its photos.
async fn item(State(floor): State<Floor>, Path(id): Path<i64>) -> Result<Response, Failure> {
    let page = on!(&floor.db, pool => {
        let Some(listing) = sqlx::query(AssertSqlSafe(format!("{LISTING_COLUMNS} WHERE \"listings\".\"id\" = $1 LIMIT $2")))
            .bind(id)
            .bind(1_i64)
            .fetch_optional(pool)
            .await
            .map_err(failed)?
        else {
            return Ok((StatusCode::NOT_FOUND, "no such listing").into_response());
        };
        let seller_id: i64 = listing.try_get("seller_id").map_err(failed)?;
        let names = pool.names([seller_id].into_iter()).await.map_err(failed)?;
        let seller = sqlx::query(crate::payments::MEMBER)
        .bind(seller_id)
        .bind(1_i64)
        .fetch_optional(pool)
        .await
        .map_err(failed)?;
        let suspended = match &seller {
            Some(row) => row.try_get::<Option<i64>, _>("suspended_at").map_err(failed)?.is_some(),
            None => false,
        };
        let reviews = sqlx::query(
            "SELECT \"ratings\".\"id\", \"ratings\".\"order_id\", \"ratings\".\"rater_id\", \"ratings\".\"ratee_id\", \
             \"ratings\".\"score\", \"ratings\".\"comment\", \"ratings\".\"created_at\" FROM \"ratings\" \
             WHERE \"ratings\".\"ratee_id\" = $1 ORDER BY \"ratings\".\"id\" DESC LIMIT $2",
        )
        .bind(seller_id)
        .bind(3_i64)
        .fetch_all(pool)
        .await
        .map_err(failed)?;
        let raters = pool.names(reviews.iter().filter_map(|r| r.try_get::<i64, _>("rater_id").ok()))
            .await
            .map_err(failed)?;
        let scores: Vec<String> =
            sqlx::query_scalar("SELECT \"ratings\".\"score\" FROM \"ratings\" WHERE \"ratings\".\"ratee_id\" = $1")
                .bind(seller_id)
                .fetch_all(pool)
                .await
                .map_err(failed)?;
        let photos = sqlx::query(AssertSqlSafe(format!(
            "{PHOTO_COLUMNS} WHERE \"photos\".\"purpose\" = $1 AND \"photos\".\"subject_id\" IN ($2) \
             ORDER BY \"photos\".\"position\" ASC, \"photos\".\"id\" ASC"
        )))
        .bind("listing")
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(failed)?;

        let title: String = listing.try_get("title").map_err(failed)?;
        let description: String = listing.try_get("description").map_err(failed)?;
        let price_fen: i64 = listing.try_get("price_fen").map_err(failed)?;
        let stock: i32 = listing.try_get("stock").map_err(failed)?;
        let good = scores.iter().filter(|s| *s == "good").count();
        let mut html = String::with_capacity(8 * 1024);
        html.push_str(&head(&text(&title)));
        html.push_str(&format!(
            "<main><article><h1>{}</h1><p class=\"price\">¥{}</p><p>{stock} left</p><div class=\"photos\">",
            text(&title),
            yuan(price_fen)
        ));
        for photo in &photos {
            let file: String = photo.try_get("file").map_err(failed)?;
            html.push_str(&format!("<img src=\"/media/{}\" alt=\"\">", html_escape::encode_double_quoted_attribute(&file)));
        }
        html.push_str(&format!(
            "</div><p class=\"description\">{}</p><section class=\"seller\"><h2>Seller</h2><p><a href=\"/seller/{seller_id}\">{}</a>{}</p>\
             <p>{good} good of {} ratings</p><ul>",
            text(&description),
            text(names.get(&seller_id).map_or("", String::as_str)),
            if suspended { " (suspended)" } else { "" },
            scores.len()
        ));
        for review in &reviews {
            let rater: i64 = review.try_get("rater_id").map_err(failed)?;
            let score: String = review.try_get("score").map_err(failed)?;
            let comment: String = review.try_get("comment").map_err(failed)?;
            html.push_str(&format!(
                "<li><b>{}</b> {}: {}</li>",
                text(raters.get(&rater).map_or("", String::as_str)),
                text(&score),
                text(&comment)
            ));
        }
        html.push_str(&format!(
            "</ul></section><form method=\"post\" action=\"/api/place_order\"><input type=\"hidden\" name=\"listing_id\" value=\"{id}\">\
             <input name=\"quantity\" value=\"1\"><button>Buy with escrow</button></form></article></main>{FOOT}"
        ));
        html
    });
    Ok(Html(page).into_response())
}

seller_names_fn!(sqlite_names, sqlx::SqlitePool);
seller_names_fn!(postgres_names, sqlx::PgPool);

/// `members::names` for whichever pool [`on!`] binds.
trait Names {
    fn names(
        &self,
        ids: impl Iterator<Item = i64> + Send,
    ) -> impl Future<Output = Result<HashMap<i64, String>, sqlx::Error>> + Send;
}
impl Names for sqlx::SqlitePool {
    fn names(
        &self,
        ids: impl Iterator<Item = i64> + Send,
    ) -> impl Future<Output = Result<HashMap<i64, String>, sqlx::Error>> + Send {
        sqlite_names(self, ids.collect())
    }
}
impl Names for sqlx::PgPool {
    fn names(
        &self,
        ids: impl Iterator<Item = i64> + Send,
    ) -> impl Future<Output = Result<HashMap<i64, String>, sqlx::Error>> + Send {
        postgres_names(self, ids.collect())
    }
}
