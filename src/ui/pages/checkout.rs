//! The hosted checkout a shop sends its buyer to (`checkout_url`), and the
//! page that sends the buyer back to the shop after paying.

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
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
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
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
    view! {
        <Title text=format!("Pay {}", checkout.shop)/>
        <section class="checkout" data-testid="checkout">
            <p class="checkout__shop">"Checkout for " <strong data-testid="checkout-shop">{checkout.shop.clone()}</strong>
                {checkout.test_mode.then(|| view! { " " <span class="badge">"test"</span> })}
            </p>
            <h1>{checkout.subject.clone()}</h1>
            <table class="table">
                <thead><tr><th>"Item"</th><th>"Quantity"</th><th>"Price"</th></tr></thead>
                <tbody>
                    {checkout.items.iter().map(|item| view! {
                        <tr><td>{item.title.clone()}</td><td>{item.quantity}</td><td>{item.unit_price.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><th colspan="2">"Total"</th><th data-testid="checkout-amount">{amount.to_string()}</th></tr></tfoot>
            </table>
            <div class="notice notice--muted">
                <p><strong>"Escrowmart buyer protection. "</strong>
                "Your money is held in escrow, not paid to the shop, until you confirm the goods arrived as described. If they never come you get it back; if you disagree with the shop an arbiter decides; verified fraud is compensated in full."</p>
            </div>
            {match (checkout.signed_in, checkout.own, checkout.paid, checkout.payable) {
                (false, ..) => EitherOf4::A(view! {
                    <p>"Sign in or create an account to pay; you come straight back here."</p>
                    <p class="actions">
                        <a class="button button--primary" href=format!("/signin?next={here}")>"Sign in to pay"</a>
                        " "
                        <a class="button" href=format!("/signup?next={here}")>"Create an account"</a>
                    </p>
                }),
                (true, true, ..) => EitherOf4::B(view! { <p class="notice">"This escrow belongs to your own shop: a buyer pays it here."</p> }),
                (true, false, true, _) => EitherOf4::C(view! {
                    <p class="notice notice--success" data-testid="checkout-paid">
                        {if checkout.awaiting_bank { "Your bank transfer is on its way." } else { "You paid; the money is held in escrow." }}
                        " "
                        {checkout.order_id.map(|order| view! { <a href=format!("/orders/{order}")>"See your order"</a> })}
                    </p>
                    <p><a href=format!("{here}/return")>{format!("Back to {}", checkout.shop)}</a></p>
                }),
                (true, false, false, true) => EitherOf4::D(Either::Left(view! { <PayForms checkout=checkout.clone() pay/> })),
                (true, false, false, false) => EitherOf4::D(Either::Right(view! {
                    <p class="notice" data-testid="checkout-closed">{format!("This escrow is {} and cannot be paid here.", checkout.status)}</p>
                })),
            }}
            {checkout.cancel_url.clone().filter(|_| !checkout.paid).map(|url| view! {
                <p><a href=url rel="external noreferrer">{format!("Cancel and go back to {}", checkout.shop)}</a></p>
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
    let bank_text = format!("Your bank sends {} to the escrow.", checkout.amount);
    view! {
        <FormError errors/>
        <div class="two-columns">
            <ActionForm action=pay attr:class="form form--compact">
                <h2>"From your wallet"</h2>
                <p>"Available: " <span data-testid="checkout-wallet">{wallet}</span></p>
                <input type="hidden" name="id" value=id_for_wallet/>
                <input type="hidden" name="with" value="wallet"/>
                <input type="hidden" name="form_key" value=wallet_key/>
                {if enough {
                    Either::Left(view! { <SubmitButton pending=pay.pending().into() label="Pay from wallet" pending_label="Paying…"/> })
                } else {
                    Either::Right(view! { <p class="form-hint">"Not enough in your wallet: pay straight from your bank instead."</p> })
                }}
            </ActionForm>
            <ActionForm action=pay attr:class="form form--compact">
                <h2>"Straight from your bank"</h2>
                <p>{bank_text}</p>
                <input type="hidden" name="id" value=id_for_bank/>
                <input type="hidden" name="with" value="bank"/>
                <input type="hidden" name="form_key" value=bank_key/>
                <SubmitButton pending=pay.pending().into() label="Pay by bank" pending_label="Contacting the bank…" class="button--secondary"/>
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
    view! {
        <Title text="Back to the shop"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
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
    view! {
        <Meta http_equiv="refresh" content=format!("2;url={target}")/>
        <section class="checkout" data-testid="checkout-return">
            <h1>{if back.awaiting_bank { "Your bank transfer is on its way" } else { "Paid into escrow" }}</h1>
            <p>{format!("Taking you back to {}…", back.shop)}</p>
            <p class="actions">
                <a class="button button--primary" href=target rel="external">{format!("Back to {}", back.shop)}</a>
                " "
                {order.map(|href| view! { <a href=href>"See your order on Escrowmart"</a> })}
            </p>
        </section>
    }
}
