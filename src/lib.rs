//! Escrowmart: a marketplace where every purchase runs through escrow.

pub mod app;
/// The rules, in their own crate (`domain/`); re-exported so the app names
/// them `crate::domain::…`.
pub use escrowmart_domain as domain;
pub mod error;
#[cfg(feature = "ssr")]
pub mod server;
pub mod server_fns;
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Marks the moment the page became interactive; the browser tests wait
    // for it before they click.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
