use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::ui::components::errors::set_status;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    let l = current();
    view! {
        <Title text=td_string!(l, not_found.page_title)/>
        <section class="notice">
            <h1>{td_string!(l, not_found.title)}</h1>
            <p>{td_string!(l, not_found.text)}</p>
            <p><a class="button" href="/">{td_string!(l, not_found.browse)}</a></p>
        </section>
    }
}
