use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::wallet::{TopUp, WalletView, Withdraw, get_wallet};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};

#[component]
pub fn WalletPage() -> impl IntoView {
    let top_up = ServerAction::<TopUp>::new();
    let withdraw = ServerAction::<Withdraw>::new();
    let wallet = Resource::new(move || (top_up.version().get(), withdraw.version().get()), |_| get_wallet());
    let l = current();
    view! {
        <Title text=td_string!(l, wallet.title)/>
        <h1>{td_string!(l, wallet.title)}</h1>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match wallet.await {
                    Ok(w) => Either::Left(view! { <WalletDetail wallet=w top_up withdraw/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WalletDetail(
    wallet: WalletView,
    top_up: ServerAction<TopUp>,
    withdraw: ServerAction<Withdraw>,
) -> impl IntoView {
    let top_up_errors = action_error(top_up);
    let withdraw_errors = action_error(withdraw);
    let pending_bank = wallet.bank_operations.iter().any(|op| op.pending);
    let l = current();
    let (in_key, out_key) = (format!("{}-in", wallet.form_key), format!("{}-out", wallet.form_key));
    view! {
        <section class="stats">
            <div class="stat"><span>{td_string!(l, wallet.available)}</span><strong data-testid="available">{wallet.available.to_string()}</strong></div>
            <div class="stat"><span>{td_string!(l, wallet.held)}</span><strong data-testid="held">{wallet.held_for_purchases.to_string()}</strong></div>
        </section>
        {pending_bank.then(|| view! { <p class="notice notice--muted">{td_string!(l, wallet.bank_pending)}</p> })}
        <div class="two-columns">
            <ActionForm action=top_up attr:class="form form--compact">
                <h2>{td_string!(l, wallet.top_up_title)}</h2>
                <FormError errors=top_up_errors/>
                <input type="hidden" name="form_key" value=in_key/>
                <div class="field">
                    <label for="top-up-amount">{td_string!(l, wallet.amount)}</label>
                    <input id="top-up-amount" name="amount" type="text" inputmode="decimal" required placeholder="100.00"/>
                    <FieldError errors=top_up_errors field="amount"/>
                </div>
                <SubmitButton pending=top_up.pending().into() label=td_string!(l, wallet.top_up) pending_label=td_string!(l, order.contacting_bank)/>
            </ActionForm>
            <ActionForm action=withdraw attr:class="form form--compact">
                <h2>{td_string!(l, wallet.withdraw_title)}</h2>
                <FormError errors=withdraw_errors/>
                <input type="hidden" name="form_key" value=out_key/>
                <div class="field">
                    <label for="withdraw-amount">{td_string!(l, wallet.amount)}</label>
                    <input id="withdraw-amount" name="amount" type="text" inputmode="decimal" required placeholder="100.00"/>
                    <FieldError errors=withdraw_errors field="amount"/>
                </div>
                <SubmitButton pending=withdraw.pending().into() label=td_string!(l, wallet.withdraw) pending_label=td_string!(l, order.contacting_bank) class="button--secondary"/>
            </ActionForm>
        </div>
        <div class="page-heading">
            <h2>{td_string!(l, wallet.statement)}</h2>
            <a class="button" href="/wallet/statement.csv" download="escrowmart-statement.csv" rel="external">{td_string!(l, wallet.download)}</a>
        </div>
        {if wallet.statement.is_empty() {
            Either::Left(view! { <p class="empty">{td_string!(l, wallet.no_movements)}</p> })
        } else {
            Either::Right(view! {
                <table class="table table--stack" data-testid="statement">
                    <thead><tr>
                        <th>{td_string!(l, common.date)}</th><th>{td_string!(l, wallet.description)}</th>
                        <th>{td_string!(l, common.amount)}</th><th>{td_string!(l, wallet.balance)}</th>
                    </tr></thead>
                    <tbody>
                        {wallet.statement.into_iter().map(|row| view! {
                            <tr>
                                <td data-label=td_string!(l, common.date)>{row.at}</td>
                                <td data-label=td_string!(l, wallet.description)>
                                    {row.description}
                                    {row.order_id.map(|id| view! { " " <a href=format!("/orders/{id}")>{td_string!(l, wallet.order_link, id = id)}</a> })}
                                </td>
                                <td data-label=td_string!(l, common.amount) class=if row.incoming { "amount amount--in" } else { "amount amount--out" }>{row.change}</td>
                                <td data-label=td_string!(l, wallet.balance)>{row.balance.to_string()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })
        }}
        {(!wallet.bank_operations.is_empty()).then(|| view! {
            <h2>{td_string!(l, wallet.bank_transfers)}</h2>
            <table class="table table--stack">
                <thead><tr>
                    <th>{td_string!(l, common.date)}</th><th>{td_string!(l, wallet.kind)}</th>
                    <th>{td_string!(l, common.amount)}</th><th>{td_string!(l, common.status)}</th>
                </tr></thead>
                <tbody>
                    {wallet.bank_operations.into_iter().map(|op| view! {
                        <tr>
                            <td data-label=td_string!(l, common.date)>{op.at}</td>
                            <td data-label=td_string!(l, wallet.kind)>{op.kind}</td>
                            <td data-label=td_string!(l, common.amount)>{op.amount.to_string()}</td>
                            <td data-label=td_string!(l, common.status)>{op.status}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
