use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::search::Search;
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

    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Buy and sell with the money held safely in between"</h1>
            <p>"You pay into escrow; the seller is paid only when you confirm the item arrived as described."</p>
            <SearchFilters search=Search::default()/>
        </section>
        <Suspense fallback=|| view! { <p class="loading">"Loading listings…"</p> }>
            {move || Suspend::new(async move {
                match listings.await {
                    Ok(found) if found.listings.is_empty() => Either::Left(Either::Left(view! {
                        <p class="empty">"Nothing is listed yet. " <a href="/sell">"Be the first to sell something."</a></p>
                    })),
                    Ok(found) => Either::Left(Either::Right(view! {
                        <CategoryLinks counts=found.categories current=None/>
                        <p class="result-count">{format!("{} items for sale", found.total)}</p>
                        <ListingCards listings=found.listings/>
                        <Pager page=found.page pages=found.pages href=|n| format!("/?page={n}")/>
                    })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
