use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::search::Search;
use crate::i18n::td_string;
use crate::language::{current, is_singular};
use crate::server_fns::listings::listings_page;
use crate::ui::components::browse::{CategoryLinks, SearchFilters};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::listing_card::ListingCards;
use crate::ui::components::pager::Pager;

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let listings = Resource::new(page, listings_page);
    let l = current();

    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{td_string!(l, home.hero_title)}</h1>
            <p>{td_string!(l, home.hero_text)}</p>
            <SearchFilters search=Search::default()/>
        </section>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, home.loading)}</p> }>
            {move || Suspend::new(async move {
                match listings.await {
                    Ok(found) if found.listings.is_empty() => Either::Left(Either::Left(view! {
                        <p class="empty">{td_string!(l, home.empty)} <a href="/sell">{td_string!(l, home.empty_link)}</a></p>
                    })),
                    Ok(found) => Either::Left(Either::Right(view! {
                        <CategoryLinks counts=found.categories current=None/>
                        <p class="result-count">{if is_singular(l, found.total) {
                            td_string!(l, home.for_sale_1, count = found.total)
                        } else {
                            td_string!(l, home.for_sale_n, count = found.total)
                        }}</p>
                        <ListingCards listings=found.listings/>
                        <Pager page=found.page pages=found.pages href=|n| format!("/?page={n}")/>
                    })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
