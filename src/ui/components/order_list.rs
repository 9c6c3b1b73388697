use leptos::prelude::*;

use crate::server_fns::orders::OrderSummary;

/// A table of orders; `who` names the other side's column.
#[component]
pub fn OrderTable(orders: Vec<OrderSummary>, who: &'static str) -> impl IntoView {
    view! {
        <table class="table">
            <thead><tr><th>"Order"</th><th>"Item"</th><th>{who}</th><th>"Total"</th><th>"Status"</th></tr></thead>
            <tbody>
                {orders.into_iter().map(|o| view! {
                    <tr>
                        <td><a href=format!("/orders/{}", o.id)>{format!("#{}", o.id)}</a></td>
                        <td><a href=format!("/orders/{}", o.id)>{o.title}</a><br/><small>{o.placed_on}</small></td>
                        <td>{o.counterpart}</td>
                        <td>{o.amount.to_string()}</td>
                        <td>
                            <span class=format!("state state--{}", o.state.slug())>{o.state.label()}</span>
                            {o.deadline.map(|d| view! { <br/><small>{d}</small> })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
