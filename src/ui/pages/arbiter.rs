use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::server_fns::disputes::{ArbiterOverview, get_arbiter_overview};
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn ArbiterPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_arbiter_overview());
    view! {
        <Title text="Arbiter console"/>
        <h1>"Arbiter console"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => Either::Left(view! { <Console overview/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Console(overview: ArbiterOverview) -> impl IntoView {
    view! {
        <h2>"Disputes, longest waiting first"</h2>
        {if overview.cases.is_empty() {
            Either::Left(view! { <p class="empty">"No open disputes."</p> })
        } else {
            Either::Right(view! {
                <table class="table" data-testid="cases">
                    <thead><tr><th>"Order"</th><th>"Buyer"</th><th>"Seller"</th><th>"Held"</th><th>"Waiting since"</th></tr></thead>
                    <tbody>
                        {overview.cases.into_iter().map(|c| view! {
                            <tr>
                                <td><a href=format!("/orders/{}", c.order_id)>{format!("#{} {}", c.order_id, c.title)}</a></td>
                                <td>{c.buyer}</td><td>{c.seller}</td><td>{c.held.to_string()}</td><td>{c.waiting_since}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        <h2>"Fraud claims"</h2>
        {if overview.claims.is_empty() {
            Either::Left(view! { <p class="empty">"No open claims."</p> })
        } else {
            Either::Right(view! {
                <table class="table" data-testid="claims">
                    <thead><tr><th>"Order"</th><th>"Buyer"</th><th>"Seller"</th><th>"Amount"</th><th>"Filed"</th></tr></thead>
                    <tbody>
                        {overview.claims.into_iter().map(|c| view! {
                            <tr>
                                <td><a href=format!("/orders/{}#claim", c.order_id)>{format!("#{} {}", c.order_id, c.title)}</a></td>
                                <td>{c.buyer}</td><td>{c.seller}</td><td>{c.amount.to_string()}</td><td>{c.filed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        <h2>"Ledger audit"</h2>
        <p class="hint">{format!("As of {}, from one snapshot of the database.", overview.audited)}</p>
        <table class="table" data-testid="audit">
            <tbody>
                {overview.audit.into_iter().map(|line| view! {
                    <tr>
                        <td>{if line.passed { "✓" } else { "✗" }}</td>
                        <td>{line.name}</td>
                        <td>{line.detail}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
