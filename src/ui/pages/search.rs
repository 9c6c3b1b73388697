use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::domain::search::SearchForm;
use crate::i18n::td_string;
use crate::labels;
use crate::language::{current, is_singular};
use crate::server_fns::listings::{SearchResults, search_listings};
use crate::ui::components::browse::{CategoryLinks, SearchFilters};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::listing_card::ListingCards;
use crate::ui::components::pager::Pager;

/// `/search?q=…` and `/category/{slug}`: one page, the query in the URL.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let form = move || {
        let query = query.read();
        let text = |key: &str| query.get(key).unwrap_or_default();
        let category = params.read().get("slug").unwrap_or_else(|| text("category"));
        SearchForm {
            q: text("q"),
            category,
            min: text("min"),
            max: text("max"),
            in_stock: query.get("in_stock").is_some_and(|v| !v.is_empty() && v != "off"),
            sort: text("sort"),
            page: text("page"),
        }
    };
    let results = Resource::new(form, search_listings);
    let l = current();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, search.searching)}</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(results) => Either::Left(view! { <Results results/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Results(results: SearchResults) -> impl IntoView {
    let SearchResults { search, problem, found } = results;
    let l = current();
    let terms = search.terms.join(" ");
    let heading = match (search.category, search.terms.is_empty()) {
        (Some(category), true) => labels::category(l, category).to_owned(),
        (Some(category), false) => {
            td_string!(l, search.in_category, terms = terms, category = labels::category(l, category))
        }
        (None, false) => td_string!(l, search.results_for, terms = terms),
        (None, true) => td_string!(l, search.everything).to_owned(),
    };
    let count = match found.total {
        n if found.capped => td_string!(l, search.capped, count = crate::domain::money::grouped(n)),
        0 => td_string!(l, search.nothing).to_owned(),
        n if is_singular(l, n) => td_string!(l, common.items_1, count = n),
        n => td_string!(l, common.items_n, count = n),
    };
    let page_links = search.clone();
    view! {
        <Title text=heading.clone()/>
        <div class="browse">
            <aside class="browse__side">
                <CategoryLinks counts=found.categories current=search.category/>
            </aside>
            <section class="browse__main">
                <h1>{heading}</h1>
                <SearchFilters search=search.clone()/>
                {problem.map(|p| view! { <p class="notice notice--error" role="alert" data-testid="search-problem">{p}</p> })}
                <p class="result-count" data-testid="result-count">{count}</p>
                <ListingCards listings=found.listings/>
                <Pager page=found.page pages=found.pages href=move |n| page_links.href(n)/>
            </section>
        </div>
    }
}
