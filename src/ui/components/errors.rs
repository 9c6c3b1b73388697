use leptos::prelude::*;

use crate::error::AppError;

/// The one error template: a plain message, never internals.
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| match error.downcast_ref::<AppError>() {
                Some(app_error) => app_error.to_string(),
                None => AppError::Internal.to_string(),
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="notice notice--error" role="alert">
            <h1>"Sorry, that did not work"</h1>
            <For each=messages key=|m| m.clone() let:message>
                <p>{message}</p>
            </For>
            <p><a href="/">"Back to the shop"</a></p>
        </section>
    }
}

/// Shows an error from a page's data: a 404 page for what does not exist, a
/// sign-in prompt for what needs an account, a plain message otherwise.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <crate::ui::pages::not_found::NotFound/> }.into_any(),
        AppError::SignInRequired => view! { <SignInPrompt/> }.into_any(),
        other => {
            if matches!(other, AppError::Forbidden) {
                set_status(403);
            }
            view! {
                <section class="notice notice--error" role="alert">
                    <p>{other.to_string()}</p>
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
    view! {
        <section class="notice">
            <h1>"Please sign in"</h1>
            <p>"You need an account for this page."</p>
            <p>
                <a class="button button--primary" href=move || format!("/signin?next={}", next())>"Sign in"</a>
                " or "
                <a href=move || format!("/signup?next={}", next())>"create an account"</a>
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
