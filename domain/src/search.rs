//! What a shopper asks for when they search or browse: words, a category, a
//! price range, in-stock only, an order and a page. It comes from the URL (so
//! a search can be shared and the back button works) and goes back into it.

use serde::{Deserialize, Serialize};

use super::listing::Category;
use super::money::{Money, MoneyError};

/// Longer queries are cut here; nobody types more to find a thing.
pub const QUERY_MAX_CHARS: usize = 100;
/// Words beyond this many are ignored, which bounds the SQL a query makes.
pub const TERMS_MAX: usize = 8;
/// Deeper pages are refused: nobody reads page 400, but a crawler might
/// ask for it and make the database skip millions of rows.
pub const PAGE_MAX: u64 = 200;

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Sort {
    /// Best match first; without search words this is the same as newest.
    #[default]
    Relevance,
    Newest,
    PriceLow,
    PriceHigh,
}

impl Sort {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Best match",
            Sort::Newest => "Newest",
            Sort::PriceLow => "Price: low to high",
            Sort::PriceHigh => "Price: high to low",
        }
    }
}

/// The raw URL parameters, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchForm {
    pub q: String,
    pub category: String,
    pub min: String,
    pub max: String,
    pub in_stock: bool,
    pub sort: String,
    pub page: String,
}

/// A checked search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    /// Lower-cased words; a listing must contain every one, in its title or
    /// its description.
    pub terms: Vec<String>,
    pub category: Option<Category>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub in_stock_only: bool,
    pub sort: Sort,
    pub page: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("Lowest price: {0}")]
    MinPrice(MoneyError),
    #[error("Highest price: {0}")]
    MaxPrice(MoneyError),
    #[error("The lowest price is above the highest")]
    PriceRangeReversed,
    #[error("There is no category called “{0}”")]
    UnknownCategory(String),
    #[error("Results stop at page {PAGE_MAX}; narrow the search instead")]
    PageTooDeep,
}

impl Search {
    /// Checks what came from the URL. Unknown sort orders and unreadable page
    /// numbers fall back to the defaults (they come from old or hand-edited
    /// links, not from a person who needs a message); a bad price or
    /// category gets one, because the shopper typed or picked it.
    pub fn parse(form: &SearchForm) -> Result<Self, SearchError> {
        let terms = terms(&form.q);
        let category = match form.category.trim() {
            "" => None,
            slug => Some(slug.parse::<Category>().map_err(|_| SearchError::UnknownCategory(slug.into()))?),
        };
        let price = |text: &str, error: fn(MoneyError) -> SearchError| match text.trim() {
            "" => Ok(None),
            text => Money::parse(text).map(Some).map_err(error),
        };
        let min_price = price(&form.min, SearchError::MinPrice)?;
        let max_price = price(&form.max, SearchError::MaxPrice)?;
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            return Err(SearchError::PriceRangeReversed);
        }
        let page = form.page.trim().parse::<u64>().unwrap_or(1).max(1);
        if page > PAGE_MAX {
            return Err(SearchError::PageTooDeep);
        }
        let sort = form.sort.trim().parse::<Sort>().ok().unwrap_or_default();
        Ok(Search { terms, category, min_price, max_price, in_stock_only: form.in_stock, sort, page })
    }

    /// The order results really come in: relevance needs words to rank by.
    pub fn effective_sort(&self) -> Sort {
        if self.sort == Sort::Relevance && self.terms.is_empty() { Sort::Newest } else { self.sort }
    }

    /// The URL of this search at another page, for the pager.
    pub fn href(&self, page: u64) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.terms.is_empty() {
            params.push(("q", self.terms.join(" ")));
        }
        if let Some(category) = self.category {
            params.push(("category", category.slug().to_owned()));
        }
        if let Some(min) = self.min_price {
            params.push(("min", min.amount_text()));
        }
        if let Some(max) = self.max_price {
            params.push(("max", max.amount_text()));
        }
        if self.in_stock_only {
            params.push(("in_stock", "on".to_owned()));
        }
        if self.sort != Sort::default() {
            params.push(("sort", self.sort.slug().to_owned()));
        }
        if page > 1 {
            params.push(("page", page.to_string()));
        }
        if params.is_empty() {
            return "/search".to_owned();
        }
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        format!("/search?{query}")
    }
}

