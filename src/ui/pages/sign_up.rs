use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::account::{DISPLAY_NAME_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::i18n::td_string;
use crate::language::current;
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
    let l = current();
    view! {
        <Title text=td_string!(l, sign_up.title)/>
        <section class="form-page form-page--narrow">
            <h1>{td_string!(l, sign_up.title)}</h1>
            <p class="lead">{td_string!(l, sign_up.lead)}</p>
            <ActionForm action=auth.sign_up attr:class="form" attr:novalidate=true>
                <FormError errors/>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="email">{td_string!(l, account.email)}</label>
                    <input id="email" name="email" type="email" autocomplete="email" required
                        aria-describedby="email-error"/>
                    <FieldError errors field="email"/>
                </div>
                <div class="field">
                    <label for="display_name">{td_string!(l, sign_up.display_name)}</label>
                    <input id="display_name" name="display_name" type="text" autocomplete="nickname" required
                        maxlength=DISPLAY_NAME_MAX_CHARS aria-describedby="display_name-error"/>
                    <FieldError errors field="display_name"/>
                </div>
                <div class="field">
                    <label for="password">{td_string!(l, account.password)}</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required
                        minlength=PASSWORD_MIN_CHARS aria-describedby="password-hint password-error"/>
                    <p class="hint" id="password-hint">{td_string!(l, sign_up.password_hint, min = PASSWORD_MIN_CHARS)}</p>
                    <FieldError errors field="password"/>
                </div>
                <SubmitButton pending=auth.sign_up.pending().into() label=td_string!(l, sign_up.submit) pending_label=td_string!(l, sign_up.creating)/>
            </ActionForm>
            <p class="form-aside">{td_string!(l, sign_up.already)} <a href=move || format!("/signin?next={}", next())>{td_string!(l, nav.sign_in)}</a></p>
        </section>
    }
    .into_any()
}
