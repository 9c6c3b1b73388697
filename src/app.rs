//! The HTML shell, the router and the layout every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::ui::components::layout::Layout;
use crate::ui::pages::{
    arbiter::ArbiterPage, dashboard::DashboardPage, edit_listing::EditListingPage, home::HomePage,
    item::ItemPage, my_listings::MyListingsPage, my_orders::MyOrdersPage, not_found::NotFound,
    notifications::NotificationsPage, order::OrderPage, search::SearchPage, sell::SellPage,
    seller::SellerPage, sign_in::SignInPage, sign_up::SignUpPage, wallet::WalletPage,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="leptos" href="/pkg/escrowmart.css"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|title: String| if title.is_empty() { "Escrowmart".to_owned() } else { format!("{title} · Escrowmart") }/>
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
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
