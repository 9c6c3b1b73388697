//! The pieces that help people find things: the search box, the filters and
//! the category links with their counts.

use crate::domain::search::QUERY_MAX_CHARS;
use leptos::prelude::*;

use crate::domain::listing::Category;
use crate::domain::search::{Search, Sort};

/// Category links with how many listings each has; `current` is marked.
#[component]
pub fn CategoryLinks(counts: Vec<(Category, u64)>, current: Option<Category>) -> impl IntoView {
    view! {
        <nav class="categories" aria-label="Categories">
            <ul>
                {counts.into_iter().map(|(category, count)| {
                    let here = current == Some(category);
                    view! {
                        <li>
                            <a href=format!("/category/{}", category.slug())
                                aria-current=here.then_some("page")>
                                {category.label()}
                                <span class="categories__count">{count}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// The search and filter form. A plain GET form, so the search lives in the
/// URL: it can be shared, bookmarked and gone back to.
#[component]
pub fn SearchFilters(search: Search) -> impl IntoView {
    let min = search.min_price.map(|m| m.amount_text()).unwrap_or_default();
    let max = search.max_price.map(|m| m.amount_text()).unwrap_or_default();
    view! {
        <form class="filters" method="get" action="/search" role="search">
            <div class="field filters__query">
                <label for="search-q">"Search"</label>
                <input id="search-q" name="q" type="search" value=search.terms.join(" ")
                    placeholder="What are you looking for? 例如：二手手机" maxlength=QUERY_MAX_CHARS/>
            </div>
            <div class="field">
                <label for="search-category">"Category"</label>
                <select id="search-category" name="category">
                    <option value="" selected=search.category.is_none()>"All categories"</option>
                    {Category::ALL.iter().copied().map(|c| view! {
                        <option value=c.slug() selected=search.category == Some(c)>{c.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field filters__price">
                <label for="search-min">"Price from (¥)"</label>
                <input id="search-min" name="min" inputmode="decimal" value=min size="8"/>
            </div>
            <div class="field filters__price">
                <label for="search-max">"to (¥)"</label>
                <input id="search-max" name="max" inputmode="decimal" value=max size="8"/>
            </div>
            <div class="field">
                <label for="search-sort">"Sort by"</label>
                <select id="search-sort" name="sort">
                    {Sort::ALL.iter().copied().map(|s| view! {
                        <option value=s.slug() selected=search.sort == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <label class="check filters__stock">
                <input type="checkbox" name="in_stock" checked=search.in_stock_only/>
                "In stock only"
            </label>
            <button type="submit" class="button button--primary">"Search"</button>
        </form>
    }
}
