//! Refund requests and returns, and paying out what an order holds.

use serde::{Deserialize, Serialize};

use super::deadlines::{Deadline, Paused};
use super::{Order, OrderState, Rules, Shipment, TransitionError, end};
use crate::effects::Effect;
use crate::ledger::{Account, TransferKind};
use crate::money::{Money, MoneyError};
use crate::notices::{Notice, Party};
use crate::time::Millis;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum RefundKind {
    RefundOnly,
    ReturnAndRefund,
}

impl RefundKind {
    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// An open refund request and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RefundRequest {
    pub kind: RefundKind,
    pub amount: Money,
    pub reason: String,
    /// Where the order returns to if the request is withdrawn.
    pub from: OrderState,
    pub refusal: Option<String>,
    pub return_shipment: Option<Shipment>,
}

pub(super) fn open_request(order: &Order) -> Result<&RefundRequest, TransitionError> {
    order.refund.as_ref().ok_or(TransitionError::NotNow(order.state))
}

/// Stops the running deadline, keeping the time it had left.
pub(super) fn pause(order: &Order, now: Millis) -> Option<Paused> {
    order.deadline.map(|d| Paused { kind: d.kind, remaining: (d.at - now).max(0) })
}

/// Closes the refund request and restarts the paused deadline with the time
/// it had left.
pub(super) fn resume(order: &Order, next: &mut Order, now: Millis) -> Result<(), TransitionError> {
    let request = open_request(order)?;
    next.state = request.from;
    next.refund = None;
    next.deadline = order.paused.map(|p| Deadline { kind: p.kind, at: now + p.remaining });
    next.paused = None;
    Ok(())
}

/// Pays out everything the order holds: `refund` back to the buyer, the rest
/// to the seller less the fee on that rest. Ends the order in `final_state`.
pub(super) fn settle(
    order: &Order,
    next: &mut Order,
    effects: &mut Vec<Effect>,
    refund: Money,
    final_state: OrderState,
    now: Millis,
    rules: &Rules,
) -> Result<(), TransitionError> {
    let rest = order
        .held
        .checked_sub(refund)
        .ok_or(TransitionError::Invalid(super::Refusal::RefundTooLarge { max: order.held }))?;
    if !refund.is_zero() {
        effects.push(Effect::transfer(
            Account::Escrow,
            Account::Available(order.buyer),
            refund,
            TransferKind::Refund,
        )?);
        effects.push(Effect::Notify(Party::Buyer, Notice::Refunded));
    }
    if !rest.is_zero() {
        let fee = rules.fee_rate.fee_on(rest)?;
        let to_seller = rest.checked_sub(fee).ok_or(TransitionError::Money(MoneyError::Negative))?;
        if !to_seller.is_zero() {
            effects.push(Effect::transfer(
                Account::Escrow,
                Account::Available(order.seller),
                to_seller,
                TransferKind::Release,
            )?);
        }
        if !fee.is_zero() {
            effects.push(Effect::transfer(Account::Escrow, Account::PlatformFees, fee, TransferKind::Fee)?);
        }
        effects.push(Effect::Notify(Party::Seller, Notice::PaymentReleased));
    } else if final_state == OrderState::Refunded {
        effects.push(Effect::Notify(Party::Seller, Notice::Refunded));
    }
    next.held = Money::ZERO;
    next.state = final_state;
    end(next, now);
    Ok(())
}
