//! What people are told when something happens, and to whom.

use serde::{Deserialize, Serialize};

/// Who an effect is addressed to, relative to its subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    /// The order's buyer (or the claim's).
    Buyer,
    /// The order's seller (or the claim's).
    Seller,
    /// Everyone who decides disputes and claims.
    Arbiters,
    /// The member whose wallet a bank operation concerns.
    AccountHolder,
}

/// Something a person is told, and asked to do. Stored by its snake_case
/// name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum Notice {
    PaidShipNow,
    Shipped,
    PaymentReleased,
    OrderCancelled,
    Refunded,
    RefundRequested,
    RefundRefused,
    SendReturn,
    ReturnSent,
    RefundWithdrawn,
    Escalated,
    Decided,
    BankConfirmed,
    BankRefused,
    ClaimFiled,
    NewMessage,
}

impl Notice {
    /// The stable name stored with the notification.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    /// The headline; the subject follows after a colon ("The bank
    /// confirmed: top-up of ¥100.00").
    pub fn message(self) -> &'static str {
        match self {
            Notice::PaidShipNow => "Paid — ship now",
            Notice::Shipped => "Your order has shipped",
            Notice::PaymentReleased => "Payment released",
            Notice::OrderCancelled => "Order cancelled",
            Notice::Refunded => "Refund paid",
            Notice::RefundRequested => "Refund requested — please answer",
            Notice::RefundRefused => "Refund refused — you may escalate",
            Notice::SendReturn => "Refund agreed — send the item back",
            Notice::ReturnSent => "Return sent — confirm when it arrives",
            Notice::RefundWithdrawn => "Refund request withdrawn",
            Notice::Escalated => "Order sent to arbitration",
            Notice::Decided => "The arbiter has decided",
            Notice::BankConfirmed => "The bank confirmed",
            Notice::BankRefused => "The bank refused",
            Notice::ClaimFiled => "A fraud claim was filed — the arbiter will decide",
            Notice::NewMessage => "New message on your order",
        }
    }
}
