//! Finding listings: words, category, price range, stock, order, page.
//!
//! One function answers on both backends; the SQL differs where the index
//! does (see the search migration for why both index trigrams). Every word
//! must occur in the title or the description, as a substring, so 手机 finds
//! 二手手机 and `lamp` finds `Lamps`. Best match first means: more of the
//! words in the title first, then the database's own relevance (FTS5's BM25
//! with the title weighted ten times the description; PostgreSQL's `ts_rank`
//! over the weighted `tsvector`), then newest.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};

use super::StoreError;
use super::listings::{Page, with_seller_names};
use crate::domain::listing::{Category, Listing, ListingStatus};
use crate::domain::search::{Search, Sort};
use crate::server::entities::listings;

/// FTS5's trigram index can only look up words of three or more characters;
/// shorter ones (手机, tv) are matched by scanning instead.
const TRIGRAM: usize = 3;

pub async fn search(
    db: &impl ConnectionTrait,
    search: &Search,
    per_page: u64,
) -> Result<Page<Listing>, StoreError> {
    let backend = db.get_database_backend();
    let offset = search.page.saturating_sub(1) * per_page;
    // Where every row must be scanned anyway (all words too short for the
    // trigram index, or PostgreSQL's substring match), the page query counts
    // the matches as it goes instead of scanning a second time. Not beside
    // FTS5: its ranking function cannot run in a windowed query.
    let scans = !search.terms.is_empty()
        && (backend == DbBackend::Postgres || search.terms.iter().all(|t| t.chars().count() < TRIGRAM));
    let rows = db
        .query_all_raw(statement(backend, search, Some(PageOf { limit: per_page, offset, counted: scans })))
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.try_get_by_index::<i64>(0)).collect::<Result<_, _>>()?;
    let counted = match rows.first() {
        Some(row) if scans => Some(row.try_get_by_index::<i64>(1)?),
        _ => None,
    };
    let total = match counted {
        Some(total) => total,
        None => match db.query_one_raw(statement(backend, search, None)).await? {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => 0,
        },
    };

    let mut found: HashMap<i64, listings::Model> = listings::Entity::find()
        .filter(listings::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let in_order = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok(Page { items: with_seller_names(db, in_order).await?, total: u64::try_from(total).unwrap_or(0) })
}

/// How many active listings each category has, every category in order
/// (an empty one too: its page still exists and says so).
pub async fn category_counts(db: &impl ConnectionTrait) -> Result<Vec<(Category, u64)>, StoreError> {
    let counts: Vec<(String, i64)> = listings::Entity::find()
        .select_only()
        .column(listings::Column::Category)
        .column_as(listings::Column::Id.count(), "n")
        .filter(listings::Column::Status.eq(ListingStatus::Active.slug()))
        .group_by(listings::Column::Category)
        .into_tuple()
        .all(db)
        .await?;
    let by_slug: HashMap<String, i64> = counts.into_iter().collect();
    Ok(Category::ALL
        .iter()
        .copied()
        .map(|c| (c, by_slug.get(c.slug()).map_or(0, |n| u64::try_from(*n).unwrap_or(0))))
        .collect())
}

/// SQL text with its values, numbered the way the backend wants them.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: impl Into<Value>) {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => self.text.push_str(&format!("${}", self.values.len())),
            _ => self.text.push('?'),
        }
    }
}

/// One page of results: which, and whether to count all matches alongside.
#[derive(Clone, Copy)]
struct PageOf {
    limit: u64,
    offset: u64,
    counted: bool,
}

/// The count (no `page`) or one page of ids, each with the total number of
/// matches as a second column when `counted`.
fn statement(backend: DbBackend, search: &Search, page: Option<PageOf>) -> Statement {
    let postgres = backend == DbBackend::Postgres;
    let like = if postgres { "ILIKE" } else { "LIKE" };
    let (indexed, scanned): (Vec<&String>, Vec<&String>) =
        search.terms.iter().partition(|t| !postgres && t.chars().count() >= TRIGRAM);
    let fts = !indexed.is_empty();
    let mut sql = Sql { backend, text: String::new(), values: Vec::new() };

    sql.push(match page {
        Some(PageOf { counted: true, .. }) => "SELECT l.id, COUNT(*) OVER () FROM ",
        Some(_) => "SELECT l.id FROM ",
        None => "SELECT COUNT(*) FROM ",
    });
    // With words to look up, the index drives: CROSS JOIN fixes SQLite's
    // join order, so the match runs once rather than once per listing.
    sql.push(if fts {
        "listings_fts CROSS JOIN listings l ON l.id = listings_fts.rowid"
    } else {
        "listings l"
    });
    sql.push(" WHERE l.status = ");
    sql.bind(ListingStatus::Active.slug());
    if fts {
        sql.push(" AND listings_fts MATCH ");
        let phrases: Vec<String> =
            indexed.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
        sql.bind(phrases.join(" AND "));
    }
    for term in &scanned {
        let pattern = like_pattern(term);
        sql.push(&format!(" AND (l.title {like} "));
        sql.bind(pattern.clone());
        sql.push(&format!(" ESCAPE '\\' OR l.description {like} "));
        sql.bind(pattern);
        sql.push(" ESCAPE '\\')");
    }
    if let Some(category) = search.category {
        sql.push(" AND l.category = ");
        sql.bind(category.slug());
    }
    if let Some(min) = search.min_price {
        sql.push(" AND l.price_fen >= ");
        sql.bind(min.fen());
    }
    if let Some(max) = search.max_price {
        sql.push(" AND l.price_fen <= ");
        sql.bind(max.fen());
    }
    if search.in_stock_only {
        sql.push(" AND l.stock > 0");
    }

    if let Some(PageOf { limit, offset, .. }) = page {
        sql.push(" ORDER BY ");
        match search.effective_sort() {
            Sort::Relevance => {
                sql.push("(");
                for (i, term) in search.terms.iter().enumerate() {
                    if i > 0 {
                        sql.push(" + ");
                    }
                    sql.push(&format!("CASE WHEN l.title {like} "));
                    sql.bind(like_pattern(term));
                    sql.push(" ESCAPE '\\' THEN 1 ELSE 0 END");
                }
                sql.push(") DESC, ");
                if fts {
                    sql.push("bm25(listings_fts, 10.0, 1.0) ASC, ");
                } else if postgres {
                    sql.push("ts_rank(l.search_vector, websearch_to_tsquery('simple', ");
                    let words: Vec<&str> = search.terms.iter().map(String::as_str).collect();
                    sql.bind(words.join(" or "));
                    sql.push(")) DESC, ");
                }
                sql.push("l.created_at DESC, l.id DESC");
            }
            Sort::Newest => sql.push("l.created_at DESC, l.id DESC"),
            Sort::PriceLow => sql.push("l.price_fen ASC, l.id DESC"),
            Sort::PriceHigh => sql.push("l.price_fen DESC, l.id DESC"),
        }
        sql.push(" LIMIT ");
        sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
        sql.push(" OFFSET ");
        sql.bind(i64::try_from(offset).unwrap_or(i64::MAX));
    }
    Statement::from_sql_and_values(backend, sql.text, sql.values)
}

/// `%term%` with LIKE's own wildcards taken literally.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_a_search_word_are_taken_literally() {
        assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
