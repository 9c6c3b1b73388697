//! The pieces that help people find things: the search box, the filters and
//! the category links with their counts.

use crate::domain::search::QUERY_MAX_CHARS;
use leptos::prelude::*;

use crate::domain::listing::Category;
use crate::domain::search::{Search, Sort};
use crate::i18n::td_string;
use crate::labels;
use crate::language;

/// Category links with how many listings each has; `current` is marked.
#[component]
pub fn CategoryLinks(counts: Vec<(Category, u64)>, current: Option<Category>) -> impl IntoView {
    let l = language::current();
    view! {
        <nav class="categories" aria-label=td_string!(l, browse.categories)>
            <ul>
                {counts.into_iter().map(|(category, count)| {
                    let here = current == Some(category);
                    view! {
                        <li>
                            <a href=format!("/category/{}", category.slug())
                                aria-current=here.then_some("page")>
                                {labels::category(l, category)}
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
    let l = language::current();
    view! {
        <form class="filters" method="get" action="/search" role="search">
            <div class="field filters__query">
                <label for="search-q">{td_string!(l, browse.search)}</label>
                <input id="search-q" name="q" type="search" value=search.terms.join(" ")
                    placeholder=td_string!(l, browse.placeholder) maxlength=QUERY_MAX_CHARS/>
            </div>
            <div class="field">
                <label for="search-category">{td_string!(l, browse.category)}</label>
                <select id="search-category" name="category">
                    <option value="" selected=search.category.is_none()>{td_string!(l, browse.all_categories)}</option>
                    {Category::ALL.iter().copied().map(|c| view! {
                        <option value=c.slug() selected=search.category == Some(c)>{labels::category(l, c)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field filters__price">
                <label for="search-min">{td_string!(l, browse.price_from)}</label>
                <input id="search-min" name="min" inputmode="decimal" value=min size="8"/>
            </div>
            <div class="field filters__price">
                <label for="search-max">{td_string!(l, browse.price_to)}</label>
                <input id="search-max" name="max" inputmode="decimal" value=max size="8"/>
            </div>
            <div class="field">
                <label for="search-sort">{td_string!(l, browse.sort_by)}</label>
                <select id="search-sort" name="sort">
                    {Sort::ALL.iter().copied().map(|s| view! {
                        <option value=s.slug() selected=search.sort == s>{labels::sort(l, s)}</option>
                    }).collect_view()}
                </select>
            </div>
            <label class="check filters__stock">
                <input type="checkbox" name="in_stock" checked=search.in_stock_only/>
                {td_string!(l, browse.in_stock)}
            </label>
            <button type="submit" class="button button--primary">{td_string!(l, browse.search)}</button>
        </form>
    }
}
