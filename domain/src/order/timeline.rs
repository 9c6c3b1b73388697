//! How each event is named and told on the order's timeline.

use serde::{Deserialize, Serialize};

use super::Event;
use super::deadlines::TimerKind;
use super::refunds::RefundKind;

/// The kind of an event without its data, for tables and the timeline.
/// Stored with the timeline by its snake_case name (`timeout_confirm` for a
/// deadline).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    Placed,
    Pay,
    Cancel,
    Ship,
    SellerCancel,
    SellerRefund,
    ConfirmReceipt,
    ExtendConfirm,
    RequestRefund,
    AgreeRefund,
    RefuseRefund,
    WithdrawRefund,
    Escalate,
    SendReturn,
    ConfirmReturn,
    DisputeReturn,
    Decide,
    #[strum(to_string = "timeout_{0}")]
    Timeout(TimerKind),
}

impl EventKind {
    /// The stable name stored with the order's timeline.
    pub fn slug(self) -> String {
        self.to_string()
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Pay => EventKind::Pay,
            Event::Cancel => EventKind::Cancel,
            Event::Ship(_) => EventKind::Ship,
            Event::SellerCancel => EventKind::SellerCancel,
            Event::SellerRefund { .. } => EventKind::SellerRefund,
            Event::ConfirmReceipt => EventKind::ConfirmReceipt,
            Event::ExtendConfirm { .. } => EventKind::ExtendConfirm,
            Event::RequestRefund { .. } => EventKind::RequestRefund,
            Event::AgreeRefund => EventKind::AgreeRefund,
            Event::RefuseRefund { .. } => EventKind::RefuseRefund,
            Event::WithdrawRefund => EventKind::WithdrawRefund,
            Event::Escalate => EventKind::Escalate,
            Event::SendReturn(_) => EventKind::SendReturn,
            Event::ConfirmReturn => EventKind::ConfirmReturn,
            Event::DisputeReturn { .. } => EventKind::DisputeReturn,
            Event::Decide { .. } => EventKind::Decide,
            Event::Timeout(kind) => EventKind::Timeout(*kind),
        }
    }

    /// A line for the order's timeline.
    pub fn describe(&self) -> String {
        match self {
            Event::Pay => "Paid into escrow".into(),
            Event::Cancel => "Cancelled by the buyer".into(),
            Event::Ship(s) => format!("Shipped with {} (tracking {})", s.carrier, s.tracking),
            Event::SellerCancel => "Cancelled by the seller; refunded in full".into(),
            Event::SellerRefund { amount } => format!("The seller refunded {amount}"),
            Event::ConfirmReceipt => "Receipt confirmed; payment released".into(),
            Event::ExtendConfirm { days } => format!("Confirm-by date extended by {days} days"),
            Event::RequestRefund { kind, amount, reason } => {
                let what = match kind {
                    RefundKind::RefundOnly => "Refund",
                    RefundKind::ReturnAndRefund => "Return and refund",
                };
                format!("{what} of {amount} requested: {reason}")
            }
            Event::AgreeRefund => "Seller agreed to the refund".into(),
            Event::RefuseRefund { reason } => format!("Seller refused the refund: {reason}"),
            Event::WithdrawRefund => "Buyer withdrew the refund request".into(),
            Event::Escalate => "Buyer asked the platform to arbitrate".into(),
            Event::SendReturn(s) => format!("Return sent with {} (tracking {})", s.carrier, s.tracking),
            Event::ConfirmReturn => "Seller confirmed the returned goods; refund paid".into(),
            Event::DisputeReturn { reason } => format!("Seller disputed the returned goods: {reason}"),
            Event::Decide { refund, reason } => {
                format!("Arbiter decided: {refund} back to the buyer. {reason}")
            }
            Event::Timeout(kind) => match kind {
                TimerKind::Unpaid => "Not paid in time; cancelled".into(),
                TimerKind::Ship => "Not shipped in time; refunded in full".into(),
                TimerKind::Confirm => "Confirmed automatically; payment released".into(),
                TimerKind::Answer => "Seller did not answer in time; refund agreed".into(),
                TimerKind::Escalation => "Not escalated in time; request withdrawn".into(),
                TimerKind::ReturnSend => "Return not sent in time; request closed".into(),
                TimerKind::ReturnConfirm => "Return not confirmed in time; refund paid".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_keep_the_names_the_timeline_was_stored_with() {
        assert_eq!(EventKind::SellerCancel.slug(), "seller_cancel");
        assert_eq!(EventKind::Timeout(TimerKind::ReturnConfirm).slug(), "timeout_return_confirm");
    }
}
