use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::account::{DISPLAY_NAME_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};
use crate::ui::components::layout::use_auth;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let Some(auth) = use_auth() else {
        return ().into_any();
    };
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let errors = action_error(auth.sign_up);
    view! {
        <Title text="Create an account"/>
        <section class="form-page form-page--narrow">
            <h1>"Create an account"</h1>
            <p class="lead">"One account to buy and to sell."</p>
            <ActionForm action=auth.sign_up attr:class="form" attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" required
                        aria-describedby="email-error"/>
                    <FieldError errors field="email"/>
                </div>
                <div class="field">
                    <label for="display_name">"Name shown to others"</label>
                    <input id="display_name" name="display_name" type="text" autocomplete="nickname" required
                        maxlength=DISPLAY_NAME_MAX_CHARS aria-describedby="display_name-error"/>
                    <FieldError errors field="display_name"/>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required
                        minlength=PASSWORD_MIN_CHARS aria-describedby="password-hint password-error"/>
                    <p class="hint" id="password-hint">{format!("At least {PASSWORD_MIN_CHARS} characters.")}</p>
                    <FieldError errors field="password"/>
                </div>
                <SubmitButton pending=auth.sign_up.pending().into() label="Create account" pending_label="Creating…"/>
            </ActionForm>
            <p class="form-aside">"Already a member? " <a href=move || format!("/signin?next={}", next())>"Sign in"</a></p>
        </section>
    }
    .into_any()
}
