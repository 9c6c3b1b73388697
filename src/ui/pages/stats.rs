use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::stats::{COMPLETED_CAPTION, PlatformStats, TURNOVER_CAPTION, get_platform_stats};
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn StatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |()| get_platform_stats());
    let l = current();
    view! {
        <Title text=td_string!(l, stats.title)/>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(stats) => Either::Left(view! { <Figures stats/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Figures(stats: PlatformStats) -> impl IntoView {
    let l = current();
    let holds_match = stats.holds_match();
    let turnover_caption = td_string!(l, stats.turnover_caption, total = stats.window_turnover.to_string());
    let completed_caption = td_string!(l, stats.completed_caption, count = stats.window_completed);
    let orders_share =
        |count: u64, share: &str| td_string!(l, stats.orders_share, count = count, share = share.to_owned());
    let days = stats.days.clone();
    view! {
        <section class="figures">
            <h1>{td_string!(l, stats.title)}</h1>
            <p class="lead">{td_string!(l, stats.lead)} " " {td_string!(l, stats.as_of, at = stats.as_of.clone())}</p>
            <dl class="figures__headline">
                <div><dt>{td_string!(l, stats.today_turnover)}</dt><dd data-testid="today-turnover">{stats.today_turnover.to_string()}</dd></div>
                <div><dt>{td_string!(l, stats.window_turnover)}</dt><dd data-testid="window-turnover">{stats.window_turnover.to_string()}</dd></div>
                <div><dt>{td_string!(l, stats.today_completed)}</dt><dd>{stats.today_completed}</dd></div>
                <div><dt>{td_string!(l, stats.window_completed)}</dt><dd>{stats.window_completed}</dd></div>
                <div><dt>{td_string!(l, stats.listings)}</dt><dd data-testid="listings-on-offer">{stats.listings_on_offer}</dd></div>
                <div><dt>{td_string!(l, stats.sellers)}</dt><dd>{stats.sellers}</dd></div>
                <div><dt>{td_string!(l, stats.merchants)}</dt><dd>{stats.merchants}</dd></div>
            </dl>
            // The SVG is drawn by our server from numbers (server/charts.rs);
            // nothing a user typed is in it.
            <figure class="chart" data-testid="turnover-chart">
                <figcaption id=TURNOVER_CAPTION>{turnover_caption}</figcaption>
                <div class="chart__plot" inner_html=stats.turnover_chart.clone()></div>
            </figure>
            <figure class="chart" data-testid="completed-chart">
                <figcaption id=COMPLETED_CAPTION>{completed_caption}</figcaption>
                <div class="chart__plot" inner_html=stats.completed_chart.clone()></div>
            </figure>
            <details class="figures__days">
                <summary>{td_string!(l, stats.by_day)}</summary>
                <table data-testid="days">
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(l, stats.date)}</th>
                            <th scope="col">{td_string!(l, stats.turnover)}</th>
                            <th scope="col">{td_string!(l, stats.completed)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.into_iter().rev().map(|day| view! {
                            <tr>
                                <th scope="row">{day.date}</th>
                                <td>{day.turnover.to_string()}</td>
                                <td>{day.completed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>

            <h2>{td_string!(l, stats.outcomes)}</h2>
            <p>{td_string!(l, stats.outcomes_lead, paid = stats.orders_paid)}</p>
            <dl class="figures__list">
                <div><dt>{td_string!(l, stats.refunded)}</dt><dd>{orders_share(stats.refunded, &stats.refunded_share)}</dd></div>
                <div><dt>{td_string!(l, stats.disputed)}</dt><dd>{orders_share(stats.disputed, &stats.disputed_share)}</dd></div>
                <div><dt>{td_string!(l, stats.fraud_claims)}</dt><dd>{orders_share(stats.fraud_claims, &stats.fraud_share)}</dd></div>
                <div><dt>{td_string!(l, stats.upheld)}</dt><dd>{stats.claims_upheld}</dd></div>
                <div><dt>{td_string!(l, stats.compensation_paid)}</dt><dd data-testid="compensation-paid">{stats.compensation_paid.to_string()}</dd></div>
            </dl>

            <h2>{td_string!(l, stats.proof)}</h2>
            <p>{td_string!(l, stats.proof_lead)}</p>
            <dl class="figures__list" data-testid="proof">
                <div><dt>{td_string!(l, stats.escrow_holds)}</dt><dd data-testid="escrow-holds">{stats.escrow_balance.to_string()}</dd></div>
                <div>
                    <dt>{td_string!(l, stats.orders_hold)}</dt>
                    <dd data-testid="orders-hold">{td_string!(l, stats.orders_holding, total = stats.orders_hold.to_string(), count = stats.orders_holding)}</dd>
                </div>
            </dl>
            {if holds_match {
                Either::Left(view! { <p class="notice notice--success" data-testid="holds-match">{td_string!(l, stats.holds_match)}</p> })
            } else {
                Either::Right(view! { <p class="notice notice--error" data-testid="holds-differ">{td_string!(l, stats.holds_differ)}</p> })
            }}
            <dl class="figures__list">
                <div><dt>{td_string!(l, stats.guarantee_fund)}</dt><dd data-testid="guarantee-fund">{stats.guarantee_fund.to_string()}</dd></div>
            </dl>
            <p class="hint">{td_string!(l, stats.guarantee_note)}</p>
            <h3>{td_string!(l, stats.audit)}</h3>
            <p data-testid="audit">
                {match stats.audit.clone() {
                    Some(audit) if audit.passed => td_string!(l, stats.audit_passed, at = audit.at, checks = audit.checks),
                    Some(audit) => td_string!(l, stats.audit_failed, at = audit.at),
                    None => td_string!(l, stats.audit_none).to_owned(),
                }}
            </p>
        </section>
    }
}
