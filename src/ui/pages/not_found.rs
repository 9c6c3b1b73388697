use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::errors::set_status;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found"/>
        <section class="notice">
            <h1>"We could not find that page"</h1>
            <p>"The item may have been removed, or the link is mistyped."</p>
            <p><a class="button" href="/">"Browse the shop"</a></p>
        </section>
    }
}
