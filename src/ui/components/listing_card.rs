use leptos::prelude::*;

use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::listings::ListingSummary;

#[component]
pub fn ListingCard(summary: ListingSummary) -> impl IntoView {
    let ListingSummary { listing, cover } = summary;
    let href = format!("/item/{}", listing.id);
    let sold_out = listing.is_sold_out();
    let l = current();
    let category = labels::category(l, listing.category);
    view! {
        <li class="card">
            <a class="card__link" href=href>
                <span class="card__image">
                    {match cover {
                        Some(src) => view! { <img src=src alt="" loading="lazy" width="400" height="400"/> }.into_any(),
                        None => view! { <span class="card__no-photo" aria-hidden="true">{category}</span> }.into_any(),
                    }}
                </span>
                <span class="card__category">{category}</span>
                <h2 class="card__title">{listing.title}</h2>
                <p class="card__price">{listing.price.to_string()}</p>
                <p class="card__meta">
                    {listing.seller_name}
                    {sold_out.then(|| view! { <span class="badge badge--muted">{td_string!(l, common.sold_out)}</span> })}
                </p>
            </a>
        </li>
    }
}

/// A grid of listing cards.
#[component]
pub fn ListingCards(listings: Vec<ListingSummary>) -> impl IntoView {
    view! {
        <ul class="cards" data-testid="listings">
            {listings.into_iter().map(|summary| view! { <ListingCard summary/> }).collect_view()}
        </ul>
    }
}
