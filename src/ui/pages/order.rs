use crate::domain::order::{CARRIER_MAX_CHARS, TRACKING_MAX_CHARS};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::domain::order::{EXTENSION_DAYS, OrderState};
use crate::error::AppError;
use crate::server_fns::orders::{
    CancelOrder, ConfirmReceipt, ExtendConfirm, OrderView, PayByBank, PayOrder, SellerCancelOrder, ShipOrder,
    Side, get_order,
};
use crate::ui::components::disputes::{
    ClaimSection, DisputeActions, MessagesSection, RatingSection, RefundSection,
};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};

/// Every action the order page can take; the page re-reads the order after
/// any of them.
#[derive(Clone, Copy)]
struct OrderActions {
    pay: ServerAction<PayOrder>,
    pay_by_bank: ServerAction<PayByBank>,
    cancel: ServerAction<CancelOrder>,
    seller_cancel: ServerAction<SellerCancelOrder>,
    ship: ServerAction<ShipOrder>,
    confirm: ServerAction<ConfirmReceipt>,
    extend: ServerAction<ExtendConfirm>,
}

impl OrderActions {
    fn new() -> Self {
        Self {
            pay: ServerAction::new(),
            pay_by_bank: ServerAction::new(),
            cancel: ServerAction::new(),
            seller_cancel: ServerAction::new(),
            ship: ServerAction::new(),
            confirm: ServerAction::new(),
            extend: ServerAction::new(),
        }
    }

