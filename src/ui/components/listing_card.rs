use leptos::prelude::*;

use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::listings::ListingSummary;

/// Cards in the first row or two are on screen at once; the rest wait until
/// scrolled near (four: the home page's first row on a desktop is four).
const EAGER_CARDS: usize = 4;

/// The card's width as laid out by `.cards` (one column on a phone, cells of
/// at least 220 px in a 1,120 px page otherwise), for the browser's choice
/// from `srcset` before the style sheet is read.
const CARD_IMAGE_SIZES: &str = "(max-width: 520px) 100vw, 270px";

#[component]
pub fn ListingCard(summary: ListingSummary, #[prop(default = false)] eager: bool) -> impl IntoView {
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
                        Some(photo) => view! {
                            <img src=photo.thumb.clone() srcset=photo.srcset() sizes=CARD_IMAGE_SIZES alt=""
                                loading=if eager { "eager" } else { "lazy" } width="400" height="400"/>
                        }.into_any(),
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
            {listings
                .into_iter()
                .enumerate()
                .map(|(i, summary)| view! { <ListingCard summary eager=i < EAGER_CARDS/> })
                .collect_view()}
        </ul>
    }
}
