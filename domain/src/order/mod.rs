//! The escrow state machine of SPEC §3: which event may happen in which
//! state, by whom, and what it does to the money, the stock, the deadlines
//! and the people involved. Pure: the store loads an [`Order`], asks
//! [`apply`], and writes what comes back in one transaction.

use serde::{Deserialize, Serialize};

mod deadlines;
mod refunds;
mod refusal;
#[cfg(test)]
mod tests;
mod timeline;

pub use deadlines::{Deadline, Deadlines, EXTENSION_DAYS, Paused, TimerKind};
pub use refunds::{RefundKind, RefundRequest};
pub use refusal::{Refusal, Span, Statement, days_list, or_list};
pub use timeline::EventKind;

use refunds::{open_request, pause, resume, settle};

pub use crate::effects::{Effect, Transition};
use crate::ledger::{Account, LedgerError, MemberId, TransferKind};
use crate::money::{FeeRate, Money};
use crate::notices::{Notice, Party};
pub use crate::time::{DAY, HOUR, MINUTE, Millis};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum OrderState {
    AwaitingPayment,
    Paid,
    Shipped,
    RefundRequested,
    RefundRefused,
    ReturnInTransit,
    InArbitration,
    Completed,
    Refunded,
    Cancelled,
    Resolved,
}

impl OrderState {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::Completed | OrderState::Refunded | OrderState::Cancelled | OrderState::Resolved
        )
    }

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "Awaiting payment",
            OrderState::Paid => "Paid — waiting for shipment",
            OrderState::Shipped => "Shipped",
            OrderState::RefundRequested => "Refund requested",
            OrderState::RefundRefused => "Refund refused",
            OrderState::ReturnInTransit => "Return in transit",
            OrderState::InArbitration => "In arbitration",
            OrderState::Completed => "Completed",
            OrderState::Refunded => "Refunded",
            OrderState::Cancelled => "Cancelled",
            OrderState::Resolved => "Resolved by arbiter",
        }
    }
}

/// The rules an order runs under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    pub deadlines: Deadlines,
    pub fee_rate: FeeRate,
}

pub const REASON_MAX_CHARS: usize = 1_000;
/// The most one order may buy.
pub const QUANTITY_MAX: u32 = 100;
pub const ADDRESS_MAX_CHARS: usize = 300;

/// How many one order may buy: from one to [`QUANTITY_MAX`].
pub fn check_quantity(quantity: u32) -> Result<(), TransitionError> {
    if quantity == 0 || quantity > QUANTITY_MAX {
        return Err(Refusal::Quantity.into());
    }
    Ok(())
}

/// A shipping address: present, trimmed, and not too long.
pub fn shipping_address(address: &str) -> Result<String, TransitionError> {
    let address = address.trim();
    if address.is_empty() || address.chars().count() > ADDRESS_MAX_CHARS {
        return Err(Refusal::Address.into());
    }
    Ok(address.to_owned())
}
pub const CARRIER_MAX_CHARS: usize = 60;
pub const TRACKING_MAX_CHARS: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking: String,
}

impl Shipment {
    /// Trims both fields and checks they are filled in and not too long.
    pub fn parse(carrier: &str, tracking: &str) -> Result<Self, TransitionError> {
        let carrier = carrier.trim();
        let tracking = tracking.trim();
        if carrier.is_empty() || tracking.is_empty() {
            return Err(Refusal::ShipmentMissing.into());
        }
        if carrier.chars().count() > CARRIER_MAX_CHARS || tracking.chars().count() > TRACKING_MAX_CHARS {
            return Err(Refusal::ShipmentTooLong.into());
        }
        Ok(Self { carrier: carrier.to_owned(), tracking: tracking.to_owned() })
    }
}

/// Everything the rules need to know about an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub buyer: MemberId,
    pub seller: MemberId,
    pub quantity: u32,
    /// What the buyer pays: unit price × quantity.
    pub amount: Money,
    /// What escrow holds for this order now.
    pub held: Money,
    pub state: OrderState,
    pub deadline: Option<Deadline>,
    pub paused: Option<Paused>,
    pub shipment: Option<Shipment>,
    pub confirm_extended: bool,
    pub refund: Option<RefundRequest>,
    pub ended_at: Option<Millis>,
}

