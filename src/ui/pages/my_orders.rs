use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::server_fns::orders::my_orders;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::order_list::OrderTable;

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders = Resource::new(|| (), |_| my_orders());
    view! {
        <Title text="My orders"/>
        <h1>"My orders"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(list) if list.is_empty() => Either::Left(Either::Left(view! {
                        <p class="empty">"You have not bought anything yet. " <a href="/">"Browse the shop."</a></p>
                    })),
                    Ok(list) => Either::Left(Either::Right(view! { <OrderTable orders=list who="Seller"/> })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
