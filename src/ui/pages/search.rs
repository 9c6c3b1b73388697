use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::domain::search::SearchForm;
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
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
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
    let heading = match (search.category, search.terms.is_empty()) {
        (Some(category), true) => category.label().to_owned(),
        (Some(category), false) => format!("“{}” in {}", search.terms.join(" "), category.label()),
        (None, false) => format!("Results for “{}”", search.terms.join(" ")),
        (None, true) => "Everything on sale".to_owned(),
    };
    let count = match found.total {
        n if found.capped => format!("{}+ items", crate::domain::money::grouped(n)),
        0 => "Nothing matches. Try fewer words or a wider price range.".to_owned(),
        1 => "1 item".to_owned(),
        n => format!("{n} items"),
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
