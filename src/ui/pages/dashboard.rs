use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::orders::dashboard;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::order_list::OrderTable;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    let l = current();
    view! {
        <Title text=td_string!(l, dashboard.title)/>
        <div class="page-heading">
            <h1>{td_string!(l, dashboard.title)}</h1>
            <div class="button-row">
                <a class="button" href="/my/listings">{td_string!(l, dashboard.my_listings)}</a>
                <a class="button button--primary" href="/sell">{td_string!(l, nav.sell)}</a>
            </div>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => Either::Left(view! {
                        <section class="stats">
                            <div class="stat"><span>{td_string!(l, dashboard.wallet)}</span><strong>{d.available.to_string()}</strong></div>
                            <div class="stat"><span>{td_string!(l, dashboard.in_escrow)}</span><strong>{d.awaiting_release.to_string()}</strong></div>
                            <div class="stat"><span>{td_string!(l, dashboard.to_ship)}</span><strong data-testid="to-ship-count">{d.to_ship.len()}</strong></div>
                        </section>
                        <h2>{td_string!(l, dashboard.orders_to_ship)}</h2>
                        {if d.to_ship.is_empty() {
                            Either::Left(view! { <p class="empty">{td_string!(l, dashboard.nothing_to_ship)}</p> })
                        } else {
                            Either::Right(view! {
                                <ul class="to-ship">
                                    {d.to_ship.into_iter().map(|o| view! {
                                        <li>
                                            <a class="button button--primary" href=format!("/orders/{}", o.id)>{td_string!(l, order.ship)}</a>
                                            <span>{format!(" #{} {} — {} ", o.id, o.title, o.amount)}</span>
                                            {o.deadline.map(|d| view! { <small>{d}</small> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }}
                        <h2>{td_string!(l, dashboard.all_sales)}</h2>
                        {if d.sales.is_empty() {
                            Either::Left(view! {
                                <p class="empty">{td_string!(l, dashboard.no_sales)} " " <a href="/sell">{td_string!(l, dashboard.start_selling)}</a></p>
                            })
                        } else {
                            Either::Right(view! { <OrderTable orders=d.sales who=td_string!(l, common.buyer)/> })
                        }}
                    }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