/// Splits a query into distinct lower-cased words. Chinese is written
/// without spaces, so a run of Han characters is one term and matches as a
/// substring; that is what a shopper typing 手机 expects to find inside
/// 二手苹果手机.
pub fn terms(query: &str) -> Vec<String> {
    let cut: String = query.chars().take(QUERY_MAX_CHARS).collect();
    let mut terms: Vec<String> = Vec::new();
    for word in cut.split(|c: char| c.is_whitespace() || c == '，' || c == ',' || c == '、') {
        let word = word.trim_matches(|c: char| c == '"' || c == '“' || c == '”').to_lowercase();
        if !word.is_empty() && !terms.contains(&word) {
            terms.push(word);
        }
        if terms.len() == TERMS_MAX {
            break;
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(q: &str) -> SearchForm {
        SearchForm { q: q.into(), ..SearchForm::default() }
    }

    #[test]
    fn words_are_lower_cased_deduplicated_and_split_on_spaces_and_chinese_commas() {
        assert_eq!(terms("  iPhone 13，手机  iphone "), vec!["iphone", "13", "手机"]);
        assert_eq!(terms("“二手”"), vec!["二手"]);
        assert!(terms("   ").is_empty());
    }

    #[test]
    fn a_long_query_is_cut_to_the_word_and_length_limits() {
        assert_eq!(terms("a b c d e f g h i j k").len(), TERMS_MAX);
        let long = "长".repeat(500);
        assert_eq!(terms(&long), vec!["长".repeat(QUERY_MAX_CHARS)]);
    }

    #[test]
    fn an_empty_search_is_newest_first_on_page_one() {
        let search = Search::parse(&SearchForm::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(search.page, 1);
        assert_eq!(search.effective_sort(), Sort::Newest);
        assert_eq!(search.href(1), "/search");
    }

    #[test]
    fn a_search_with_words_is_by_relevance() {
        let search = Search::parse(&form("lamp")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(search.effective_sort(), Sort::Relevance);
    }

    #[test]
    fn prices_are_checked_and_a_reversed_range_is_refused() {
        let mut f = form("");
        f.min = "10".into();
        f.max = "9.99".into();
        assert_eq!(Search::parse(&f), Err(SearchError::PriceRangeReversed));
        f.max = "10".into();
        let search = Search::parse(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(search.min_price, search.max_price);
        f.min = "ten".into();
        assert!(matches!(Search::parse(&f), Err(SearchError::MinPrice(_))));
        f.min = "1.234".into();
        assert!(matches!(Search::parse(&f), Err(SearchError::MinPrice(_))));
    }

    #[test]
    fn an_unknown_category_is_refused_and_a_known_one_kept() {
        let mut f = form("");
        f.category = "spaceships".into();
        assert_eq!(Search::parse(&f), Err(SearchError::UnknownCategory("spaceships".into())));
        f.category = "books".into();
        assert_eq!(Search::parse(&f).map(|s| s.category), Ok(Some(Category::Books)));
    }

    #[test]
    fn junk_page_numbers_and_sorts_fall_back_but_deep_pages_are_refused() {
        let mut f = form("");
        f.page = "-3".into();
        f.sort = "random".into();
        let search = Search::parse(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((search.page, search.sort), (1, Sort::Relevance));
        f.page = (PAGE_MAX + 1).to_string();
        assert_eq!(Search::parse(&f), Err(SearchError::PageTooDeep));
    }

    #[test]
    fn the_url_round_trips_through_parse() {
        let f = SearchForm {
            q: "二手 iPhone".into(),
            category: "digital".into(),
            min: "100".into(),
            max: "2000.50".into(),
            in_stock: true,
            sort: "price-low".into(),
            page: "3".into(),
        };
        let search = Search::parse(&f).unwrap_or_else(|e| panic!("{e}"));
        let href = search.href(2);
        assert_eq!(
            href,
            "/search?q=%E4%BA%8C%E6%89%8B+iphone&category=digital&min=100.00&max=2000.50&in_stock=on&sort=price-low&page=2"
        );
    }
}
