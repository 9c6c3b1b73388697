//! A seller's photos of one listing: add (a plain multipart form, so it works
//! without JavaScript), reorder and delete. The first photo is the cover.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::domain::listing::PHOTOS_PER_LISTING;
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
    view! {
        <section class="photo-manager" id="photos" aria-labelledby="photos-heading">
            <h2 id="photos-heading">"Photos"</h2>
            {move || upload_error().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
            <FormError errors=shift_errors/>
            <FormError errors=delete_errors/>
            <Suspense fallback=|| view! { <p class="loading">"Loading photos…"</p> }>
                {move || Suspend::new(async move {
                    match photos.await {
                        Ok(photos) if photos.is_empty() => Either::Left(Either::Left(view! {
                            <p class="empty">"No photos yet. Listings with photos sell faster."</p>
                        })),
                        Ok(photos) => {
                            let last = photos.len() - 1;
                            Either::Left(Either::Right(view! {
                                <ol class="photo-manager__list" data-testid="listing-photos">
                                    {photos.into_iter().enumerate().map(|(i, photo)| view! {
                                        <li class="photo-manager__item">
                                            <img src=photo.thumb alt=format!("Photo {}", i + 1) width="120"/>
                                            {(i == 0).then(|| view! { <span class="badge">"Cover"</span> })}
                                            <div class="photo-manager__tools">
                                                {(i > 0).then(|| view! { <ShiftButton action=shift listing_id photo_id=photo.id earlier=true/> })}
                                                {(i < last).then(|| view! { <ShiftButton action=shift listing_id photo_id=photo.id earlier=false/> })}
                                                <ActionForm action=delete attr:class="inline-form">
                                                    <input type="hidden" name="listing_id" value=listing_id/>
                                                    <input type="hidden" name="photo_id" value=photo.id/>
                                                    <button type="submit" class="link-button link-button--danger"
                                                        aria-label=format!("Delete photo {}", i + 1)>"Delete"</button>
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
                        {format!("Add photos (up to {PHOTOS_PER_LISTING} in all; JPEG, PNG or WebP, 5 MB each)")}
                    </label>
                    <input id="listing-photos" name="photos" type="file" multiple
                        accept="image/jpeg,image/png,image/webp"/>
                </div>
                <button type="submit" class="button">"Upload photos"</button>
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
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="listing_id" value=listing_id/>
            <input type="hidden" name="photo_id" value=photo_id/>
            <input type="hidden" name="earlier" value=earlier.to_string()/>
            <button type="submit" class="link-button">{if earlier { "← Earlier" } else { "Later →" }}</button>
        </ActionForm>
    }
}
