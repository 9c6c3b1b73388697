use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::listing::ListingForm;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::listings::{CreateListing, typed_listing};
use crate::ui::components::errors::SignInPrompt;
use crate::ui::components::form::{FormError, SubmitButton, action_error, returned_with_error};
use crate::ui::components::layout::use_auth;
use crate::ui::components::listing_form::ListingFields;

#[component]
pub fn SellPage() -> impl IntoView {
    let create = ServerAction::<CreateListing>::new();
    let errors = action_error(create);
    let auth = use_auth();
    let returned = returned_with_error::<CreateListing>();
    let typed = Resource::new(
        || (),
        move |_| async move {
            if returned {
                typed_listing().await.ok().flatten().filter(|typed| typed.id.is_none())
            } else {
                None
            }
        },
    );
    let l = current();
    view! {
        <Title text=td_string!(l, sell.title)/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = match auth {
                    Some(auth) => matches!(auth.member.await, Ok(Some(_))),
                    None => false,
                };
                if !signed_in {
                    return Either::Right(view! { <SignInPrompt/> });
                }
                let initial = typed
                    .await
                    .map(|typed| typed.form)
                    .unwrap_or_else(|| ListingForm { stock: "1".into(), ..Default::default() });
                Either::Left(view! {
                    <section class="form-page">
                        <h1>{td_string!(l, sell.title)}</h1>
                        <p class="lead">{td_string!(l, sell.lead)}</p>
                        <ActionForm action=create attr:class="form" attr:novalidate=true>
                            <FormError errors/>
                            <ListingFields initial errors/>
                            <SubmitButton pending=create.pending().into() label=td_string!(l, sell.submit) pending_label=td_string!(l, sell.listing)/>
                        </ActionForm>
                    </section>
                })
            })}
        </Suspense>
    }
}
