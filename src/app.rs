//! The HTML shell, the router and the layout every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::ui::components::layout::Layout;
use crate::ui::pages::{
    account::{AccountPage, ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage},
    arbiter::ArbiterPage,
    checkout::{CheckoutPage, CheckoutReturnPage},
    dashboard::DashboardPage,
    edit_listing::EditListingPage,
    home::HomePage,
    item::ItemPage,
    merchant::MerchantPage,
    my_listings::MyListingsPage,
    my_orders::MyOrdersPage,
    not_found::NotFound,
    notifications::NotificationsPage,
    order::OrderPage,
    search::SearchPage,
    sell::SellPage,
    seller::SellerPage,
    sign_in::SignInPage,
    sign_up::SignUpPage,
    stats::StatsPage,
    wallet::WalletPage,
};

/// Where the build put the stylesheet, the JS glue and the wasm, as paths
/// under the site (`/pkg/escrowmart.<hash>.css`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltFiles {
    pub stylesheet: String,
    pub script: String,
    pub wasm: String,
}

/// The page around every route. The stylesheet and hydration links are
/// written here from names read once at start (`BuiltFiles`), not by
/// leptos' `HashedStylesheet` and `HydrationScripts`: in leptos 0.8.23 and
/// leptos_meta 0.8.7 both look up the running binary and read the build's
/// hash list from disk on every page, blocking the async worker, and
/// `HydrationScripts` panics (`expect`) if the list cannot be read.
pub fn shell(options: LeptosOptions, built: BuiltFiles) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    // What leptos' hydration script does: load the glue, start the wasm,
    // hydrate. `{:?}` quotes the paths as JS strings (they are our own
    // file names, never typed by anyone).
    let start = format!(
        "import({:?}).then((glue) => glue.default({{ module_or_path: {:?} }}).then(() => glue.hydrate()));",
        built.script, built.wasm
    );
    view! {
        <!DOCTYPE html>
        // `lang` is set by I18nContextProvider (through leptos_meta's <Html>)
        // to the request's language; the hydrating app reads it back.
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="leptos" href=built.stylesheet/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options/>
                // Fetched while the page is read. The nonce lets the policy's
                // 'strict-dynamic' admit the preload; `crossorigin` makes
                // both match the credentials mode of the requests the script
                // then makes, so they reuse what was preloaded.
                <link rel="modulepreload" href=built.script nonce=nonce.clone() crossorigin=""/>
                <link rel="preload" href=built.wasm r#as="fetch" r#type="application/wasm" crossorigin=""/>
                <script type="module" nonce=nonce>{start}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The whole title of a page, from the page's own `<Title text=…/>`.
///
/// `leptos_meta` 0.8.7 writes the server-rendered `<title>` into the head
/// without escaping it (`buf.push_str(&title)` in its `lib.rs`, and upstream
/// still does), so a listing titled `</title><script>…` ran script on its
/// item page. Every page's title passes through this one formatter (no page
/// sets another), so it is escaped here, once, on the server. In the browser
/// the same text goes to `document.title`, which takes it as plain text, so
/// there it must not be escaped. The hostile-input render test guards this.
fn site_title(page: String) -> String {
    let title = if page.is_empty() { "Escrowmart".to_owned() } else { format!("{page} · Escrowmart") };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The switcher's choice is kept site-wide for a year (the crate's default
    // cookie would be scoped to the page's directory and end with the
    // browser session).
    let cookie_options = leptos_i18n::context::CookieOptions::<crate::i18n::Locale>::default()
        .path("/")
        .max_age(crate::language::COOKIE_MAX_AGE_SECS as i64 * 1_000);
    // The page's language is the one every other part of a request uses
    // (`language::of_request`), handed to leptos_i18n as the only language
    // "accepted", so the two can never disagree.
    #[cfg(feature = "ssr")]
    let resolved = leptos_i18n::context::UseLocalesOptions::default()
        .ssr_lang_header_getter(|| Some(crate::language::code(crate::language::of_request()).to_owned()));
    #[cfg(not(feature = "ssr"))]
    let resolved = leptos_i18n::context::UseLocalesOptions::default();
    view! {
        <crate::i18n::I18nContextProvider cookie_name=crate::language::COOKIE cookie_options ssr_lang_header_getter=resolved>
        <Title formatter=site_title/>
        <Router>
            <Layout>
                // Every route renders completely on the server before it is
                // sent, so a page works with JavaScript off and can set its
                // HTTP status (404).
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/category/:slug") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/item/:id") view=ItemPage ssr=SsrMode::Async/>
                    <Route path=path!("/item/:id/edit") view=EditListingPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell") view=SellPage ssr=SsrMode::Async/>
                    <Route path=path!("/my/listings") view=MyListingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders") view=MyOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:id") view=OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/wallet") view=WalletPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/seller/:id") view=SellerPage ssr=SsrMode::Async/>
                    <Route path=path!("/arbiter") view=ArbiterPage ssr=SsrMode::Async/>
                    <Route path=path!("/stats") view=StatsPage ssr=SsrMode::Async/>
                    <Route path=path!("/merchant") view=MerchantPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:id") view=CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:id/return") view=CheckoutReturnPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
        </crate::i18n::I18nContextProvider>
    }
}
