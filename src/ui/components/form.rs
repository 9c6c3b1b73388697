//! Pieces every form uses: the action's error, messages beside fields and a
//! submit button that shows it is working.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::current;

/// The error of an action's last run, if it failed. With JavaScript off, a
/// failed form post comes back as a page whose URL carries the error; the
/// router only hands that to actions made inside `<Routes>`, so it is read
/// here too and forms show it wherever their action was made.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let from_url = use_context::<ServerActionError>()
        .filter(|error| error.path() == S::PATH)
        .map(|error| ServerFnUrlError::<AppError>::decode_err(error.err()));
    Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => from_url.clone(),
    })
}

/// Whether this page was drawn because a post of `S`'s form without
/// JavaScript failed and came back here (then what was typed may be kept).
pub fn returned_with_error<S: ServerFn>() -> bool {
    use_context::<ServerActionError>().is_some_and(|error| error.path() == S::PATH)
}

/// The text to put inside a `<textarea>`, for every textarea that shows
/// something a person typed.
///
/// tachys 0.2.19 lists `textarea` among the elements whose children it does
/// not escape (like `<script>`), so the server writes its text raw: a
/// description holding `</textarea><script>…` would leave the field and
/// run on the edit page. The text is escaped here, on the server only; the
/// browser parses it back to exactly the characters the hydrated app holds,
/// so hydration sees the same text. The hostile-input render test guards it.
pub fn textarea_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    let text = html_escape::encode_text(&text).into_owned();
    text
}

/// The message beside one field.
#[component]
pub fn FieldError(errors: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    let l = current();
    move || {
        errors.get().and_then(|e| e.field_message(field, l)).map(|message| {
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
        })
    }
}

/// The message about the form as a whole (a refusal, a failure), or, when
/// only fields are wrong, a line saying so above them. It takes the focus,
/// so a keyboard or screen-reader user lands on what went wrong: without
/// JavaScript the page comes back and `autofocus` does it; in the app the
/// first field marked invalid gets the focus (the message if none is).
#[component]
pub fn FormError(errors: Signal<Option<AppError>>) -> impl IntoView {
    let l = current();
    move || {
        errors
            .get()
            .and_then(|e| match e.form_message(l) {
                Some(message) => Some(message),
                None => matches!(e, AppError::Invalid(_)).then(|| td_string!(l, error.invalid).to_owned()),
            })
            .map(|message| {
                let summary = NodeRef::<leptos::html::P>::new();
                summary.on_load(focus_first_error);
                view! {
                    <p class="form-error" role="alert" tabindex="-1" autofocus node_ref=summary>{message}</p>
                }
            })
    }
}

/// Focuses the first field of the message's form marked `aria-invalid`, or
/// the message itself.
fn focus_first_error(summary: leptos::web_sys::HtmlParagraphElement) {
    use wasm_bindgen::JsCast;
    let field = summary
        .closest("form")
        .ok()
        .flatten()
        .and_then(|form| form.query_selector("[aria-invalid=\"true\"]").ok().flatten())
        .and_then(|field| field.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    // Focus can fail only on a detached element; nothing to tell anyone then.
    let _ = match field {
        Some(field) => field.focus(),
        None => summary.focus(),
    };
}

#[component]
pub fn SubmitButton(
    pending: Signal<bool>,
    label: &'static str,
    pending_label: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=format!("button button--primary {class}") disabled=pending aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}
