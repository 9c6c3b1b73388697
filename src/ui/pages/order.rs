use crate::domain::order::{CARRIER_MAX_CHARS, TRACKING_MAX_CHARS};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::domain::order::{EXTENSION_DAYS, OrderState};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
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
    let l = current();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
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
    let l = current();
    let title = td_string!(l, order.title, id = order.id);
    let counterpart_label = match order.side {
        Side::Buyer => td_string!(l, common.seller),
        Side::Seller | Side::Arbiter => td_string!(l, common.buyer),
    };
    let shipment = order.shipment.clone().map(|s| format!("{} · {}", s.carrier, s.tracking));
    view! {
        <Title text=title.clone()/>
        <article class="order">
            <nav class="breadcrumbs">
                {match order.side {
                    Side::Buyer => view! { <a href="/orders">{td_string!(l, nav.orders)}</a> }.into_any(),
                    Side::Seller => view! { <a href="/dashboard">{td_string!(l, order.seller_dashboard)}</a> }.into_any(),
                    Side::Arbiter => view! { <a href="/arbiter">{td_string!(l, order.arbiter_console)}</a> }.into_any(),
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
                // Named for a screen reader ("Status: Shipped"), and a live
                // region, so a change made on this page is announced.
                <p class="order__state" role="status">
                    <span class="visually-hidden">{td_string!(l, common.status)} ": "</span>
                    <span class=format!("state state--{}", order.state.slug()) data-testid="order-state">{labels::order_state(l, order.state)}</span>
                </p>
            </header>
            {move || form_error().map(|message| view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> })}
            {order.deadline.clone().map(|text| view! { <p class="deadline" data-testid="deadline">{text}</p> })}
            <dl class="item__facts">
                <dt>{td_string!(l, common.quantity)}</dt><dd>{format!("{} × {}", order.quantity, order.unit_price)}</dd>
                <dt>{td_string!(l, common.total)}</dt><dd data-testid="order-amount">{order.amount.to_string()}</dd>
                <dt>{td_string!(l, order.held)}</dt><dd>{order.held.to_string()}</dd>
                <dt>{counterpart_label}</dt><dd>{order.counterpart.clone()}</dd>
                <dt>{td_string!(l, order.ship_to)}</dt><dd class="pre">{order.shipping_address.clone()}</dd>
                {shipment.map(|s| view! { <dt>{td_string!(l, order.shipment)}</dt><dd>{s}</dd> })}
                <dt>{td_string!(l, order.placed)}</dt><dd>{order.placed_on.clone()}</dd>
            </dl>
            <NextStep order=order.clone() actions/>
            <RefundSection order=order.clone() actions=disputes/>
            <ClaimSection order=order.clone() actions=disputes/>
            <RatingSection order=order.clone() actions=disputes/>
            <MessagesSection order=order.clone()/>
            <section class="timeline" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{td_string!(l, order.timeline)}</h2>
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
    let l = current();
    match (order.side, order.state) {
        (Side::Buyer, OrderState::AwaitingPayment) if order.awaiting_bank => view! {
            <section class="next-step"><p>{td_string!(l, order.waiting_bank)}</p></section>
        }
        .into_any(),
        (Side::Buyer, OrderState::AwaitingPayment) => {
            let enough = order.wallet >= order.amount;
            let pay_errors = action_error(actions.pay);
            let bank_errors = action_error(actions.pay_by_bank);
            let cancel_errors = action_error(actions.cancel);
            let (pay_key, bank_key) = (order.form_key.clone(), format!("{}-bank", order.form_key));
            view! {
                <section class="next-step" aria-label=td_string!(l, order.pay)>
                    <h2>{td_string!(l, order.pay_into_escrow)}</h2>
                    <p>{td_string!(l, order.your_wallet)} <strong data-testid="wallet-balance">{order.wallet.to_string()}</strong></p>
                    <div class="button-row">
                        <ActionForm action=actions.pay attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="form_key" value=pay_key/>
                            <SubmitButton pending=actions.pay.pending().into()
                                label=if enough { td_string!(l, order.pay_from_wallet) } else { td_string!(l, order.pay_from_wallet_short) }
                                pending_label=td_string!(l, order.paying)/>
                        </ActionForm>
                        <ActionForm action=actions.pay_by_bank attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="form_key" value=bank_key/>
                            <SubmitButton pending=actions.pay_by_bank.pending().into() label=td_string!(l, order.pay_by_bank) pending_label=td_string!(l, order.contacting_bank) class="button--secondary"/>
                        </ActionForm>
                        <ActionForm action=actions.cancel attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="link-button">{td_string!(l, order.cancel)}</button>
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
                <section class="next-step" aria-label=td_string!(l, order.ship)>
                    <h2>{td_string!(l, order.ship_title)}</h2>
                    <p>{td_string!(l, order.ship_text)}</p>
                    <ActionForm action=actions.ship attr:class="form form--compact">
                        <FormError errors=ship_errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field-row">
                            <div class="field">
                                <label for="carrier">{td_string!(l, order.carrier)}</label>
                                <input id="carrier" name="carrier" type="text" required maxlength=CARRIER_MAX_CHARS placeholder=td_string!(l, order.carrier_placeholder)/>
                            </div>
                            <div class="field">
                                <label for="tracking">{td_string!(l, order.tracking)}</label>
                                <input id="tracking" name="tracking" type="text" required maxlength=TRACKING_MAX_CHARS/>
                            </div>
                        </div>
                        <SubmitButton pending=actions.ship.pending().into() label=td_string!(l, order.mark_shipped) pending_label=td_string!(l, common.saving)/>
                    </ActionForm>
                    <ActionForm action=actions.seller_cancel attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="link-button">{td_string!(l, order.seller_cancel)}</button>
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
                <section class="next-step" aria-label=td_string!(l, order.confirm_label)>
                    <h2>{td_string!(l, order.arrived)}</h2>
                    <ActionForm action=actions.confirm attr:class="form form--compact">
                        <FormError errors=confirm_errors/>
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="form_key" value=confirm_key/>
                        <label class="checkbox">
                            <input type="checkbox" name="received" value="yes" required/>
                            {td_string!(l, order.received, amount = order.held)}
                        </label>
                        <FieldError errors=confirm_errors field="received"/>
                        <SubmitButton pending=actions.confirm.pending().into() label=td_string!(l, order.confirm_label) pending_label=td_string!(l, order.releasing)/>
                    </ActionForm>
                    {(!order.confirm_extended).then(|| view! {
                        <ActionForm action=actions.extend attr:class="form form--inline">
                            <input type="hidden" name="id" value=id/>
                            <label for="days">{td_string!(l, order.extend_label)}</label>
                            <select id="days" name="days">
                                {EXTENSION_DAYS.iter().map(|d| view! { <option value=*d>{td_string!(l, order.days, count = *d)}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="button">{td_string!(l, order.extend)}</button>
                            <FormError errors=extend_errors/>
                        </ActionForm>
                    })}
                </section>
            }
            .into_any()
        }
        (Side::Seller, OrderState::AwaitingPayment) => view! {
            <section class="next-step"><p>{td_string!(l, order.seller_waiting)}</p></section>
        }
        .into_any(),
        (Side::Buyer, OrderState::Paid) => view! {
            <section class="next-step"><p>{td_string!(l, order.buyer_paid)}</p></section>
        }
        .into_any(),
        (Side::Seller, OrderState::Shipped) => view! {
            <section class="next-step"><p>{td_string!(l, order.seller_shipped)}</p></section>
        }
        .into_any(),
        (_, state) if state.is_terminal() => view! {
            <section class="next-step next-step--done"><p>{td_string!(l, order.ended, state = labels::order_state(l, state).to_lowercase())}</p></section>
        }
        .into_any(),
        // Refunds, returns and arbitration have their own section below.
        _ => ().into_any(),
    }
}
