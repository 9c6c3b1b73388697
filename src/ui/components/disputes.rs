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
    (!photos.is_empty()).then(|| {
        view! {
            <ul class="photo-strip">
                {photos.into_iter().map(|p| view! {
                    <li><a href=p.full target="_blank" rel="noopener"><img src=p.thumb alt="Photo" loading="lazy"/></a></li>
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
    view! {
        <section class="refund" id="refund" aria-label="Refund">
            {request.clone().map(|r| {
                let kind = match r.kind {
                    RefundKind::RefundOnly => "Refund only",
                    RefundKind::ReturnAndRefund => "Return and refund",
                };
                view! {
                    <h2>"Refund request"</h2>
                    <dl class="item__facts">
                        <dt>"Asked for"</dt><dd data-testid="refund-request">{format!("{kind}: {}", r.amount)}</dd>
                        <dt>"Buyer's reason"</dt><dd class="pre">{r.reason.clone()}</dd>
                        {r.refusal.clone().map(|why| view! { <dt>"Seller's answer"</dt><dd class="pre" data-testid="refusal">{why}</dd> })}
                        {r.return_shipment.clone().map(|s| view! { <dt>"Returned with"</dt><dd>{format!("{} · {}", s.carrier, s.tracking)}</dd> })}
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
    let held = order.held.amount().to_string();
    view! {
        <details class="refund-form">
            <summary>"Something wrong? Ask for a refund"</summary>
            <form method="post" action=format!("/orders/{id}/refund") enctype="multipart/form-data" class="form form--compact">
                <fieldset class="choice">
                    <legend>"What do you want?"</legend>
                    <label><input type="radio" name="kind" value="refund_only" checked/>" Refund only"</label>
                    {(!before_shipping).then(|| view! {
                        <label><input type="radio" name="kind" value="return_and_refund"/>" Return the item for a refund"</label>
                    })}
                </fieldset>
                <div class="field">
                    <label for="refund-amount">"Amount (¥)"</label>
                    <input id="refund-amount" name="amount" type="text" inputmode="decimal" value=held.clone() readonly=before_shipping required/>
                    <p class="hint">{if before_shipping { format!("Before shipping the refund is the full {held}.") } else { format!("Up to ¥{held}.") }}</p>
                </div>
                <div class="field">
                    <label for="refund-reason">"Reason"</label>
                    <textarea id="refund-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                </div>
                <div class="field">
                    <label for="refund-photos">"Photos (up to 4, JPEG/PNG/WebP, 5 MB each)"</label>
                    <input id="refund-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                </div>
                <button type="submit" class="button button--primary">"Ask for a refund"</button>
            </form>
        </details>
    }
}

/// The step the viewer can take on an open request.
fn refund_step(order: &OrderView, actions: DisputeActions) -> impl IntoView + use<> {
    let id = order.id;
    let held = order.held;
    let returned = order.refund.as_ref().is_some_and(|r| r.return_shipment.is_some());
    match (order.side, order.state) {
        (Side::Seller, OrderState::RefundRequested) => {
            let errors = action_error(actions.answer);
            Either::Left(view! {
                <div class="next-step" aria-label="Answer the refund">
                    <h2>"Answer the refund request"</h2>
                    <FormError errors/>
                    <ActionForm action=actions.answer attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="answer" value="agree"/>
                        <SubmitButton pending=actions.answer.pending().into() label="Agree" pending_label="Saving…"/>
                    </ActionForm>
                    <ActionForm action=actions.answer attr:class="form form--compact">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="answer" value="refuse"/>
                        <label for="refusal">"Or refuse, saying why"</label>
                        <textarea id="refusal" name="reason" rows="2" maxlength=REASON_MAX_CHARS required></textarea>
                        <button type="submit" class="button">"Refuse"</button>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (Side::Buyer, OrderState::RefundRequested | OrderState::RefundRefused) => {
            let refused = order.state == OrderState::RefundRefused;
            let errors = action_error(actions.escalate);
            Either::Left(view! {
                <div class="next-step">
                    <p>{if refused { "The seller refused. You can ask the platform to decide, or withdraw the request." } else { "Waiting for the seller's answer." }}</p>
                    <FormError errors/>
                    <div class="button-row">
                        {refused.then(|| view! {
                            <ActionForm action=actions.escalate attr:class="inline-form">
                                <input type="hidden" name="id" value=id/>
                                <SubmitButton pending=actions.escalate.pending().into() label="Ask the platform to decide" pending_label="Sending…"/>
                            </ActionForm>
                        })}
                        <ActionForm action=actions.withdraw attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button">"Withdraw the request"</button>
                        </ActionForm>
                    </div>
                </div>
            }.into_any())
        }
        (Side::Buyer, OrderState::ReturnInTransit) if !returned => {
            let errors = action_error(actions.send_return);
            Either::Left(view! {
                <div class="next-step" aria-label="Send the return">
                    <h2>"Send the item back"</h2>
                    <ActionForm action=actions.send_return attr:class="form form--compact">
                        <FormError errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field-row">
                            <div class="field"><label for="return-carrier">"Return carrier"</label>
                                <input id="return-carrier" name="carrier" type="text" required maxlength=CARRIER_MAX_CHARS/></div>
                            <div class="field"><label for="return-tracking">"Return tracking number"</label>
                                <input id="return-tracking" name="tracking" type="text" required maxlength=TRACKING_MAX_CHARS/></div>
                        </div>
                        <SubmitButton pending=actions.send_return.pending().into() label="Return sent" pending_label="Saving…"/>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (Side::Seller, OrderState::ReturnInTransit) => {
            let errors = action_error(actions.confirm_return);
            Either::Left(view! {
                <div class="next-step" aria-label="The return">
                    <h2>{if returned { "The buyer sent the item back" } else { "Waiting for the buyer to send the item back" }}</h2>
                    <FormError errors/>
                    <ActionForm action=actions.confirm_return attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <SubmitButton pending=actions.confirm_return.pending().into() label="Returned goods received — refund" pending_label="Refunding…"/>
                    </ActionForm>
                    {returned.then(|| view! {
                        <details>
                            <summary>"Not as sent? Dispute the returned goods"</summary>
                            <form method="post" action=format!("/orders/{id}/dispute-return") enctype="multipart/form-data" class="form form--compact">
                                <label for="dispute-reason">"What is wrong with them"</label>
                                <textarea id="dispute-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                                <label for="dispute-photos">"Photos"</label>
                                <input id="dispute-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                                <button type="submit" class="button">"Send to the arbiter"</button>
                            </form>
                        </details>
                    })}
                </div>
            }.into_any())
        }
        (Side::Arbiter, OrderState::InArbitration) => {
            let errors = action_error(actions.decide);
            Either::Left(view! {
                <div class="next-step" aria-label="Decide">
                    <h2>"Decide the split"</h2>
                    <ActionForm action=actions.decide attr:class="form form--compact">
                        <FormError errors/>
                        <input type="hidden" name="id" value=id/>
                        <div class="field">
                            <label for="decide-refund">{format!("Refund to the buyer (¥, of {held})")}</label>
                            <input id="decide-refund" name="refund" type="text" inputmode="decimal" required/>
                            <p class="hint">"The rest goes to the seller, less the fee on that part."</p>
                        </div>
                        <div class="field">
                            <label for="decide-reason">"Reason, shown to both sides"</label>
                            <textarea id="decide-reason" name="reason" rows="3" maxlength=REASON_MAX_CHARS required></textarea>
                        </div>
                        <SubmitButton pending=actions.decide.pending().into() label="Decide" pending_label="Deciding…"/>
                    </ActionForm>
                </div>
            }.into_any())
        }
        (_, OrderState::InArbitration) => Either::Left(view! {
            <div class="next-step"><p>"An arbiter is looking at this order and will decide how the money is split."</p></div>
        }.into_any()),
        _ => Either::Right(()),
    }
}

#[component]
pub fn MessagesSection(order: OrderView) -> impl IntoView {
    let id = order.id;
    let can_write = matches!(order.side, Side::Buyer | Side::Seller);
    view! {
        <section class="messages" id="messages" aria-label="Messages">
            <h2>"Messages"</h2>
            {if order.messages.is_empty() {
                Either::Left(view! { <p class="empty">"No messages yet."</p> })
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
                    <label for="message-body">"Write to the other side"</label>
                    <textarea id="message-body" name="body" rows="3" maxlength=BODY_MAX_CHARS></textarea>
                    <label for="message-photos">"Photos (optional)"</label>
                    <input id="message-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                    <button type="submit" class="button">"Send message"</button>
                </form>
            })}
        </section>
    }
}

#[component]
pub fn RatingSection(order: OrderView, actions: DisputeActions) -> impl IntoView {
    let errors = action_error(actions.rate);
    let id = order.id;
    let whom = if order.side == Side::Buyer { "the seller" } else { "the buyer" };
    (!order.reviews.is_empty() || order.can_rate).then(|| view! {
        <section class="ratings" id="ratings" aria-label="Ratings">
            <h2>"Ratings"</h2>
            <ul class="reviews">
                {order.reviews.into_iter().map(|r| view! {
                    <li><span class=format!("score score--{}", r.score.slug())>{r.score.label()}</span>
                        " " <strong>{r.rater}</strong> " " <span class="pre">{r.comment}</span></li>
                }).collect_view()}
            </ul>
            {order.can_rate.then(|| view! {
                <ActionForm action=actions.rate attr:class="form form--compact">
                    <FormError errors/>
                    <input type="hidden" name="id" value=id/>
                    <fieldset class="choice">
                        <legend>{format!("Rate {whom}")}</legend>
                        {Score::ALL.iter().copied().map(|s| view! {
                            <label><input type="radio" name="score" value=s.slug() required checked=s == Score::Good/>{format!(" {}", s.label())}</label>
                        }).collect_view()}
                    </fieldset>
                    <label for="rating-comment">"Comment (optional)"</label>
                    <textarea id="rating-comment" name="comment" rows="2" maxlength=COMMENT_MAX_CHARS></textarea>
                    <SubmitButton pending=actions.rate.pending().into() label="Rate" pending_label="Saving…"/>
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
    (claim.is_some() || order.can_claim).then(|| view! {
        <section class="claim" id="claim" aria-label="Fraud claim">
            {claim.map(|c| {
                let status = match c.state {
                    ClaimState::Open => "Open — an arbiter will decide".to_owned(),
                    ClaimState::Upheld => "Upheld — the buyer was compensated in full".to_owned(),
                    ClaimState::Rejected => "Rejected".to_owned(),
                };
                let open = c.state == ClaimState::Open;
                view! {
                    <h2>"Fraud claim"</h2>
                    <p data-testid="claim-state">{status}</p>
                    <p class="pre">{c.statement.clone()}</p>
                    <Photos photos=c.photos.clone()/>
                    {c.decision_reason.clone().map(|why| view! { <p><strong>"Decision: "</strong>{why}</p> })}
                    {(arbiter && open).then(|| view! {
                        <ActionForm action=actions.decide_claim attr:class="form form--compact">
                            <FormError errors/>
                            <input type="hidden" name="claim_id" value=c.id/>
                            <fieldset class="choice">
                                <legend>"Decision"</legend>
                                <label><input type="radio" name="decision" value="uphold" required/>" Uphold: pay the buyer the order amount and suspend the seller"</label>
                                <label><input type="radio" name="decision" value="reject"/>" Reject"</label>
                            </fieldset>
                            <label for="claim-reason">"Reason, shown to both sides"</label>
                            <textarea id="claim-reason" name="reason" rows="2" required></textarea>
                            <SubmitButton pending=actions.decide_claim.pending().into() label="Decide the claim" pending_label="Deciding…"/>
                        </ActionForm>
                    })}
                }
            })}
            {order.can_claim.then(|| view! {
                <details>
                    <summary>{format!("Were you defrauded? File a claim (until {claim_by})")}</summary>
                    <form method="post" action=format!("/orders/{id}/claim") enctype="multipart/form-data" class="form form--compact">
                        <label for="claim-statement">"What happened"</label>
                        <textarea id="claim-statement" name="statement" rows="4" maxlength=REASON_MAX_CHARS required></textarea>
                        <label for="claim-photos">"Evidence (photos)"</label>
                        <input id="claim-photos" name="photos" type="file" accept="image/jpeg,image/png,image/webp" multiple/>
                        <button type="submit" class="button button--primary">"File the claim"</button>
                    </form>
                </details>
            })}
        </section>
    })
}
