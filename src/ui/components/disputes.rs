//! The parts of the order page for when something goes wrong: refund
//! requests and their answers, returns, arbitration, fraud claims; plus the
//! message thread and ratings.

use crate::domain::message::BODY_MAX_CHARS;
use crate::domain::order::{CARRIER_MAX_CHARS, REASON_MAX_CHARS, TRACKING_MAX_CHARS};
use crate::domain::rating::COMMENT_MAX_CHARS;
use leptos::either::Either;
use leptos::prelude::*;

use crate::domain::claims::ClaimState;
use crate::domain::order::{OrderState, RefundKind};
use crate::domain::rating::Score;
use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::disputes::{
    AnswerRefund, ConfirmReturn, DecideCase, DecideFraudClaim, Escalate, RateOrder, SendReturn,
    WithdrawRefund,
};
use crate::server_fns::orders::{OrderView, PhotoView, Side};
use crate::ui::components::form::{FormError, SubmitButton, action_error};

/// Actions of the dispute part of the order page.
#[derive(Clone, Copy)]
pub struct DisputeActions {
    pub answer: ServerAction<AnswerRefund>,
    pub withdraw: ServerAction<WithdrawRefund>,
    pub escalate: ServerAction<Escalate>,
    pub send_return: ServerAction<SendReturn>,
    pub confirm_return: ServerAction<ConfirmReturn>,
    pub rate: ServerAction<RateOrder>,
    pub decide: ServerAction<DecideCase>,
    pub decide_claim: ServerAction<DecideFraudClaim>,
}

impl Default for DisputeActions {
    fn default() -> Self {
        Self::new()
    }
}

impl DisputeActions {
    pub fn new() -> Self {
        Self {
            answer: ServerAction::new(),
            withdraw: ServerAction::new(),
            escalate: ServerAction::new(),
            send_return: ServerAction::new(),
            confirm_return: ServerAction::new(),
            rate: ServerAction::new(),
            decide: ServerAction::new(),
            decide_claim: ServerAction::new(),
        }
    }

    pub fn version(&self) -> usize {
        self.answer.version().get()
            + self.withdraw.version().get()
            + self.escalate.version().get()
            + self.send_return.version().get()
            + self.confirm_return.version().get()
            + self.rate.version().get()
            + self.decide.version().get()
            + self.decide_claim.version().get()
    }
}

#[component]
pub fn Photos(photos: Vec<PhotoView>) -> impl IntoView {
    let l = current();
    (!photos.is_empty()).then(|| {
        view! {
            <ul class="photo-strip">
                {photos.into_iter().map(|p| view! {
                    <li><a href=p.full target="_blank" rel="noopener"><img src=p.thumb alt=td_string!(l, disputes.photo) loading="lazy"/></a></li>
                }).collect_view()}
            </ul>
        }
    })
}

/// Refund request, answer, return and arbitration, as the state allows.
#[component]
pub fn RefundSection(order: OrderView, actions: DisputeActions) -> impl IntoView {
    let id = order.id;
    let can_ask = order.side == Side::Buyer && matches!(order.state, OrderState::Paid | OrderState::Shipped);
    let request = order.refund.clone();
    let l = current();
    view! {
        <section class="refund" id="refund" aria-label=td_string!(l, disputes.refund)>
            {request.clone().map(|r| {
                let kind = match r.kind {
                    RefundKind::RefundOnly => td_string!(l, disputes.refund_only),
                    RefundKind::ReturnAndRefund => td_string!(l, disputes.return_and_refund),
                };
                view! {
                    <h2>{td_string!(l, disputes.request)}</h2>
                    <dl class="item__facts">
                        <dt>{td_string!(l, disputes.asked_for)}</dt><dd data-testid="refund-request">{td_string!(l, disputes.asked, kind = kind, amount = r.amount)}</dd>
                        <dt>{td_string!(l, disputes.buyer_reason)}</dt><dd class="pre">{r.reason.clone()}</dd>
                        {r.refusal.clone().map(|why| view! { <dt>{td_string!(l, disputes.seller_answer)}</dt><dd class="pre" data-testid="refusal">{why}</dd> })}
                        {r.return_shipment.clone().map(|s| view! { <dt>{td_string!(l, disputes.returned_with)}</dt><dd>{format!("{} · {}", s.carrier, s.tracking)}</dd> })}
                    </dl>
                    <Photos photos=order.refund_photos.clone()/>
                    <Photos photos=order.dispute_photos.clone()/>
                }
            })}
            {refund_step(&order, actions)}
            {can_ask.then(|| refund_form(id, &order))}
        </section>
    }
}

