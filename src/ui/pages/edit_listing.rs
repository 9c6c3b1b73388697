use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::server_fns::listings::{UpdateListing, listing_for_edit};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FormError, SubmitButton, action_error};
use crate::ui::components::listing_form::ListingFields;
use crate::ui::components::photo_manager::PhotoManager;

#[component]
pub fn EditListingPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let update = ServerAction::<UpdateListing>::new();
    let errors = action_error(update);
    let current = Resource::new(id, |id| async move {
        match id {
            Some(id) => listing_for_edit(id).await.map(|form| (id, form)),
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Edit listing"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok((id, form)) => Either::Left(view! {
                        <section class="form-page">
                            <h1>"Edit listing"</h1>
                            <ActionForm action=update attr:class="form" attr:novalidate=true>
                                <FormError errors/>
                                <input type="hidden" name="id" value=id/>
                                <ListingFields initial=form errors/>
                                <div class="form-actions">
                                    <SubmitButton pending=update.pending().into() label="Save changes" pending_label="Saving…"/>
                                    <a href=format!("/item/{id}")>"Cancel"</a>
                                </div>
                            </ActionForm>
                            <PhotoManager listing_id=id/>
                        </section>
                    }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
