//! Escrow for other shops (SPEC §7): what a merchant's API call may ask for,
//! how an escrow's status reads from its order, and which state changes
//! the merchant hears about by webhook. The escrow becomes an ordinary
//! order once the buyer pays, so every rule of `order` applies unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::order::{ADDRESS_MAX_CHARS, OrderState, QUANTITY_MAX};
use crate::validation::FieldErrors;

pub const OUT_TRADE_NO_MAX_CHARS: usize = 64;
pub const SUBJECT_MAX_CHARS: usize = 120;
pub const ITEMS_MAX: usize = 50;
pub const METADATA_MAX_PAIRS: usize = 20;
pub const METADATA_KEY_MAX_CHARS: usize = 40;
pub const METADATA_VALUE_MAX_CHARS: usize = 500;
pub const URL_MAX_CHARS: usize = 2_000;
pub const KEY_NAME_MAX_CHARS: usize = 60;

/// Live escrows move real money; test ones are made with test keys and
/// never mix with live figures.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Mode {
    Live,
    Test,
}

impl Mode {
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// An escrow's status as the API reports it, from its order's state (SPEC
/// §7 maps each to Alipay's trade status).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EscrowStatus {
    AwaitingPayment,
    Paid,
    Shipped,
    RefundRequested,
    InArbitration,
    Completed,
    Refunded,
    Cancelled,
}

impl EscrowStatus {
    pub const ALL: [EscrowStatus; 8] = [
        EscrowStatus::AwaitingPayment,
        EscrowStatus::Paid,
        EscrowStatus::Shipped,
        EscrowStatus::RefundRequested,
        EscrowStatus::InArbitration,
        EscrowStatus::Completed,
        EscrowStatus::Refunded,
        EscrowStatus::Cancelled,
    ];

    pub fn slug(self) -> &'static str {
        self.into()
    }

    /// The status an order's state reads as. Every open refund step is
    /// "refund requested"; an arbiter's decision ends the trade like a
    /// completion (the split is on the order).
    pub fn of_order(state: OrderState) -> Self {
        match state {
            OrderState::AwaitingPayment => EscrowStatus::AwaitingPayment,
            OrderState::Paid => EscrowStatus::Paid,
            OrderState::Shipped => EscrowStatus::Shipped,
            OrderState::RefundRequested | OrderState::RefundRefused | OrderState::ReturnInTransit => {
                EscrowStatus::RefundRequested
            }
            OrderState::InArbitration => EscrowStatus::InArbitration,
            OrderState::Completed | OrderState::Resolved => EscrowStatus::Completed,
            OrderState::Refunded => EscrowStatus::Refunded,
            OrderState::Cancelled => EscrowStatus::Cancelled,
        }
    }

    /// Alipay's name for the same moment of a guarantee trade.
    pub fn alipay(self) -> &'static str {
        match self {
            EscrowStatus::AwaitingPayment => "WAIT_BUYER_PAY",
            EscrowStatus::Paid => "WAIT_SELLER_SEND_GOODS",
            EscrowStatus::Shipped | EscrowStatus::RefundRequested | EscrowStatus::InArbitration => {
                "WAIT_BUYER_CONFIRM_GOODS"
            }
            EscrowStatus::Completed => "TRADE_FINISHED",
            EscrowStatus::Refunded | EscrowStatus::Cancelled => "TRADE_CLOSED",
        }
    }
}

/// What a merchant hears by webhook.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
pub enum WebhookEvent {
    #[strum(serialize = "escrow.paid")]
    #[serde(rename = "escrow.paid")]
    Paid,
    #[strum(serialize = "escrow.shipped")]
    #[serde(rename = "escrow.shipped")]
    Shipped,
    #[strum(serialize = "escrow.completed")]
    #[serde(rename = "escrow.completed")]
    Completed,
    #[strum(serialize = "escrow.refund_requested")]
    #[serde(rename = "escrow.refund_requested")]
    RefundRequested,
    #[strum(serialize = "escrow.disputed")]
    #[serde(rename = "escrow.disputed")]
    Disputed,
    #[strum(serialize = "escrow.refunded")]
    #[serde(rename = "escrow.refunded")]
    Refunded,
    #[strum(serialize = "escrow.cancelled")]
    #[serde(rename = "escrow.cancelled")]
    Cancelled,
}

