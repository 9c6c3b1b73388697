//! The deadlines that run against an order, how long each runs, and the
//! confirm-by extension.

use serde::{Deserialize, Serialize};

use crate::time::{DAY, HOUR, MINUTE, Millis};

/// The deadlines that run against an order; each fires a timeout event.
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
    strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum TimerKind {
    /// Unpaid orders cancel themselves (30 min).
    Unpaid,
    /// A paid order not shipped is refunded (7 days).
    Ship,
    /// A shipped order not confirmed is released to the seller (10 days).
    Confirm,
    /// A refund request not answered counts as agreed (48 h).
    Answer,
    /// A refused refund not escalated is withdrawn (7 days).
    Escalation,
    /// A return not sent closes the request (7 days).
    ReturnSend,
    /// A sent return not confirmed by the seller is refunded (10 days).
    ReturnConfirm,
}

impl TimerKind {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    /// What happens when the deadline passes, for the order page.
    pub fn consequence(self) -> &'static str {
        match self {
            TimerKind::Unpaid => "Cancels automatically if unpaid",
            TimerKind::Ship => "Refunds automatically if not shipped",
            TimerKind::Confirm => "Confirms automatically",
            TimerKind::Answer => "Refund is agreed automatically if the seller does not answer",
            TimerKind::Escalation => "Request is withdrawn unless escalated",
            TimerKind::ReturnSend => "Request closes unless the return is sent",
            TimerKind::ReturnConfirm => "Refund is paid automatically",
        }
    }
}

/// How long each deadline runs. From configuration, so tests use seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub unpaid: Millis,
    pub ship: Millis,
    pub confirm: Millis,
    pub answer: Millis,
    pub escalation: Millis,
    pub return_send: Millis,
    pub return_confirm: Millis,
    /// How long after the end a fraud claim may be filed (15 days).
    pub claim_window: Millis,
    /// One unit of the confirm extension (a day); the buyer picks 3, 5, 7 or 10.
    pub extension_unit: Millis,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            unpaid: 30 * MINUTE,
            ship: 7 * DAY,
            confirm: 10 * DAY,
            answer: 48 * HOUR,
            escalation: 7 * DAY,
            return_send: 7 * DAY,
            return_confirm: 10 * DAY,
            claim_window: 15 * DAY,
            extension_unit: DAY,
        }
    }
}

impl Deadlines {
    pub fn of(&self, kind: TimerKind) -> Millis {
        match kind {
            TimerKind::Unpaid => self.unpaid,
            TimerKind::Ship => self.ship,
            TimerKind::Confirm => self.confirm,
            TimerKind::Answer => self.answer,
            TimerKind::Escalation => self.escalation,
            TimerKind::ReturnSend => self.return_send,
            TimerKind::ReturnConfirm => self.return_confirm,
        }
    }
}

/// The days a buyer may add to the confirm-by date, once.
pub const EXTENSION_DAYS: [u32; 4] = [3, 5, 7, 10];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: TimerKind,
    pub at: Millis,
}

/// A deadline stopped while a refund request is open, with the time it had left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Paused {
    pub kind: TimerKind,
    pub remaining: Millis,
}
