use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::current;

/// The one error template: a plain message, never internals.
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let l = current();
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| match error.downcast_ref::<AppError>() {
                Some(app_error) => app_error.message(l),
                None => AppError::Internal.message(l),
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="notice notice--error" role="alert">
            <h1>{td_string!(l, error.title)}</h1>
            <For each=messages key=|m| m.clone() let:message>
                <p>{message}</p>
            </For>
            <p><a href="/">{td_string!(l, error.back_to_shop)}</a></p>
        </section>
    }
}

/// Shows an error from a page's data: a 404 page for what does not exist, a
/// sign-in prompt for what needs an account, otherwise the message with the
/// status it stands for and a way on: "try again" for a fault of ours (the
/// same address, a plain link, so it works without JavaScript too), the shop
/// for everything.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <crate::ui::pages::not_found::NotFound/> }.into_any(),
        AppError::SignInRequired => view! { <SignInPrompt/> }.into_any(),
        other => {
            #[cfg(feature = "ssr")]
            set_status(other.status().as_u16());
            let l = current();
            let ours = matches!(other, AppError::Internal | AppError::Transport(_));
            let location = leptos_router::hooks::use_location();
            // The router's `search` has no leading `?`.
            let here = move || {
                let search = location.search.get();
                if search.is_empty() {
                    location.pathname.get()
                } else {
                    format!("{}?{search}", location.pathname.get())
                }
            };
            let title = if ours { td_string!(l, error.ours_title) } else { td_string!(l, error.title) };
            view! {
                <leptos_meta::Title text=title/>
                <section class="notice notice--error" role="alert" data-testid="error-page">
                    <h1>{title}</h1>
                    <p>{other.message(l)}</p>
                    <p class="notice__actions">
                        {ours.then(|| view! {
                            <a class="button button--primary" href=here target="_self">{td_string!(l, error.try_again)}</a>
                        })}
                        <a class="button" href="/">{td_string!(l, error.back_to_shop)}</a>
                    </p>
                </section>
            }
            .into_any()
        }
    }
}

#[component]
pub fn SignInPrompt() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let next = move || location.pathname.get();
    let l = current();
    view! {
        <leptos_meta::Title text=td_string!(l, signin_prompt.title)/>
        <section class="notice">
            <h1>{td_string!(l, signin_prompt.title)}</h1>
            <p>{td_string!(l, signin_prompt.text)}</p>
            <p>
                <a class="button button--primary" href=move || format!("/signin?next={}", next())>{td_string!(l, nav.sign_in)}</a>
                {td_string!(l, signin_prompt.or)}
                <a href=move || format!("/signup?next={}", next())>{td_string!(l, signin_prompt.create)}</a>
            </p>
        </section>
    }
}

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