impl WebhookEvent {
    pub fn slug(self) -> &'static str {
        self.into()
    }

    /// The event an escrow's step from one status to another makes, if any.
    pub fn of_step(from: EscrowStatus, to: EscrowStatus) -> Option<Self> {
        use EscrowStatus as S;
        if from == to {
            return None;
        }
        Some(match to {
            S::Paid if from == S::AwaitingPayment => WebhookEvent::Paid,
            S::Shipped if from == S::Paid => WebhookEvent::Shipped,
            S::RefundRequested => WebhookEvent::RefundRequested,
            S::InArbitration => WebhookEvent::Disputed,
            S::Completed => WebhookEvent::Completed,
            S::Refunded => WebhookEvent::Refunded,
            S::Cancelled => WebhookEvent::Cancelled,
            // A withdrawn refund request puts the order back where it was.
            S::Paid | S::Shipped | S::AwaitingPayment => return None,
        })
    }
}

/// How long to wait before each retry of a webhook delivery: about a day
/// in all (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h).
pub const RETRY_SCHEDULE_MS: [i64; 9] =
    [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];

/// One line of what the buyer is paying for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub title: String,
    pub quantity: u32,
    pub unit_price: Money,
}

/// An escrow as a merchant asks for it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEscrow {
    pub out_trade_no: String,
    pub amount: Money,
    pub subject: String,
    pub items: Vec<Item>,
    pub buyer_email: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// What the request said, before checking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EscrowRequest {
    pub out_trade_no: String,
    pub amount: String,
    pub subject: String,
    pub items: Vec<(String, u32, String)>,
    pub buyer_email: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl NewEscrow {
    /// Checks every field and says what is wrong with each; the items must
    /// add up to the amount.
    pub fn parse(request: &EscrowRequest) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let out_trade_no = request.out_trade_no.trim();
        if out_trade_no.is_empty()
            || out_trade_no.chars().count() > OUT_TRADE_NO_MAX_CHARS
            || !out_trade_no.chars().all(|c| c.is_ascii_graphic())
        {
            errors.add(
                "out_trade_no",
                format!("1 to {OUT_TRADE_NO_MAX_CHARS} visible ASCII characters, unique among your escrows"),
            );
        }
        let amount = match Money::parse(&request.amount) {
            Ok(amount) if amount.is_zero() => {
                errors.add("amount", "The amount must be above 0.00");
                None
            }
            Ok(amount) => Some(amount),
            Err(e) => {
                errors.add("amount", e.to_string());
                None
            }
        };
        let subject = request.subject.trim();
        if subject.is_empty() || subject.chars().count() > SUBJECT_MAX_CHARS {
            errors.add("subject", format!("1 to {SUBJECT_MAX_CHARS} characters"));
        }
        let mut items = Vec::new();
        if request.items.is_empty() || request.items.len() > ITEMS_MAX {
            errors.add("items", format!("1 to {ITEMS_MAX} items"));
        }
        for (n, (title, quantity, unit_price)) in request.items.iter().enumerate() {
            let title = title.trim();
            let price = Money::parse(unit_price);
            if title.is_empty() || title.chars().count() > SUBJECT_MAX_CHARS {
                errors.add(&format!("items[{n}].title"), format!("1 to {SUBJECT_MAX_CHARS} characters"));
            }
            if *quantity == 0 || *quantity > QUANTITY_MAX {
                errors.add(&format!("items[{n}].quantity"), format!("1 to {QUANTITY_MAX}"));
            }
            match price {
                Ok(unit_price) => {
                    items.push(Item { title: title.to_owned(), quantity: *quantity, unit_price });
                }
                Err(e) => errors.add(&format!("items[{n}].unit_price"), e.to_string()),
            }
        }
        let total = items
            .iter()
            .try_fold(Money::ZERO, |sum, i| sum.checked_add(i.unit_price.checked_mul(i.quantity)?));
        if let (Some(amount), Some(total)) = (amount, total)
            && items.len() == request.items.len()
            && total != amount
        {
            errors.add("amount", format!("The items add up to {}, not {amount}", total.amount_text()));
        }
        let buyer_email = request.buyer_email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = buyer_email
            && crate::account::check_email(&crate::account::normalize_email(email)).is_err()
        {
            errors.add("buyer_email", "Not an e-mail address");
        }
        let return_url = url(&mut errors, "return_url", request.return_url.as_deref());
        let cancel_url = url(&mut errors, "cancel_url", request.cancel_url.as_deref());
        if request.metadata.len() > METADATA_MAX_PAIRS {
            errors.add("metadata", format!("At most {METADATA_MAX_PAIRS} pairs"));
        }
        for (key, value) in &request.metadata {
            if key.is_empty()
                || key.chars().count() > METADATA_KEY_MAX_CHARS
                || value.chars().count() > METADATA_VALUE_MAX_CHARS
            {
                errors.add(
                    "metadata",
                    format!(
                        "Keys of 1 to {METADATA_KEY_MAX_CHARS} characters, values of at most {METADATA_VALUE_MAX_CHARS}"
                    ),
                );
                break;
            }
        }
        match (errors.is_empty(), amount) {
            (true, Some(amount)) => Ok(Self {
                out_trade_no: out_trade_no.to_owned(),
                amount,
                subject: subject.to_owned(),
                items,
                buyer_email: buyer_email.map(crate::account::normalize_email),
                return_url,
                cancel_url,
                metadata: request.metadata.clone(),
            }),
            _ => Err(errors),
        }
    }
}

