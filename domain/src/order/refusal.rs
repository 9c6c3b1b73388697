//! Why the rules refuse a step, as data. The words are chosen where the
//! refusal is shown, in the reader's language (the app's `labels`); the
//! English `Display` here is for logs and the merchant API.

use super::{ADDRESS_MAX_CHARS, CARRIER_MAX_CHARS, EXTENSION_DAYS, QUANTITY_MAX, REASON_MAX_CHARS};
use crate::message::MessageError;
use crate::money::Money;
use crate::time::{DAY, HOUR, Millis};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Buy from 1 to {QUANTITY_MAX} at a time")]
    Quantity,
    #[error("Enter a shipping address of at most {ADDRESS_MAX_CHARS} characters")]
    Address,
    #[error("Enter the carrier and the tracking number")]
    ShipmentMissing,
    #[error("Keep the carrier and tracking number to {CARRIER_MAX_CHARS} characters each")]
    ShipmentTooLong,
    #[error("You cannot buy your own listing")]
    OwnListing,
    #[error("That order is too large")]
    OrderTooLarge,
    #[error("An order must cost something")]
    Free,
    #[error("This order was not paid in time and has expired; please order again")]
    PaymentExpired,
    /// A refund of nothing, or of more than escrow holds.
    #[error("The refund must be more than ¥0.00 and at most {max}")]
    RefundOutOfRange { max: Money },
    /// A decision or settlement that would give back more than escrow holds.
    #[error("The refund can be at most {max}")]
    RefundTooLarge { max: Money },
    #[error("Before shipping, a refund is of the full amount and needs no return")]
    FullRefundBeforeShipping,
    #[error("Extend by {}", days_list())]
    ExtensionDays,
    #[error("The return was already sent")]
    ReturnAlreadySent,
    #[error("Nothing has been sent back yet")]
    NothingReturned,
    #[error("{0}")]
    StatementMissing(Statement),
    #[error("Keep it to {REASON_MAX_CHARS} characters")]
    StatementTooLong,
    #[error("Fraud claims can be filed within {} of the end of an order", in_words(*.window))]
    ClaimWindowPassed { window: Millis },
    #[error("This claim has already been decided")]
    ClaimDecided,
    #[error(transparent)]
    Message(#[from] MessageError),
}

/// Which statement a step needs and did not get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Statement {
    #[error("Say why you want a refund")]
    RefundReason,
    #[error("Say why you refuse")]
    RefusalReason,
    #[error("Say what is wrong with the returned goods")]
    ReturnProblem,
    #[error("Give the reason for the decision")]
    Decision,
    #[error("Describe what happened")]
    ClaimStatement,
}

/// A claim window in whole days, or hours when shorter than a day (tests
/// and demo set-ups shorten the windows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    Hours(i64),
    Days(i64),
}

impl Span {
    pub fn of(window: Millis) -> Self {
        match window / DAY {
            0 => Span::Hours((window / HOUR).max(1)),
            days => Span::Days(days),
        }
    }
}

fn in_words(window: Millis) -> String {
    match Span::of(window) {
        Span::Hours(1) => "1 hour".to_owned(),
        Span::Hours(hours) => format!("{hours} hours"),
        Span::Days(1) => "1 day".to_owned(),
        Span::Days(days) => format!("{days} days"),
    }
}

/// "3, 5, 7 or 10 days", from [`EXTENSION_DAYS`].
pub fn days_list() -> String {
    format!("{} days", or_list(&EXTENSION_DAYS, ", ", " or "))
}

/// Numbers joined by `separator`, the last by `or`: "3, 5, 7 or 10"; the
/// app passes each language's words.
pub fn or_list(items: &[u32], separator: &str, or: &str) -> String {
    let items: Vec<String> = items.iter().map(u32::to_string).collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{}{or}{last}", rest.join(separator)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_round_to_whole_days_or_hours() {
        assert_eq!(Span::of(15 * DAY), Span::Days(15));
        assert_eq!(Span::of(DAY + 5 * HOUR), Span::Days(1));
        assert_eq!(Span::of(3 * HOUR), Span::Hours(3));
        assert_eq!(Span::of(1), Span::Hours(1), "a moment still reads as an hour, never zero");
    }

    #[test]
    fn the_english_words_follow_the_constants() {
        assert_eq!(days_list(), "3, 5, 7 or 10 days");
        assert_eq!(or_list(&[7], ", ", " or "), "7");
        assert_eq!(or_list(&[], ", ", " or "), "");
        assert_eq!(Refusal::ExtensionDays.to_string(), "Extend by 3, 5, 7 or 10 days");
        assert_eq!(
            Refusal::ClaimWindowPassed { window: 2 * HOUR }.to_string(),
            "Fraud claims can be filed within 2 hours of the end of an order"
        );
        assert_eq!(
            Refusal::StatementMissing(Statement::Decision).to_string(),
            "Give the reason for the decision"
        );
        assert_eq!(Refusal::Message(MessageError::Empty).to_string(), "Write a message or attach a photo");
    }
}
