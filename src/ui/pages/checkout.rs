//! The hosted checkout a shop sends its buyer to (`checkout_url`), and the
//! page that sends the buyer back to the shop after paying.

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::merchant::{CheckoutView, PayCheckout, ReturnToShop, checkout_return, get_checkout};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FormError, SubmitButton, action_error};

fn escrow_id() -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id")
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let id = escrow_id();
    let pay = ServerAction::<PayCheckout>::new();
    let checkout = Resource::new(
        move || (id(), pay.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_checkout(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let l = current();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match checkout.await {
                    Ok(checkout) => Either::Left(view! { <Checkout checkout pay/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Checkout(checkout: CheckoutView, pay: ServerAction<PayCheckout>) -> impl IntoView {
    let here = format!("/checkout/{}", checkout.id);
    let amount = checkout.amount;
    let l = current();
    view! {
        <Title text=td_string!(l, checkout.pay_title, shop = checkout.shop.clone())/>
        <section class="checkout" data-testid="checkout">
            <p class="checkout__shop">{td_string!(l, checkout.checkout_for)} <strong data-testid="checkout-shop">{checkout.shop.clone()}</strong>
                {checkout.test_mode.then(|| view! { " " <span class="badge">{td_string!(l, checkout.test)}</span> })}
            </p>
            <h1>{checkout.subject.clone()}</h1>
            <table class="table">
                <thead><tr><th>{td_string!(l, common.item)}</th><th>{td_string!(l, common.quantity)}</th><th>{td_string!(l, common.price)}</th></tr></thead>
                <tbody>
                    {checkout.items.iter().map(|item| view! {
                        <tr><td>{item.title.clone()}</td><td>{item.quantity}</td><td>{item.unit_price.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><th colspan="2">{td_string!(l, common.total)}</th><th data-testid="checkout-amount">{amount.to_string()}</th></tr></tfoot>
            </table>
            <div class="notice notice--muted">
                <p><strong>{td_string!(l, checkout.protection_title)}</strong>
                {td_string!(l, checkout.protection)}</p>
            </div>
            {match (checkout.signed_in, checkout.own, checkout.paid, checkout.payable) {
                (false, ..) => EitherOf4::A(view! {
                    <p>{td_string!(l, checkout.sign_in_text)}</p>
                    <p class="actions">
                        <a class="button button--primary" href=format!("/signin?next={here}")>{td_string!(l, checkout.sign_in_to_pay)}</a>
                        " "
                        <a class="button" href=format!("/signup?next={here}")>{td_string!(l, sign_in.create)}</a>
                    </p>
                }),
                (true, true, ..) => EitherOf4::B(view! { <p class="notice">{td_string!(l, checkout.own)}</p> }),
                (true, false, true, _) => EitherOf4::C(view! {
                    <p class="notice notice--success" data-testid="checkout-paid">
                        {if checkout.awaiting_bank { td_string!(l, checkout.bank_on_way) } else { td_string!(l, checkout.paid) }}
                        " "
                        {checkout.order_id.map(|order| view! { <a href=format!("/orders/{order}")>{td_string!(l, checkout.see_order)}</a> })}
                    </p>
                    <p><a href=format!("{here}/return")>{td_string!(l, checkout.back_to, shop = checkout.shop.clone())}</a></p>
                }),
                (true, false, false, true) => EitherOf4::D(Either::Left(view! { <PayForms checkout=checkout.clone() pay/> })),
                (true, false, false, false) => EitherOf4::D(Either::Right(view! {
                    <p class="notice" data-testid="checkout-closed">{td_string!(l, checkout.closed, status = checkout.status.clone())}</p>
                })),
            }}
            {checkout.cancel_url.clone().filter(|_| !checkout.paid).map(|url| view! {
                <p><a href=url rel="external noreferrer">{td_string!(l, checkout.cancel_back, shop = checkout.shop.clone())}</a></p>
            })}
        </section>
    }
}

#[component]
fn PayForms(checkout: CheckoutView, pay: ServerAction<PayCheckout>) -> impl IntoView {
    let errors = action_error(pay);
    let enough = checkout.wallet.is_some_and(|w| w >= checkout.amount);
    let wallet = checkout.wallet.map(|w| w.to_string()).unwrap_or_default();
    let (wallet_key, bank_key) =
        (format!("{}-wallet", checkout.form_key), format!("{}-bank", checkout.form_key));
    let (id_for_wallet, id_for_bank) = (checkout.id.clone(), checkout.id);
    let l = current();
    let bank_text = td_string!(l, checkout.bank_sends, amount = checkout.amount);
    view! {
        <FormError errors/>
        <div class="two-columns">
            <ActionForm action=pay attr:class="form form--compact">
                <h2>{td_string!(l, checkout.from_wallet)}</h2>
                <p>{td_string!(l, checkout.available)} <span data-testid="checkout-wallet">{wallet}</span></p>
                <input type="hidden" name="id" value=id_for_wallet/>
                <input type="hidden" name="with" value="wallet"/>
                <input type="hidden" name="form_key" value=wallet_key/>
                {if enough {
                    Either::Left(view! { <SubmitButton pending=pay.pending().into() label=td_string!(l, order.pay_from_wallet) pending_label=td_string!(l, order.paying)/> })
                } else {
                    Either::Right(view! { <p class="form-hint">{td_string!(l, checkout.not_enough)}</p> })
                }}
            </ActionForm>
            <ActionForm action=pay attr:class="form form--compact">
                <h2>{td_string!(l, checkout.from_bank)}</h2>
                <p>{bank_text}</p>
                <input type="hidden" name="id" value=id_for_bank/>
                <input type="hidden" name="with" value="bank"/>
                <input type="hidden" name="form_key" value=bank_key/>
                <SubmitButton pending=pay.pending().into() label=td_string!(l, order.pay_by_bank) pending_label=td_string!(l, order.contacting_bank) class="button--secondary"/>
            </ActionForm>
        </div>
    }
}

/// After paying: back to the shop's `return_url`, by a refresh that works
/// with JavaScript off, and a link for whoever is quicker.
#[component]
pub fn CheckoutReturnPage() -> impl IntoView {
    let id = escrow_id();
    let back = Resource::new(id, |id| async move {
        match id {
            Some(id) => checkout_return(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let l = current();
    view! {
        <Title text=td_string!(l, checkout.back_title)/>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match back.await {
                    Ok(back) => Either::Left(view! { <ReturnNotice back/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReturnNotice(back: ReturnToShop) -> impl IntoView {
    let order = back.order_id.map(|id| format!("/orders/{id}"));
    let target = back.return_url.clone().or(order.clone()).unwrap_or_else(|| "/orders".into());
    let l = current();
    view! {
        <Meta http_equiv="refresh" content=format!("2;url={target}")/>
        <section class="checkout" data-testid="checkout-return">
            <h1>{if back.awaiting_bank { td_string!(l, checkout.bank_on_way_title) } else { td_string!(l, checkout.paid_title) }}</h1>
            <p>{td_string!(l, checkout.taking_back, shop = back.shop.clone())}</p>
            <p class="actions">
                <a class="button button--primary" href=target rel="external">{td_string!(l, checkout.back_to, shop = back.shop.clone())}</a>
                " "
                {order.map(|href| view! { <a href=href>{td_string!(l, checkout.see_on_escrowmart)}</a> })}
            </p>
        </section>
    }
}
