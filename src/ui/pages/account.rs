//! The account page (address confirmation, password change, signing out
//! everywhere) and the pages the mailed links open: reset a password,
//! confirm an address. Each works as a plain form without JavaScript.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::domain::account::PASSWORD_MIN_CHARS;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::account::{
    AccountView, ChangePassword, ConfirmEmail, ForgotPassword, ResendConfirmation, check_reset_link,
    get_account,
};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};
use crate::ui::components::layout::use_auth;

/// Whether the page's address carries `flag=1` (what a form that went well
/// came back with).
fn flagged(flag: &'static str) -> Memo<bool> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(flag).as_deref() == Some("1"))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let resend = ServerAction::<ResendConfirmation>::new();
    let change = ServerAction::<ChangePassword>::new();
    let account = Resource::new(move || (resend.version().get(), change.version().get()), |_| get_account());
    let l = current();
    view! {
        <Title text=td_string!(l, account_page.title)/>
        <h1>{td_string!(l, account_page.title)}</h1>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => Either::Left(view! { <AccountDetail account resend change/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountDetail(
    account: AccountView,
    resend: ServerAction<ResendConfirmation>,
    change: ServerAction<ChangePassword>,
) -> impl IntoView {
    let Some(auth) = use_auth() else {
        return ().into_any();
    };
    let l = current();
    let resend_errors = action_error(resend);
    let change_errors = action_error(change);
    let everywhere_errors = action_error(auth.sign_out_everywhere);
    let (sent, changed, reset) = (flagged("sent"), flagged("changed"), flagged("reset"));
    let username = account.email.clone();
    view! {
        {move || changed.get().then(|| view! { <p class="notice notice--success" role="status" data-testid="account-notice">{td_string!(l, account_page.changed)}</p> })}
        {move || reset.get().then(|| view! { <p class="notice notice--success" role="status" data-testid="account-notice">{td_string!(l, account_page.reset_done)}</p> })}
        <section class="panel" aria-labelledby="address-heading">
            <h2 id="address-heading">{td_string!(l, account_page.email)}</h2>
            <p><strong data-testid="account-email">{account.email}</strong></p>
            {if account.email_verified {
                Either::Left(view! { <p class="badge" data-testid="email-state">{td_string!(l, account_page.confirmed)}</p> })
            } else {
                Either::Right(view! {
                    <p data-testid="email-state">{td_string!(l, account_page.not_confirmed)}</p>
                    {move || sent.get().then(|| view! { <p class="notice notice--success" role="status">{td_string!(l, account_page.sent)}</p> })}
                    <ActionForm action=resend attr:class="form form--compact">
                        <FormError errors=resend_errors/>
                        <SubmitButton pending=resend.pending().into() label=td_string!(l, account_page.resend) pending_label=td_string!(l, common.working) class="button--secondary"/>
                    </ActionForm>
                })
            }}
        </section>
        <section class="panel" aria-labelledby="password-heading">
            <h2 id="password-heading">{td_string!(l, account_page.change_title)}</h2>
            <ActionForm action=change attr:class="form form--compact" attr:novalidate=true>
                <FormError errors=change_errors/>
                // For password managers: whose password this is.
                <input type="email" name="username" autocomplete="username" value=username hidden=true readonly=true tabindex="-1"/>
                <div class="field">
                    <label for="current_password">{td_string!(l, account_page.current_password)}</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required
                        aria-describedby="current_password-error"/>
                    <FieldError errors=change_errors field="current_password"/>
                </div>
                <div class="field">
                    <label for="new_password">{td_string!(l, account_page.new_password)}</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required
                        minlength=PASSWORD_MIN_CHARS aria-describedby="new_password-hint new_password-error"/>
                    <p class="hint" id="new_password-hint">{td_string!(l, sign_up.password_hint, min = PASSWORD_MIN_CHARS)}</p>
                    <FieldError errors=change_errors field="new_password"/>
                </div>
                <SubmitButton pending=change.pending().into() label=td_string!(l, account_page.change) pending_label=td_string!(l, account_page.changing)/>
            </ActionForm>
        </section>
        <section class="panel" aria-labelledby="everywhere-heading">
            <h2 id="everywhere-heading">{td_string!(l, account_page.everywhere_title)}</h2>
            <p>{td_string!(l, account_page.everywhere_lead)}</p>
            <ActionForm action=auth.sign_out_everywhere attr:class="form form--compact">
                <FormError errors=everywhere_errors/>
                <SubmitButton pending=auth.sign_out_everywhere.pending().into() label=td_string!(l, account_page.everywhere) pending_label=td_string!(l, common.working) class="button--secondary"/>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let errors = action_error(forgot);
    let sent = flagged("sent");
    let l = current();
    view! {
        <Title text=td_string!(l, forgot.title)/>
        <section class="form-page form-page--narrow">
            <h1>{td_string!(l, forgot.title)}</h1>
            {move || if sent.get() {
                Either::Left(view! { <p class="notice notice--success" role="status" data-testid="forgot-sent">{td_string!(l, forgot.sent)}</p> })
            } else {
                Either::Right(view! {
                    <p class="lead">{td_string!(l, forgot.lead)}</p>
                    <ActionForm action=forgot attr:class="form" attr:novalidate=true>
                        <FormError errors/>
                        <div class="field">
                            <label for="email">{td_string!(l, account.email)}</label>
                            <input id="email" name="email" type="email" autocomplete="username" required aria-describedby="email-error"/>
                            <FieldError errors field="email"/>
                        </div>
                        <SubmitButton pending=forgot.pending().into() label=td_string!(l, forgot.submit) pending_label=td_string!(l, common.working)/>
                    </ActionForm>
                })
            }}
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let Some(auth) = use_auth() else {
        return ().into_any();
    };
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let link = Resource::new(token, check_reset_link);
    let errors = action_error(auth.reset_password);
    let l = current();
    view! {
        <Title text=td_string!(l, reset.title)/>
        <section class="form-page form-page--narrow">
            <h1>{td_string!(l, reset.title)}</h1>
            <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => Either::Left(view! {
                            <ActionForm action=auth.reset_password attr:class="form" attr:novalidate=true>
                                <FormError errors/>
                                <input type="hidden" name="token" value=token/>
                                <div class="field">
                                    <label for="password">{td_string!(l, account_page.new_password)}</label>
                                    <input id="password" name="password" type="password" autocomplete="new-password" required
                                        minlength=PASSWORD_MIN_CHARS aria-describedby="password-hint password-error"/>
                                    <p class="hint" id="password-hint">{td_string!(l, sign_up.password_hint, min = PASSWORD_MIN_CHARS)}</p>
                                    <FieldError errors field="password"/>
                                </div>
                                <SubmitButton pending=auth.reset_password.pending().into() label=td_string!(l, reset.submit) pending_label=td_string!(l, common.saving)/>
                            </ActionForm>
                        }),
                        Err(error) => Either::Right(view! {
                            <p class="notice notice--error" role="alert" data-testid="link-refused">{error.message(l)}</p>
                            <p><a class="button" href="/forgot-password">{td_string!(l, reset.ask_again)}</a></p>
                        }),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmEmail>::new();
    let errors = action_error(confirm);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = flagged("done");
    let l = current();
    view! {
        <Title text=td_string!(l, verify.title)/>
        <section class="form-page form-page--narrow">
            <h1>{td_string!(l, verify.title)}</h1>
            {move || if done.get() {
                Either::Left(view! {
                    <p class="notice notice--success" role="status" data-testid="email-confirmed">{td_string!(l, verify.done)}</p>
                    <p><a class="button button--primary" href="/sell">{td_string!(l, verify.start_selling)}</a></p>
                })
            } else {
                // A button, not a change on opening the link: mail scanners
                // open links, and a step should be the member's own.
                Either::Right(view! {
                    <p class="lead">{td_string!(l, verify.lead)}</p>
                    <ActionForm action=confirm attr:class="form">
                        <FormError errors/>
                        <input type="hidden" name="token" value=token/>
                        <SubmitButton pending=confirm.pending().into() label=td_string!(l, verify.submit) pending_label=td_string!(l, common.working)/>
                    </ActionForm>
                })
            }}
        </section>
    }
}
