use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::server_fns::orders::dashboard;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::order_list::OrderTable;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    view! {
        <Title text="Seller dashboard"/>
        <div class="page-heading">
            <h1>"Seller dashboard"</h1>
            <div class="button-row">
                <a class="button" href="/my/listings">"My listings"</a>
                <a class="button button--primary" href="/sell">"Sell an item"</a>
            </div>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => Either::Left(view! {
                        <section class="stats">
                            <div class="stat"><span>"Wallet"</span><strong>{d.available.to_string()}</strong></div>
                            <div class="stat"><span>"In escrow for your sales"</span><strong>{d.awaiting_release.to_string()}</strong></div>
                            <div class="stat"><span>"To ship"</span><strong data-testid="to-ship-count">{d.to_ship.len()}</strong></div>
                        </section>
                        <h2>"Orders to ship"</h2>
                        {if d.to_ship.is_empty() {
                            Either::Left(view! { <p class="empty">"Nothing to ship right now."</p> })
                        } else {
                            Either::Right(view! {
                                <ul class="to-ship">
                                    {d.to_ship.into_iter().map(|o| view! {
                                        <li>
                                            <a class="button button--primary" href=format!("/orders/{}", o.id)>"Ship"</a>
                                            <span>{format!(" #{} {} — {} ", o.id, o.title, o.amount)}</span>
                                            {o.deadline.map(|d| view! { <small>{d}</small> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }}
                        <h2>"All sales"</h2>
                        {if d.sales.is_empty() {
                            Either::Left(view! { <p class="empty">"No sales yet."</p> })
                        } else {
                            Either::Right(view! { <OrderTable orders=d.sales who="Buyer"/> })
                        }}
                    }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
