//! A seller's photos of one listing: add (a plain multipart form, so it works
//! without JavaScript), reorder and delete. The first photo is the cover.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::domain::listing::PHOTOS_PER_LISTING;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::listings::{DeleteListingPhoto, MoveListingPhoto, get_listing_photos_for_edit};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FormError, action_error};

#[component]
pub fn PhotoManager(listing_id: i64) -> impl IntoView {
    let shift = ServerAction::<MoveListingPhoto>::new();
    let delete = ServerAction::<DeleteListingPhoto>::new();
    let photos = Resource::new(
        move || (shift.version().get(), delete.version().get()),
        move |_| get_listing_photos_for_edit(listing_id),
    );
    let query = use_query_map();
    let upload_error = move || query.read().get("error");
    let shift_errors = action_error(shift);
    let delete_errors = action_error(delete);
    let l = current();
    view! {
        <section class="photo-manager" id="photos" aria-labelledby="photos-heading">
            <h2 id="photos-heading">{td_string!(l, photos.title)}</h2>
            {move || upload_error().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
            <FormError errors=shift_errors/>
            <FormError errors=delete_errors/>
            <Suspense fallback=move || view! { <p class="loading">{td_string!(l, photos.loading)}</p> }>
                {move || Suspend::new(async move {
                    match photos.await {
                        Ok(photos) if photos.is_empty() => Either::Left(Either::Left(view! {
                            <p class="empty">{td_string!(l, photos.empty)}</p>
                        })),
                        Ok(photos) => {
                            let last = photos.len() - 1;
                            Either::Left(Either::Right(view! {
                                <ol class="photo-manager__list" data-testid="listing-photos">
                                    {photos.into_iter().enumerate().map(|(i, photo)| view! {
                                        <li class="photo-manager__item">
                                            <img src=photo.thumb alt=td_string!(l, photos.alt, n = i + 1) width="120"/>
                                            {(i == 0).then(|| view! { <span class="badge">{td_string!(l, photos.cover)}</span> })}
                                            <div class="photo-manager__tools">
                                                {(i > 0).then(|| view! { <ShiftButton action=shift listing_id photo_id=photo.id earlier=true/> })}
                                                {(i < last).then(|| view! { <ShiftButton action=shift listing_id photo_id=photo.id earlier=false/> })}
                                                <ActionForm action=delete attr:class="inline-form">
                                                    <input type="hidden" name="listing_id" value=listing_id/>
                                                    <input type="hidden" name="photo_id" value=photo.id/>
                                                    <button type="submit" class="link-button link-button--danger"
                                                        aria-label=td_string!(l, photos.delete_label, n = i + 1)>{td_string!(l, photos.delete)}</button>
                                                </ActionForm>
                                            </div>
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }))
                        }
                        Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                    }
                })}
            </Suspense>
            <form class="form form--compact" method="post" action=format!("/item/{listing_id}/photos")
                enctype="multipart/form-data">
                <div class="field">
                    <label for="listing-photos">
                        {td_string!(l, photos.add, max = PHOTOS_PER_LISTING)}
                    </label>
                    <input id="listing-photos" name="photos" type="file" multiple
                        accept="image/jpeg,image/png,image/webp"/>
                </div>
                <button type="submit" class="button">{td_string!(l, photos.upload)}</button>
            </form>
        </section>
    }
}

#[component]
fn ShiftButton(
    action: ServerAction<MoveListingPhoto>,
    listing_id: i64,
    photo_id: i64,
    earlier: bool,
) -> impl IntoView {
    let l = current();
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="listing_id" value=listing_id/>
            <input type="hidden" name="photo_id" value=photo_id/>
            <input type="hidden" name="earlier" value=earlier.to_string()/>
            <button type="submit" class="link-button">{if earlier { td_string!(l, photos.earlier) } else { td_string!(l, photos.later) }}</button>
        </ActionForm>
    }
}
