use leptos::prelude::*;

use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::orders::OrderSummary;

/// A table of orders; `who` names the other side's column.
#[component]
pub fn OrderTable(orders: Vec<OrderSummary>, who: &'static str) -> impl IntoView {
    let l = current();
    view! {
        <table class="table table--stack">
            <thead><tr>
                <th>{td_string!(l, common.order)}</th><th>{td_string!(l, common.item)}</th><th>{who}</th>
                <th>{td_string!(l, common.total)}</th><th>{td_string!(l, common.status)}</th>
            </tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr>
                        <td data-label=td_string!(l, common.order)><a href=format!("/orders/{}", o.id)>{format!("#{}", o.id)}</a></td>
                        <td data-label=td_string!(l, common.item)><a href=format!("/orders/{}", o.id)>{o.title}</a><br/><small>{o.placed_on}</small></td>
                        <td data-label=who>{o.counterpart}</td>
                        <td data-label=td_string!(l, common.total)>{o.amount.to_string()}</td>
                        <td data-label=td_string!(l, common.status)>
                            <span class=format!("state state--{}", o.state.slug())>{labels::order_state(l, o.state)}</span>
                            {o.deadline.map(|d| view! { <br/><small>{d}</small> })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