impl Order {
    /// A new order, awaiting payment, with its unpaid deadline running.
    pub fn place(
        buyer: MemberId,
        seller: MemberId,
        unit_price: Money,
        quantity: u32,
        now: Millis,
        rules: &Rules,
    ) -> Result<Self, TransitionError> {
        if buyer == seller {
            return Err(Refusal::OwnListing.into());
        }
        check_quantity(quantity)?;
        let amount =
            unit_price.checked_mul(quantity).ok_or(TransitionError::Invalid(Refusal::OrderTooLarge))?;
        if amount.is_zero() {
            return Err(Refusal::Free.into());
        }
        Ok(Self {
            buyer,
            seller,
            quantity,
            amount,
            held: Money::ZERO,
            state: OrderState::AwaitingPayment,
            deadline: Some(Deadline { kind: TimerKind::Unpaid, at: now + rules.deadlines.unpaid }),
            paused: None,
            shipment: None,
            confirm_extended: false,
            refund: None,
            ended_at: None,
        })
    }

    /// Who the given member is to this order.
    pub fn role_of(&self, member: MemberId) -> Role {
        if member == self.buyer {
            Role::Buyer
        } else if member == self.seller {
            Role::Seller
        } else {
            Role::Stranger
        }
    }
}

/// Who is acting, relative to the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Buyer,
    Seller,
    Arbiter,
    /// The platform itself: timers.
    System,
    /// Anyone else, signed in or not.
    Stranger,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    Pay,
    /// The buyer cancels an unpaid order.
    Cancel,
    Ship(Shipment),
    /// The seller cancels a paid order before shipping: full refund.
    SellerCancel,
    /// The seller (a merchant, through the API) gives back part or all of
    /// what escrow holds; the rest stays held for the buyer to confirm.
    SellerRefund {
        amount: Money,
    },
    ConfirmReceipt,
    ExtendConfirm {
        days: u32,
    },
    RequestRefund {
        kind: RefundKind,
        amount: Money,
        reason: String,
    },
    AgreeRefund,
    RefuseRefund {
        reason: String,
    },
    WithdrawRefund,
    Escalate,
    SendReturn(Shipment),
    ConfirmReturn,
    DisputeReturn {
        reason: String,
    },
    /// The arbiter's split: `refund` to the buyer, the rest to the seller.
    Decide {
        refund: Money,
        reason: String,
    },
    Timeout(TimerKind),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("This order is {} — that cannot be done now", .0.label().to_lowercase())]
    NotNow(OrderState),
    #[error("You are not allowed to do that on this order")]
    NotYourRole,
    #[error(transparent)]
    Invalid(#[from] Refusal),
    /// A timer that no longer matches the order (it moved on); drop it.
    #[error("stale timer")]
    StaleTimer,
    #[error("timer not yet due")]
    NotDue,
    #[error("The confirm-by date can be extended only once")]
    AlreadyExtended,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Money(#[from] crate::money::MoneyError),
}

/// Decides what `event` by `role` does to `order` at `now`: the whole state
/// table of SPEC §3. Anything not in the table is refused.
pub fn apply(
    order: &Order,
    event: &Event,
    role: Role,
    now: Millis,
    rules: &Rules,
) -> Result<Transition<Order>, TransitionError> {
    use OrderState as S;

    if let Event::Timeout(kind) = event {
        check_timer(order, *kind, role, now)?;
    } else {
        check_role(order.state, event, role)?;
    }

    let mut next = order.clone();
    let mut effects = Vec::new();
    let d = &rules.deadlines;

    match (order.state, event) {
        (S::AwaitingPayment, Event::Pay) => {
            if order.deadline.is_some_and(|d| now >= d.at) {
                return Err(Refusal::PaymentExpired.into());
            }
            effects.push(Effect::transfer(
                Account::Available(order.buyer),
                Account::Escrow,
                order.amount,
                TransferKind::Payment,
            )?);
            next.held = order.amount;
            next.state = S::Paid;
            next.deadline = Some(Deadline { kind: TimerKind::Ship, at: now + d.ship });
            effects.push(Effect::Notify(Party::Seller, Notice::PaidShipNow));
        }
        (S::AwaitingPayment, Event::Cancel | Event::Timeout(TimerKind::Unpaid)) => {
            next.state = S::Cancelled;
            end(&mut next, now);
            effects.push(Effect::RestoreStock(order.quantity));
            effects.push(Effect::Notify(Party::Buyer, Notice::OrderCancelled));
            effects.push(Effect::Notify(Party::Seller, Notice::OrderCancelled));
        }
        (S::Paid, Event::Ship(shipment)) => {
            next.shipment = Some(Shipment::parse(&shipment.carrier, &shipment.tracking)?);
            next.state = S::Shipped;
            next.deadline = Some(Deadline { kind: TimerKind::Confirm, at: now + d.confirm });
            effects.push(Effect::Notify(Party::Buyer, Notice::Shipped));
        }
        (S::Paid | S::Shipped, Event::SellerRefund { amount }) => {
            if amount.is_zero() || *amount > order.held {
                return Err(Refusal::RefundOutOfRange { max: order.held }.into());
            }
            if *amount == order.held {
                settle(order, &mut next, &mut effects, *amount, S::Refunded, now, rules)?;
            } else {
                effects.push(Effect::transfer(
                    Account::Escrow,
                    Account::Available(order.buyer),
                    *amount,
                    TransferKind::Refund,
                )?);
                effects.push(Effect::Notify(Party::Buyer, Notice::Refunded));
                next.held = order
                    .held
                    .checked_sub(*amount)
                    .ok_or(TransitionError::Invalid(Refusal::RefundTooLarge { max: order.held }))?;
            }
        }
        (S::Paid, Event::SellerCancel | Event::Timeout(TimerKind::Ship)) => {
            settle(order, &mut next, &mut effects, order.held, S::Refunded, now, rules)?;
            effects.push(Effect::RestoreStock(order.quantity));
        }
        (S::Paid | S::Shipped, Event::RequestRefund { kind, amount, reason }) => {
            let reason = check_reason(reason, Statement::RefundReason)?;
            if amount.is_zero() || *amount > order.held {
                return Err(Refusal::RefundOutOfRange { max: order.held }.into());
            }
            if order.state == S::Paid && (*kind != RefundKind::RefundOnly || *amount != order.held) {
                return Err(Refusal::FullRefundBeforeShipping.into());
            }
            next.paused = pause(order, now);
            next.refund = Some(RefundRequest {
                kind: *kind,
                amount: *amount,
                reason,
                from: order.state,
                refusal: None,
                return_shipment: None,
            });
            next.state = S::RefundRequested;
            next.deadline = Some(Deadline { kind: TimerKind::Answer, at: now + d.answer });
            effects.push(Effect::Notify(Party::Seller, Notice::RefundRequested));
        }
        (S::Shipped, Event::ConfirmReceipt | Event::Timeout(TimerKind::Confirm)) => {
            settle(order, &mut next, &mut effects, Money::ZERO, S::Completed, now, rules)?;
        }
        (S::Shipped, Event::ExtendConfirm { days }) => {
            if order.confirm_extended {
                return Err(TransitionError::AlreadyExtended);
            }
            if !EXTENSION_DAYS.contains(days) {
                return Err(Refusal::ExtensionDays.into());
            }
            let Some(deadline) = order.deadline else {
                return Err(TransitionError::NotNow(order.state));
            };
            next.deadline =
                Some(Deadline { kind: deadline.kind, at: deadline.at + i64::from(*days) * d.extension_unit });
            next.confirm_extended = true;
        }
        (S::RefundRequested, Event::AgreeRefund | Event::Timeout(TimerKind::Answer)) => {
            let request = open_request(order)?;
            match request.kind {
                RefundKind::RefundOnly => {
                    let full = request.amount == order.held;
                    let final_state = if full { S::Refunded } else { S::Completed };
                    settle(order, &mut next, &mut effects, request.amount, final_state, now, rules)?;
                    if full && order.shipment.is_none() {
                        effects.push(Effect::RestoreStock(order.quantity));
                    }
                }
                RefundKind::ReturnAndRefund => {
                    next.state = S::ReturnInTransit;
                    next.deadline = Some(Deadline { kind: TimerKind::ReturnSend, at: now + d.return_send });
                    effects.push(Effect::Notify(Party::Buyer, Notice::SendReturn));
                }
            }
        }
        (S::RefundRequested, Event::RefuseRefund { reason }) => {
            let reason = check_reason(reason, Statement::RefusalReason)?;
            let mut request = open_request(order)?.clone();
            request.refusal = Some(reason);
            next.refund = Some(request);
            next.state = S::RefundRefused;
            next.deadline = Some(Deadline { kind: TimerKind::Escalation, at: now + d.escalation });
            effects.push(Effect::Notify(Party::Buyer, Notice::RefundRefused));
        }
        (S::RefundRequested | S::RefundRefused, Event::WithdrawRefund)
        | (S::RefundRefused, Event::Timeout(TimerKind::Escalation)) => {
            resume(order, &mut next, now)?;
            effects.push(Effect::Notify(Party::Seller, Notice::RefundWithdrawn));
        }
        (S::RefundRefused, Event::Escalate) => {
            next.state = S::InArbitration;
            next.deadline = None;
            effects.push(Effect::Notify(Party::Seller, Notice::Escalated));
        }
        (S::ReturnInTransit, Event::SendReturn(shipment)) => {
            let mut request = open_request(order)?.clone();
            if request.return_shipment.is_some() {
                return Err(Refusal::ReturnAlreadySent.into());
            }
            request.return_shipment = Some(Shipment::parse(&shipment.carrier, &shipment.tracking)?);
            next.refund = Some(request);
            next.deadline = Some(Deadline { kind: TimerKind::ReturnConfirm, at: now + d.return_confirm });
            effects.push(Effect::Notify(Party::Seller, Notice::ReturnSent));
        }
        (S::ReturnInTransit, Event::Timeout(TimerKind::ReturnSend)) => {
            resume(order, &mut next, now)?;
            effects.push(Effect::Notify(Party::Buyer, Notice::RefundWithdrawn));
            effects.push(Effect::Notify(Party::Seller, Notice::RefundWithdrawn));
        }
        (S::ReturnInTransit, Event::ConfirmReturn | Event::Timeout(TimerKind::ReturnConfirm)) => {
            let request = open_request(order)?;
            let final_state = if request.amount == order.held { S::Refunded } else { S::Completed };
            settle(order, &mut next, &mut effects, request.amount, final_state, now, rules)?;
        }
        (S::ReturnInTransit, Event::DisputeReturn { reason }) => {
            let reason = check_reason(reason, Statement::ReturnProblem)?;
            if open_request(order)?.return_shipment.is_none() {
                return Err(Refusal::NothingReturned.into());
            }
            let mut request = open_request(order)?.clone();
            request.refusal = Some(reason);
            next.refund = Some(request);
            next.state = S::InArbitration;
            next.deadline = None;
            effects.push(Effect::Notify(Party::Buyer, Notice::Escalated));
        }
        (S::InArbitration, Event::Decide { refund, reason }) => {
            check_reason(reason, Statement::Decision)?;
            if *refund > order.held {
                return Err(Refusal::RefundTooLarge { max: order.held }.into());
            }
            settle(order, &mut next, &mut effects, *refund, S::Resolved, now, rules)?;
            effects.retain(|e| !matches!(e, Effect::Notify(..)));
            effects.push(Effect::Notify(Party::Buyer, Notice::Decided));
            effects.push(Effect::Notify(Party::Seller, Notice::Decided));
        }
        (state, _) => return Err(TransitionError::NotNow(state)),
    }
    Ok(Transition { next, effects })
}

/// Who may cause each (non-timer) event; the state decides the rest.
fn check_role(state: OrderState, event: &Event, role: Role) -> Result<(), TransitionError> {
    let allowed = match event {
        Event::Pay
        | Event::Cancel
        | Event::ConfirmReceipt
        | Event::ExtendConfirm { .. }
        | Event::RequestRefund { .. }
        | Event::WithdrawRefund
        | Event::Escalate
        | Event::SendReturn(_) => Role::Buyer,
        Event::Ship(_)
        | Event::SellerCancel
        | Event::SellerRefund { .. }
        | Event::AgreeRefund
        | Event::RefuseRefund { .. }
        | Event::ConfirmReturn
        | Event::DisputeReturn { .. } => Role::Seller,
        Event::Decide { .. } => Role::Arbiter,
        Event::Timeout(_) => Role::System,
    };
    if role == allowed {
        Ok(())
    } else if state.is_terminal() && role != Role::Stranger {
        Err(TransitionError::NotNow(state))
    } else {
        Err(TransitionError::NotYourRole)
    }
}

/// A timeout applies only to the deadline the order is running, once due.
fn check_timer(order: &Order, kind: TimerKind, role: Role, now: Millis) -> Result<(), TransitionError> {
    if role != Role::System {
        return Err(TransitionError::NotYourRole);
    }
    match order.deadline {
        Some(deadline) if deadline.kind == kind && now >= deadline.at => Ok(()),
        Some(deadline) if deadline.kind == kind => Err(TransitionError::NotDue),
        _ => Err(TransitionError::StaleTimer),
    }
}

/// A statement (a reason, a claim, a decision): present and not too long.
pub fn check_reason(reason: &str, missing: Statement) -> Result<String, TransitionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::StatementMissing(missing).into());
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(Refusal::StatementTooLong.into());
    }
    Ok(reason.to_owned())
}

pub(crate) fn end(next: &mut Order, now: Millis) {
    next.deadline = None;
    next.paused = None;
    next.ended_at = Some(now);
}