fn refund_form(id: i64, order: &OrderView) -> impl IntoView + use<> {
    let before_shipping = order.state == OrderState::Paid;
    let held = order.held.amount_text();
    let l = current();
    view! {
        <details class="refund-form">
            <summary>{td_string!(l, disputes.ask_summary)}</summary>
            <form method="post" action=format!("/orders/{id}/refund") enctype="multipart/form-data" class="form form--compact">
                <fieldset class="choice">
                    <legend>{td_string!(l, disputes.what_want)}</legend>
                    <label><input type="radio" name="kind" value="refund_only" checked/>{td_string!(l, disputes.opt_refund_only)}</label>
                    {(!before_shipping).then(|| view! {
                        <label><input type="radio" name="kind" value="return_and_refund"/>{td_string!(l, disputes.opt_return)}</label>
                    })}
                </fieldset>
                <div class="field">
                    <label for="refund-amount">{td_string!(l, disputes.amount)}</label>
                    <input id="refund-amount" name="amount" type="text" inputmode="decimal" value=held.clone() readonly=before_shipping required/>
                    <p class="hint">{if before_shipping {
                        td_string!(l, disputes.full_before_shipping, amount = held)
                    } else {
                        td_string!(l, disputes.up_to, amount = held)
                    }}</p>
                </div>
                <div class="field">
                    <label for="refund-reason">{td_string!(l, disputes.reason)}</label>
                    <textarea id="refund-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                </div>
                <div class="field">
                    <label for="refund-photos">{td_string!(l, disputes.photos_hint)}</label>
                    <input id="refund-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                </div>
                <button type="submit" class="button button--primary">{td_string!(l, disputes.ask)}</button>
            </form>
        </details>
    }
}

