use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::disputes::{ArbiterOverview, get_arbiter_overview};
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn ArbiterPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_arbiter_overview());
    let l = current();
    view! {
        <Title text=td_string!(l, arbiter.title)/>
        <h1>{td_string!(l, arbiter.title)}</h1>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
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
    let l = current();
    view! {
        <h2>{td_string!(l, arbiter.disputes)}</h2>
        {if overview.cases.is_empty() {
            Either::Left(view! { <p class="empty">{td_string!(l, arbiter.no_disputes)}</p> })
        } else {
            Either::Right(view! {
                <table class="table table--stack" data-testid="cases">
                    <thead><tr><th>{td_string!(l, common.order)}</th><th>{td_string!(l, common.buyer)}</th><th>{td_string!(l, common.seller)}</th><th>{td_string!(l, arbiter.held)}</th><th>{td_string!(l, arbiter.waiting_since)}</th></tr></thead>
                    <tbody>
                        {overview.cases.into_iter().map(|c| view! {
                            <tr>
                                <td data-label=td_string!(l, common.order)><a href=format!("/orders/{}", c.order_id)>{format!("#{} {}", c.order_id, c.title)}</a></td>
                                <td data-label=td_string!(l, common.buyer)>{c.buyer}</td><td data-label=td_string!(l, common.seller)>{c.seller}</td><td data-label=td_string!(l, arbiter.held)>{c.held.to_string()}</td><td data-label=td_string!(l, arbiter.waiting_since)>{c.waiting_since}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        <h2>{td_string!(l, arbiter.claims)}</h2>
        {if overview.claims.is_empty() {
            Either::Left(view! { <p class="empty">{td_string!(l, arbiter.no_claims)}</p> })
        } else {
            Either::Right(view! {
                <table class="table table--stack" data-testid="claims">
                    <thead><tr><th>{td_string!(l, common.order)}</th><th>{td_string!(l, common.buyer)}</th><th>{td_string!(l, common.seller)}</th><th>{td_string!(l, common.amount)}</th><th>{td_string!(l, arbiter.filed)}</th></tr></thead>
                    <tbody>
                        {overview.claims.into_iter().map(|c| view! {
                            <tr>
                                <td data-label=td_string!(l, common.order)><a href=format!("/orders/{}#claim", c.order_id)>{format!("#{} {}", c.order_id, c.title)}</a></td>
                                <td data-label=td_string!(l, common.buyer)>{c.buyer}</td><td data-label=td_string!(l, common.seller)>{c.seller}</td><td data-label=td_string!(l, common.amount)>{c.amount.to_string()}</td><td data-label=td_string!(l, arbiter.filed)>{c.filed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        <h2>{td_string!(l, arbiter.audit)}</h2>
        <p class="hint">{td_string!(l, arbiter.as_of, at = overview.audited)}</p>
        <table class="table" data-testid="audit">
            <tbody>
                {overview.audit.into_iter().map(|line| view! {
                    <tr>
                        <td><AuditMark passed=line.passed/></td>
                        <td>{line.name}</td>
                        <td>{line.detail}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A check's outcome as a drawn tick or cross (a font may lack ✓ and ✗),
/// named in words for screen readers.
#[component]
fn AuditMark(passed: bool) -> impl IntoView {
    let l = current();
    let (path, class, words) = if passed {
        ("M5 12.5l4.5 4.5L19 7.5", "audit-mark audit-mark--passed", td_string!(l, arbiter.passed))
    } else {
        ("M6 6l12 12M18 6L6 18", "audit-mark audit-mark--failed", td_string!(l, arbiter.failed))
    };
    view! {
        <svg class=class viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path d=path fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
        <span class="visually-hidden">{words}</span>
    }
}
