use crate::domain::order::ADDRESS_MAX_CHARS;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::domain::listing::ListingStatus;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::listings::{ListingDetail, ListingPhoto, SetListingActive, get_listing};
use crate::server_fns::orders::PlaceOrder;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};
use crate::ui::components::reviews::{Reviews, TallyLine};

#[component]
pub fn ItemPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let set_active = ServerAction::<SetListingActive>::new();
    let detail = Resource::new(
        move || (id(), set_active.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_listing(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let l = current();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => Either::Left(view! { <ItemView detail set_active/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ItemView(detail: ListingDetail, set_active: ServerAction<SetListingActive>) -> impl IntoView {
    let ListingDetail {
        listing,
        listed_on,
        is_mine,
        signed_in,
        form_key,
        seller_tally,
        seller_reviews,
        seller_suspended,
        photos,
    } = detail;
    let without_photos = photos.is_empty();
    let delisted = listing.status == ListingStatus::Delisted;
    let buyable = !is_mine && !delisted && listing.stock > 0 && !seller_suspended;
    let max_quantity = listing.stock.min(100);
    let errors = action_error(set_active);
    let pending = set_active.pending().into();
    let id = listing.id;
    let l = current();
    let stock_line = match (delisted, listing.stock) {
        (true, _) => td_string!(l, item.no_longer).to_owned(),
        (false, 0) => td_string!(l, common.sold_out).to_owned(),
        (false, n) => td_string!(l, item.in_stock, count = n),
    };
    let category = labels::category(l, listing.category);
    view! {
        <Title text=listing.title.clone()/>
        <article class="item">
            <nav class="breadcrumbs">
                <a href="/">{td_string!(l, item.home)}</a> " › "
                <a href=format!("/category/{}", listing.category.slug())>{category}</a>
            </nav>
            <Gallery photos title=listing.title.clone()/>
            {delisted.then(|| view! { <p class="notice notice--muted">{td_string!(l, item.delisted)}</p> })}
            <h1 class="item__title">{listing.title.clone()}</h1>
            <p class="item__price">{listing.price.to_string()}</p>
            <dl class="item__facts">
                <dt>{td_string!(l, item.condition)}</dt><dd>{labels::condition(l, listing.condition)}</dd>
                <dt>{td_string!(l, item.availability)}</dt><dd data-testid="availability">{stock_line}</dd>
                <dt>{td_string!(l, common.seller)}</dt><dd><a href=format!("/seller/{}", listing.seller_id)>{listing.seller_name.clone()}</a></dd>
                <dt>{td_string!(l, item.listed)}</dt><dd>{listed_on}</dd>
            </dl>
            {seller_suspended.then(|| view! {
                <p class="notice notice--error">{td_string!(l, item.suspended)}</p>
            })}
            <div class="item__description">
                {listing.description.split("\n\n").map(|p| view! { <p>{p.to_owned()}</p> }).collect_view()}
            </div>
            {buyable.then(|| if signed_in {
                view! { <BuyForm listing_id=id max_quantity form_key/> }.into_any()
            } else {
                view! {
                    <p class="buy-box">
                        <a class="button button--primary" href=format!("/signin?next=/item/{id}")>{td_string!(l, item.sign_in_to_buy)}</a>
                    </p>
                }.into_any()
            })}
            <section class="seller-box" aria-label=td_string!(l, item.about_seller)>
                <h2>{td_string!(l, item.about, name = listing.seller_name)}</h2>
                <TallyLine tally=seller_tally/>
                <Reviews reviews=seller_reviews/>
            </section>
            {is_mine.then(|| view! {
                <section class="owner-tools" aria-label=td_string!(l, item.your_listing)>
                    <a class="button" href=format!("/item/{id}/edit")>{td_string!(l, item.edit)}</a>
                    {without_photos.then(|| view! {
                        <a class="button button--primary" href=format!("/item/{id}/edit#photos")>{td_string!(l, item.add_photos)}</a>
                    })}
                    <ActionForm action=set_active attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="active" value=delisted.to_string()/>
                        <SubmitButton pending
                            label=if delisted { td_string!(l, item.relist) } else { td_string!(l, item.delist) }
                            pending_label=td_string!(l, common.saving)/>
                    </ActionForm>
                    <FormError errors/>
                </section>
            })}
        </article>
    }
}

/// A slide is as wide as the item column (at most 760 px) or the screen.
const GALLERY_IMAGE_SIZES: &str = "(max-width: 800px) 100vw, 760px";

/// The listing's photos, large, one after another with the cover first;
/// the thumbnails jump to each. Plain links and CSS scroll snapping, so it
/// works the same without JavaScript.
#[component]
fn Gallery(photos: Vec<ListingPhoto>, title: String) -> impl IntoView {
    if photos.is_empty() {
        return None;
    }
    let count = photos.len();
    let l = current();
    let thumbs = (count > 1).then(|| {
        view! {
            <ol class="gallery__thumbs">
                {photos.iter().enumerate().map(|(i, photo)| view! {
                    <li><a href=format!("#photo-{}", i + 1)>
                        <img src=photo.thumb.clone() alt=td_string!(l, item.photo_of, n = i + 1, count = count) loading="lazy"/>
                    </a></li>
                }).collect_view()}
            </ol>
        }
    });
    Some(view! {
        <div class="gallery" data-testid="gallery">
            <ol class="gallery__slides">
                {photos.into_iter().enumerate().map(|(i, photo)| {
                    let link = photo.full.clone();
                    view! {
                    <li id=format!("photo-{}", i + 1)>
                        <a href=link>
                            <img src=photo.full.clone() srcset=photo.srcset() sizes=GALLERY_IMAGE_SIZES
                                alt=td_string!(l, item.title_photo_of, title = title.clone(), n = i + 1, count = count)
                                width=photo.width height=photo.height
                                loading=if i == 0 { "eager" } else { "lazy" }/>
                        </a>
                    </li>
                    }
                }).collect_view()}
            </ol>
            {thumbs}
        </div>
    })
}

/// Quantity and address; the money is paid on the order page next.
#[component]
fn BuyForm(listing_id: i64, max_quantity: u32, form_key: String) -> impl IntoView {
    let place = ServerAction::<PlaceOrder>::new();
    let errors = action_error(place);
    let l = current();
    view! {
        <section class="buy-box" aria-label=td_string!(l, item.buy)>
            <h2>{td_string!(l, item.buy_with_escrow)}</h2>
            <ActionForm action=place attr:class="form form--compact">
                <FormError errors/>
                <input type="hidden" name="listing_id" value=listing_id/>
                <input type="hidden" name="form_key" value=form_key/>
                <div class="field">
                    <label for="quantity">{td_string!(l, common.quantity)}</label>
                    <input id="quantity" name="quantity" type="number" min="1" max=max_quantity value="1" required/>
                    <FieldError errors field="quantity"/>
                </div>
                <div class="field">
                    <label for="shipping_address">{td_string!(l, item.shipping_address)}</label>
                    <textarea id="shipping_address" name="shipping_address" rows="3" required maxlength=ADDRESS_MAX_CHARS
                        placeholder=td_string!(l, item.address_placeholder)></textarea>
                    <FieldError errors field="shipping_address"/>
                </div>
                <SubmitButton pending=place.pending().into() label=td_string!(l, item.buy_now) pending_label=td_string!(l, item.ordering)/>
                <p class="hint">{td_string!(l, item.buy_hint)}</p>
            </ActionForm>
        </section>
    }
}
