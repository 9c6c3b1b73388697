use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::listings::{UpdateListing, listing_for_edit, typed_listing};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FormError, SubmitButton, action_error, returned_with_error};
use crate::ui::components::listing_form::ListingFields;
use crate::ui::components::photo_manager::PhotoManager;

#[component]
pub fn EditListingPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let update = ServerAction::<UpdateListing>::new();
    let errors = action_error(update);
    let returned = returned_with_error::<UpdateListing>();
    let listing = Resource::new(id, move |id| async move {
        let Some(id) = id else {
            return Err(AppError::NotFound);
        };
        // The stored listing still decides who may edit and that it exists.
        let stored = listing_for_edit(id).await?;
        let typed = if returned { typed_listing().await.ok().flatten() } else { None };
        let form = typed.filter(|typed| typed.id == Some(id)).map_or(stored, |typed| typed.form);
        Ok((id, form))
    });
    let l = current();
    view! {
        <Title text=td_string!(l, edit.title)/>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok((id, form)) => Either::Left(view! {
                        <section class="form-page">
                            <h1>{td_string!(l, edit.title)}</h1>
                            <ActionForm action=update attr:class="form" attr:novalidate=true>
                                <FormError errors/>
                                <input type="hidden" name="id" value=id/>
                                <ListingFields initial=form errors/>
                                <div class="form-actions">
                                    <SubmitButton pending=update.pending().into() label=td_string!(l, edit.save) pending_label=td_string!(l, common.saving)/>
                                    <a href=format!("/item/{id}")>{td_string!(l, common.cancel)}</a>
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