/// An absolute http(s) address the buyer may be sent back to.
fn url(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    let host_ok = value.split_once("://").is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    if !scheme_ok
        || !host_ok
        || value.chars().count() > URL_MAX_CHARS
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        errors.add(field, format!("An absolute http(s) address of at most {URL_MAX_CHARS} characters"));
        return None;
    }
    Some(value.to_owned())
}

/// A shipping address for an escrow order: the shop ships, so Escrowmart
/// records only what the merchant said (or that the shop has it).
pub fn shipping_note(merchant: &str) -> String {
    let note = format!("Shipped by {merchant}; the address is with the shop");
    note.chars().take(ADDRESS_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> EscrowRequest {
        EscrowRequest {
            out_trade_no: "T-1001".into(),
            amount: "199.00".into(),
            subject: "Longjing tea, 250 g".into(),
            items: vec![("Longjing 250 g".into(), 2, "99.50".into())],
            return_url: Some("https://tea.example/return".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_well_formed_escrow_is_accepted_and_its_items_add_up() {
        let escrow = NewEscrow::parse(&request()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(escrow.amount.fen(), 19_900);
        assert_eq!(escrow.items[0].quantity, 2);
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut bad = request();
        bad.out_trade_no = "x".repeat(65);
        bad.amount = "199.001".into();
        bad.items.push((String::new(), 0, "abc".into()));
        bad.return_url = Some("javascript:alert(1)".into());
        bad.buyer_email = Some("not an email".into());
        let errors = NewEscrow::parse(&bad).expect_err("refused");
        for field in [
            "out_trade_no",
            "amount",
            "items[1].title",
            "items[1].quantity",
            "items[1].unit_price",
            "return_url",
            "buyer_email",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn items_that_do_not_add_up_to_the_amount_are_refused() {
        let mut bad = request();
        bad.amount = "200.00".into();
        let errors = NewEscrow::parse(&bad).expect_err("refused");
        assert_eq!(errors.get("amount"), Some("The items add up to 199.00, not ¥200.00"));
    }

    #[test]
    fn every_order_state_reads_as_an_escrow_status_and_each_has_an_alipay_name() {
        for &state in OrderState::ALL {
            let status = EscrowStatus::of_order(state);
            assert!(status.alipay().starts_with("WAIT_") || status.alipay().starts_with("TRADE_"));
        }
        assert_eq!(EscrowStatus::of_order(OrderState::ReturnInTransit), EscrowStatus::RefundRequested);
        assert_eq!(EscrowStatus::Paid.alipay(), "WAIT_SELLER_SEND_GOODS");
    }

    #[test]
    fn steps_make_the_events_merchants_hear_about() {
        use EscrowStatus as S;
        assert_eq!(WebhookEvent::of_step(S::AwaitingPayment, S::Paid), Some(WebhookEvent::Paid));
        assert_eq!(
            WebhookEvent::of_step(S::Shipped, S::RefundRequested),
            Some(WebhookEvent::RefundRequested)
        );
        assert_eq!(WebhookEvent::of_step(S::RefundRequested, S::Shipped), None, "a withdrawn request");
        assert_eq!(WebhookEvent::of_step(S::RefundRequested, S::InArbitration), Some(WebhookEvent::Disputed));
        assert_eq!(WebhookEvent::of_step(S::Paid, S::Paid), None);
        assert_eq!(WebhookEvent::Paid.slug(), "escrow.paid");
        assert_eq!("escrow.refunded".parse::<WebhookEvent>(), Ok(WebhookEvent::Refunded));
    }
}