/// The step the viewer can take on an open request.
fn refund_step(order: &OrderView, actions: DisputeActions) -> impl IntoView + use<> {
    let id = order.id;
    let held = order.held;
    let returned = order.refund.as_ref().is_some_and(|r| r.return_shipment.is_some());
    let l = current();
    match (order.side, order.state) {
        (Side::Seller, OrderState::RefundRequested) => {
            let errors = action_error(actions.answer);
            Either::Left(view! {
                <div class="next-step" aria-label=td_string!(l, disputes.answer_label)>
                    <h2>{td_string!(l, disputes.answer_title)}</h2>
                    <FormError errors/>
                    <ActionForm action=actions.answer attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="answer" value="agree"/>
                        <SubmitButton pending=actions.answer.pending().into() label=td_string!(l, disputes.agree) pending_label=td_string!(l, common.saving)/>
                    </ActionForm>
                    <ActionForm action=actions.answer attr:class="form form--compact">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="answer" value="refuse"/>
                        <label for="refusal">{td_string!(l, disputes.refuse_label)}</label>
                        <textarea id="refusal" name="reason" rows="2" maxlength=REASON_MAX_CHARS required></textarea>
                        <button type="submit" class="button">{td_string!(l, disputes.refuse)}</button>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (Side::Buyer, OrderState::RefundRequested | OrderState::RefundRefused) => {
            let refused = order.state == OrderState::RefundRefused;
            let errors = action_error(actions.escalate);
            Either::Left(view! {
                <div class="next-step">
                    <p>{if refused { td_string!(l, disputes.refused_text) } else { td_string!(l, disputes.waiting_answer) }}</p>
                    <FormError errors/>
                    <div class="button-row">
                        {refused.then(|| view! {
                            <ActionForm action=actions.escalate attr:class="inline-form">
                                <input type="hidden" name="id" value=id/>
                                <SubmitButton pending=actions.escalate.pending().into() label=td_string!(l, disputes.escalate) pending_label=td_string!(l, disputes.sending)/>
                            </ActionForm>
                        })}
                        <ActionForm action=actions.withdraw attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button">{td_string!(l, disputes.withdraw)}</button>
                        </ActionForm>
                    </div>
                </div>
            }.into_any())
        }
        (Side::Buyer, OrderState::ReturnInTransit) if !returned => {
            let errors = action_error(actions.send_return);
            Either::Left(view! {
                <div class="next-step" aria-label=td_string!(l, disputes.send_return_label)>
                    <h2>{td_string!(l, disputes.send_back)}</h2>
                    <ActionForm action=actions.send_return attr:class="form form--compact">
                        <FormError errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field-row">
                            <div class="field"><label for="return-carrier">{td_string!(l, disputes.return_carrier)}</label>
                                <input id="return-carrier" name="carrier" type="text" required maxlength=CARRIER_MAX_CHARS/></div>
                            <div class="field"><label for="return-tracking">{td_string!(l, disputes.return_tracking)}</label>
                                <input id="return-tracking" name="tracking" type="text" required maxlength=TRACKING_MAX_CHARS/></div>
                        </div>
                        <SubmitButton pending=actions.send_return.pending().into() label=td_string!(l, disputes.return_sent) pending_label=td_string!(l, common.saving)/>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (Side::Seller, OrderState::ReturnInTransit) => {
            let errors = action_error(actions.confirm_return);
            Either::Left(view! {
                <div class="next-step" aria-label=td_string!(l, disputes.the_return)>
                    <h2>{if returned { td_string!(l, disputes.buyer_sent_back) } else { td_string!(l, disputes.waiting_return) }}</h2>
                    <FormError errors/>
                    <ActionForm action=actions.confirm_return attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <SubmitButton pending=actions.confirm_return.pending().into() label=td_string!(l, disputes.return_received) pending_label=td_string!(l, disputes.refunding)/>
                    </ActionForm>
                    {returned.then(|| view! {
                        <details>
                            <summary>{td_string!(l, disputes.dispute_summary)}</summary>
                            <form method="post" action=format!("/orders/{id}/dispute-return") enctype="multipart/form-data" class="form form--compact">
                                <label for="dispute-reason">{td_string!(l, disputes.dispute_reason)}</label>
                                <textarea id="dispute-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                                <label for="dispute-photos">{td_string!(l, disputes.photos)}</label>
                                <input id="dispute-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                                <button type="submit" class="button">{td_string!(l, disputes.to_arbiter)}</button>
                            </form>
                        </details>
                    })}
                </div>
            }.into_any())
        }
        (Side::Arbiter, OrderState::InArbitration) => {
            let errors = action_error(actions.decide);
            Either::Left(view! {
                <div class="next-step" aria-label=td_string!(l, disputes.decide_label)>
                    <h2>{td_string!(l, disputes.decide_title)}</h2>
                    <ActionForm action=actions.decide attr:class="form form--compact">
                        <FormError errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field">
                            <label for="decide-refund">{td_string!(l, disputes.refund_to_buyer, held = held)}</label>
                            <input id="decide-refund" name="refund" type="text" inputmode="decimal" required/>
                            <p class="hint">{td_string!(l, disputes.rest_to_seller)}</p>
                        </div>
                        <div class="field">
                            <label for="decide-reason">{td_string!(l, disputes.reason_both)}</label>
                            <textarea id="decide-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                        </div>
                        <SubmitButton pending=actions.decide.pending().into() label=td_string!(l, disputes.decide_label) pending_label=td_string!(l, disputes.deciding)/>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (_, OrderState::InArbitration) => Either::Left(
            view! {
                <div class="next-step"><p>{td_string!(l, disputes.in_arbitration)}</p></div>
            }
            .into_any(),
        ),
        _ => Either::Right(()),
    }
}

#[component]
pub fn MessagesSection(order: OrderView) -> impl IntoView {
    let id = order.id;
    let can_write = matches!(order.side, Side::Buyer | Side::Seller);
    let l = current();
    view! {
        <section class="messages" id="messages" aria-label=td_string!(l, disputes.messages)>
            <h2>{td_string!(l, disputes.messages)}</h2>
            {if order.messages.is_empty() {
                Either::Left(view! { <p class="empty">{td_string!(l, disputes.no_messages)}</p> })
            } else {
                Either::Right(view! {
                    <ol class="thread">
                        {order.messages.into_iter().map(|m| view! {
                            <li class:mine=m.mine>
                                <p class="thread__meta"><strong>{m.author}</strong>" · "<time>{m.at}</time></p>
                                {(!m.body.is_empty()).then(|| view! { <p class="pre">{m.body}</p> })}
                                <Photos photos=m.photos/>
                            </li>
                        }).collect_view()}
                    </ol>
                })
            }}
            {can_write.then(|| view! {
                <form method="post" action=format!("/orders/{id}/messages") enctype="multipart/form-data" class="form form--compact">
                    <label for="message-body">{td_string!(l, disputes.write)}</label>
                    <textarea id="message-body" name="body" rows="3" maxlength=BODY_MAX_CHARS></textarea>
                    <label for="message-photos">{td_string!(l, disputes.photos_optional)}</label>
                    <input id="message-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                    <button type="submit" class="button">{td_string!(l, disputes.send_message)}</button>
                </form>
            })}
        </section>
    }
}

#[component]
pub fn RatingSection(order: OrderView, actions: DisputeActions) -> impl IntoView {
    let errors = action_error(actions.rate);
    let id = order.id;
    let l = current();
    let rate_whom = if order.side == Side::Buyer {
        td_string!(l, disputes.rate_seller)
    } else {
        td_string!(l, disputes.rate_buyer)
    };
    (!order.reviews.is_empty() || order.can_rate).then(|| view! {
        <section class="ratings" id="ratings" aria-label=td_string!(l, disputes.ratings)>
            <h2>{td_string!(l, disputes.ratings)}</h2>
            <ul class="reviews">
                {order.reviews.into_iter().map(|r| view! {
                    <li><span class=format!("score score--{}", r.score.slug())>{labels::score(l, r.score)}</span>
                        " " <strong>{r.rater}</strong> " " <span class="pre">{r.comment}</span></li>
                }).collect_view()}
            </ul>
            {order.can_rate.then(|| view! {
                <ActionForm action=actions.rate attr:class="form form--compact">
                    <FormError errors/>
                    <input type="hidden" name="id" value=id/>
                    <fieldset class="choice">
                        <legend>{rate_whom}</legend>
                        {Score::ALL.iter().copied().map(|s| view! {
                            <label><input type="radio" name="score" value=s.slug() required checked=s == Score::Good/>{format!(" {}", labels::score(l, s))}</label>
                        }).collect_view()}
                    </fieldset>
                    <label for="rating-comment">{td_string!(l, disputes.comment)}</label>
                    <textarea id="rating-comment" name="comment" rows="2" maxlength=COMMENT_MAX_CHARS></textarea>
                    <SubmitButton pending=actions.rate.pending().into() label=td_string!(l, disputes.rate) pending_label=td_string!(l, common.saving)/>
                </ActionForm>
            })}
        </section>
    })
}

#[component]
pub fn ClaimSection(order: OrderView, actions: DisputeActions) -> impl IntoView {
    let id = order.id;
    let errors = action_error(actions.decide_claim);
    let claim = order.claim.clone();
    let arbiter = order.side == Side::Arbiter;
    let claim_by = order.claim_by.clone().unwrap_or_default();
    let l = current();
    (claim.is_some() || order.can_claim).then(|| view! {
        <section class="claim" id="claim" aria-label=td_string!(l, disputes.claim)>
            {claim.map(|c| {
                let status = match c.state {
                    ClaimState::Open => td_string!(l, disputes.claim_open),
                    ClaimState::Upheld => td_string!(l, disputes.claim_upheld),
                    ClaimState::Rejected => td_string!(l, disputes.claim_rejected),
                };
                let open = c.state == ClaimState::Open;
                view! {
                    <h2>{td_string!(l, disputes.claim)}</h2>
                    <p data-testid="claim-state">{status}</p>
                    <p class="pre">{c.statement.clone()}</p>
                    <Photos photos=c.photos.clone()/>
                    {c.decision_reason.clone().map(|why| view! { <p><strong>{td_string!(l, disputes.decision)}</strong>{why}</p> })}
                    {(arbiter && open).then(|| view! {
                        <ActionForm action=actions.decide_claim attr:class="form form--compact">
                            <FormError errors/>
                            <input type="hidden" name="claim_id" value=c.id/>
                            <fieldset class="choice">
                                <legend>{td_string!(l, disputes.decision_legend)}</legend>
                                <label><input type="radio" name="decision" value="uphold" required/>{td_string!(l, disputes.uphold)}</label>
                                <label><input type="radio" name="decision" value="reject"/>{td_string!(l, disputes.reject)}</label>
                            </fieldset>
                            <label for="claim-reason">{td_string!(l, disputes.reason_both)}</label>
                            <textarea id="claim-reason" name="reason" rows="2" required></textarea>
                            <SubmitButton pending=actions.decide_claim.pending().into() label=td_string!(l, disputes.decide_claim) pending_label=td_string!(l, disputes.deciding)/>
                        </ActionForm>
                    })}
                }
            })}
            {order.can_claim.then(|| view! {
                <details>
                    <summary>{td_string!(l, disputes.claim_summary, date = claim_by)}</summary>
                    <form method="post" action=format!("/orders/{id}/claim") enctype="multipart/form-data" class="form form--compact">
                        <label for="claim-statement">{td_string!(l, disputes.what_happened)}</label>
                        <textarea id="claim-statement" name="statement" rows="4" maxlength=REASON_MAX_CHARS required></textarea>
                        <label for="claim-photos">{td_string!(l, disputes.evidence)}</label>
                        <input id="claim-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                        <button type="submit" class="button button--primary">{td_string!(l, disputes.file_claim)}</button>
                    </form>
                </details>
            })}
        </section>
    })
}
