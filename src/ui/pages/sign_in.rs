use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::i18n::td_string;
use crate::language::current;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};
use crate::ui::components::layout::use_auth;

#[component]
pub fn SignInPage() -> impl IntoView {
    let Some(auth) = use_auth() else {
        return ().into_any();
    };
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let errors = action_error(auth.sign_in);
    let l = current();
    view! {
        <Title text=td_string!(l, sign_in.title)/>
        <section class="form-page form-page--narrow">
            <h1>{td_string!(l, sign_in.title)}</h1>
            <ActionForm action=auth.sign_in attr:class="form">
                <FormError errors/>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="email">{td_string!(l, account.email)}</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <FieldError errors field="email"/>
                </div>
                <div class="field">
                    <label for="password">{td_string!(l, account.password)}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    <FieldError errors field="password"/>
                </div>
                <SubmitButton pending=auth.sign_in.pending().into() label=td_string!(l, sign_in.title) pending_label=td_string!(l, sign_in.signing_in)/>
            </ActionForm>
            <p class="form-aside"><a href="/forgot-password">{td_string!(l, forgot.link)}</a></p>
            <p class="form-aside">{td_string!(l, sign_in.new_here)} <a href=move || format!("/signup?next={}", next())>{td_string!(l, sign_in.create)}</a></p>
        </section>
    }
    .into_any()
}
