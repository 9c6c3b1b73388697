use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::orders::my_orders;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::order_list::OrderTable;

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders = Resource::new(|| (), |_| my_orders());
    let l = current();
    view! {
        <Title text=td_string!(l, my_orders.title)/>
        <h1>{td_string!(l, my_orders.title)}</h1>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(list) if list.is_empty() => Either::Left(Either::Left(view! {
                        <p class="empty">{td_string!(l, my_orders.empty)} <a href="/">{td_string!(l, my_orders.browse)}</a></p>
                    })),
                    Ok(list) => Either::Left(Either::Right(view! { <OrderTable orders=list who=td_string!(l, common.seller)/> })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