    fn version(&self) -> usize {
        self.pay.version().get()
            + self.pay_by_bank.version().get()
            + self.cancel.version().get()
            + self.seller_cancel.version().get()
            + self.ship.version().get()
            + self.confirm.version().get()
            + self.extend.version().get()
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let actions = OrderActions::new();
    let disputes = DisputeActions::new();
    let order = Resource::new(
        move || (id(), actions.version() + disputes.version()),
        |(id, _)| async move {
            match id {
                Some(id) => get_order(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => Either::Left(view! { <OrderDetail order actions disputes/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderDetail(order: OrderView, actions: OrderActions, disputes: DisputeActions) -> impl IntoView {
    // A form with photos that failed comes back with its message in the address.
    let query = use_query_map();
    let form_error = move || query.read().get("error");
    let title = format!("Order #{}", order.id);
    let counterpart_label = match order.side {
        Side::Buyer => "Seller",
        Side::Seller | Side::Arbiter => "Buyer",
    };
    let shipment = order.shipment.clone().map(|s| format!("{} · {}", s.carrier, s.tracking));
    view! {
        <Title text=title.clone()/>
        <article class="order">
            <nav class="breadcrumbs">
                {match order.side {
                    Side::Buyer => view! { <a href="/orders">"My orders"</a> }.into_any(),
                    Side::Seller => view! { <a href="/dashboard">"Seller dashboard"</a> }.into_any(),
                    Side::Arbiter => view! { <a href="/arbiter">"Arbiter console"</a> }.into_any(),
                }}
                " › " {title.clone()}
            </nav>
            <header class="order__header">
                <div>
                    <h1>{title}</h1>
                    <p class="order__item">{match order.listing_id {
                        Some(listing) => view! { <a href=format!("/item/{listing}")>{order.title.clone()}</a> }.into_any(),
                        None => view! { <span>{order.title.clone()}</span> }.into_any(),
                    }}</p>
                </div>
                <span class=format!("state state--{}", order.state.slug()) data-testid="order-state">{order.state.label()}</span>
            </header>
            {move || form_error().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
            {order.deadline.clone().map(|text| view! { <p class="deadline" data-testid="deadline">{text}</p> })}
            <dl class="item__facts">
                <dt>"Quantity"</dt><dd>{format!("{} × {}", order.quantity, order.unit_price)}</dd>
                <dt>"Total"</dt><dd data-testid="order-amount">{order.amount.to_string()}</dd>
                <dt>"Held in escrow"</dt><dd>{order.held.to_string()}</dd>
                <dt>{counterpart_label}</dt><dd>{order.counterpart.clone()}</dd>
                <dt>"Ship to"</dt><dd class="pre">{order.shipping_address.clone()}</dd>
                {shipment.map(|s| view! { <dt>"Shipment"</dt><dd>{s}</dd> })}
                <dt>"Placed"</dt><dd>{order.placed_on.clone()}</dd>
            </dl>
            <NextStep order=order.clone() actions/>
            <RefundSection order=order.clone() actions=disputes/>
            <ClaimSection order=order.clone() actions=disputes/>
            <RatingSection order=order.clone() actions=disputes/>
            <MessagesSection order=order.clone()/>
            <section class="timeline" aria-label="Timeline">
                <h2>"Timeline"</h2>
                <ol>
                    {order.timeline.iter().map(|line| view! {
                        <li>
                            <time>{line.at.clone()}</time>
                            <span>{line.description.clone()}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </article>
    }
}

/// What the viewer can do now, by side and state.
#[component]
fn NextStep(order: OrderView, actions: OrderActions) -> impl IntoView {
    let id = order.id;
    match (order.side, order.state) {
        (Side::Buyer, OrderState::AwaitingPayment) if order.awaiting_bank => view! {
            <section class="next-step"><p>"Waiting for your bank to confirm the payment…"</p></section>
        }
        .into_any(),
        (Side::Buyer, OrderState::AwaitingPayment) => {
            let enough = order.wallet >= order.amount;
            let pay_errors = action_error(actions.pay);
            let bank_errors = action_error(actions.pay_by_bank);
            let cancel_errors = action_error(actions.cancel);
            let (pay_key, bank_key) = (order.form_key.clone(), format!("{}-bank", order.form_key));
            view! {
                <section class="next-step" aria-label="Pay">
                    <h2>"Pay into escrow"</h2>
                    <p>"Your wallet: " <strong data-testid="wallet-balance">{order.wallet.to_string()}</strong></p>
                    <div class="button-row">
                        <ActionForm action=actions.pay attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="form_key" value=pay_key/>
                            <SubmitButton pending=actions.pay.pending().into()
                                label=if enough { "Pay from wallet" } else { "Pay from wallet (not enough)" }
                                pending_label="Paying…"/>
                        </ActionForm>
                        <ActionForm action=actions.pay_by_bank attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="form_key" value=bank_key/>
                            <SubmitButton pending=actions.pay_by_bank.pending().into() label="Pay by bank" pending_label="Contacting the bank…" class="button--secondary"/>
                        </ActionForm>
                        <ActionForm action=actions.cancel attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="link-button">"Cancel order"</button>
                        </ActionForm>
                    </div>
                    <FormError errors=pay_errors/>
                    <FormError errors=bank_errors/>
                    <FormError errors=cancel_errors/>
                </section>
            }
            .into_any()
        }
        (Side::Seller, OrderState::Paid) => {
            let ship_errors = action_error(actions.ship);
            let cancel_errors = action_error(actions.seller_cancel);
            view! {
                <section class="next-step" aria-label="Ship">
                    <h2>"Ship the item"</h2>
                    <p>"The buyer's money is in escrow. Ship, then enter the tracking details."</p>
                    <ActionForm action=actions.ship attr:class="form form--compact">
                        <FormError errors=ship_errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field-row">
                            <div class="field">
                                <label for="carrier">"Carrier"</label>
                                <input id="carrier" name="carrier" type="text" required maxlength=CARRIER_MAX_CHARS placeholder="SF Express"/>
                            </div>
                            <div class="field">
                                <label for="tracking">"Tracking number"</label>
                                <input id="tracking" name="tracking" type="text" required maxlength=TRACKING_MAX_CHARS/>
                            </div>
                        </div>
                        <SubmitButton pending=actions.ship.pending().into() label="Mark as shipped" pending_label="Saving…"/>
                    </ActionForm>
                    <ActionForm action=actions.seller_cancel attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="link-button">"Cannot ship? Cancel and refund the buyer"</button>
                    </ActionForm>
                    <FormError errors=cancel_errors/>
                </section>
            }
            .into_any()
        }
        (Side::Buyer, OrderState::Shipped) => {
            let confirm_errors = action_error(actions.confirm);
            let extend_errors = action_error(actions.extend);
            let confirm_key = order.form_key.clone();
            view! {
                <section class="next-step" aria-label="Confirm receipt">
                    <h2>"Has it arrived?"</h2>
                    <ActionForm action=actions.confirm attr:class="form form--compact">
                        <FormError errors=confirm_errors/>
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="form_key" value=confirm_key/>
                        <label class="checkbox">
                            <input type="checkbox" name="received" value="yes" required/>
                            {format!(" I received the item as described. Release {} to the seller.", order.held)}
                        </label>
                        <FieldError errors=confirm_errors field="received"/>
                        <SubmitButton pending=actions.confirm.pending().into() label="Confirm receipt" pending_label="Releasing…"/>
                    </ActionForm>
                    {(!order.confirm_extended).then(|| view! {
                        <ActionForm action=actions.extend attr:class="form form--inline">
                            <input type="hidden" name="id" value=id/>
                            <label for="days">"Need more time? Extend the confirm-by date by"</label>
                            <select id="days" name="days">
                                {EXTENSION_DAYS.iter().map(|d| view! { <option value=*d>{format!("{d} days")}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="button">"Extend once"</button>
                            <FormError errors=extend_errors/>
                        </ActionForm>
                    })}
                </section>
            }
            .into_any()
        }
        (Side::Seller, OrderState::AwaitingPayment) => view! {
            <section class="next-step"><p>"Waiting for the buyer to pay. The item is reserved meanwhile."</p></section>
        }
        .into_any(),
        (Side::Buyer, OrderState::Paid) => view! {
            <section class="next-step"><p>"Paid. Your money is held in escrow until you confirm receipt; the seller has been told to ship."</p></section>
        }
        .into_any(),
        (Side::Seller, OrderState::Shipped) => view! {
            <section class="next-step"><p>"Shipped. You are paid when the buyer confirms receipt, or automatically at the deadline."</p></section>
        }
        .into_any(),
        (_, state) if state.is_terminal() => view! {
            <section class="next-step next-step--done"><p>{format!("This order is {}.", state.label().to_lowercase())}</p></section>
        }
        .into_any(),
        // Refunds, returns and arbitration have their own section below.
        _ => ().into_any(),
    }
}
