use leptos::prelude::*;

use crate::domain::listing::Listing;

#[component]
pub fn ListingCard(listing: Listing) -> impl IntoView {
    let href = format!("/item/{}", listing.id);
    let sold_out = listing.is_sold_out();
    view! {
        <li class="card">
            <a class="card__link" href=href>
                <span class="card__category">{listing.category.label()}</span>
                <h2 class="card__title">{listing.title}</h2>
                <p class="card__price">{listing.price.to_string()}</p>
                <p class="card__meta">
                    {listing.seller_name}
                    {sold_out.then(|| view! { <span class="badge badge--muted">"Sold out"</span> })}
                </p>
            </a>
        </li>
    }
}
