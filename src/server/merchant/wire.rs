//! What the API reads and writes, as JSON: amounts as decimal strings in
//! yuan, ids as opaque strings, times in RFC 3339. The same escrow body is
//! the answer to `GET /escrows/{id}` and the `data` of every webhook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::merchant::{EscrowRequest, EscrowStatus, Mode};
use crate::server::clock::Millis;
use crate::server::store::escrows::Escrow;
use crate::server::store::webhooks::{Delivery, Event};

// The schema's patterns say what the parsers accept, so a client (and the
// contract test) can tell valid input from invalid: amounts in yuan up to
// ¥100,000,000.00 with at most two decimals (above zero where a payment
// must be); text that is not only blanks (`\S`); absolute http(s)
// addresses. utoipa takes them only as literals, hence the repeats.

/// The `Idempotency-Key` every POST carries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Unique per request (a UUID, or your order number): a repeat with the
    /// same body answers the stored result, with another body 422.
    #[serde(rename = "Idempotency-Key")]
    #[param(min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", example = "T-1001")]
    pub idempotency_key: String,
}

/// One line of what the buyer pays for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemBody {
    #[schema(example = "Longjing tea, 250 g", max_length = 120, pattern = r"\S")]
    pub title: String,
    #[schema(example = 2, minimum = 1, maximum = 100)]
    #[serde(deserialize_with = "whole_number")]
    pub quantity: u32,
    /// Yuan with at most two decimals.
    #[schema(
        example = "99.50",
        pattern = r"^(100000000(\.00?)?|[1-9][0-9]{0,7}(\.[0-9]{1,2})?|0(\.[0-9]{1,2})?)$"
    )]
    pub unit_price: String,
}

/// A JSON integer, also when written `2.0`: JSON Schema's `integer` counts
/// it as one, and so does this API.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match (number.as_u64(), number.as_f64()) {
        (Some(n), _) => u32::try_from(n).ok(),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => Some(f as u32),
        _ => None,
    };
    whole.ok_or_else(|| serde::de::Error::custom(format!("expected a whole number of items, not {number}")))
}

/// `POST /escrows`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "out_trade_no": "T-1001",
    "amount": "199.00",
    "subject": "Longjing tea",
    "items": [{"title": "Longjing tea, 250 g", "quantity": 2, "unit_price": "99.50"}],
    "return_url": "https://tea.example/orders/T-1001",
    "metadata": {"cart": "42"}
}))]
pub struct CreateEscrow {
    /// The shop's own order number; unique among its escrows.
    #[schema(max_length = 64, pattern = "^[!-~]{1,64}$")]
    pub out_trade_no: String,
    /// Yuan with at most two decimals; the items must add up to it.
    #[schema(
        example = "199.00",
        pattern = r"^(100000000(\.00?)?|[1-9][0-9]{0,7}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"
    )]
    pub amount: String,
    #[schema(max_length = 120, pattern = r"\S")]
    pub subject: String,
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<ItemBody>,
    #[serde(default)]
    #[schema(format = Email)]
    pub buyer_email: Option<String>,
    /// Where the buyer goes after paying.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^https?://[!-.0-~][!-~]*$")]
    pub return_url: Option<String>,
    /// Where the buyer goes if they give up.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^https?://[!-.0-~][!-~]*$")]
    pub cancel_url: Option<String>,
    /// At most 20 string pairs (keys of 1 to 40 characters, values of at
    /// most 500), returned as given.
    #[serde(default)]
    #[schema(schema_with = metadata_schema)]
    pub metadata: BTreeMap<String, String>,
}

fn metadata_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let text = |min: usize, max: usize| {
        ObjectBuilder::new().schema_type(Type::String).min_length(Some(min)).max_length(Some(max))
    };
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(crate::domain::merchant::METADATA_MAX_PAIRS))
        .property_names(Some(text(1, crate::domain::merchant::METADATA_KEY_MAX_CHARS)))
        .additional_properties(Some(text(0, crate::domain::merchant::METADATA_VALUE_MAX_CHARS)))
        .build()
}

impl CreateEscrow {
    pub fn request(&self) -> EscrowRequest {
        EscrowRequest {
            out_trade_no: self.out_trade_no.clone(),
            amount: self.amount.clone(),
            subject: self.subject.clone(),
            items: self.items.iter().map(|i| (i.title.clone(), i.quantity, i.unit_price.clone())).collect(),
            buyer_email: self.buyer_email.clone(),
            return_url: self.return_url.clone(),
            cancel_url: self.cancel_url.clone(),
            metadata: self.metadata.clone(),
        }
    }
}

/// `POST /escrows/{id}/ship`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ship {
    #[schema(example = "SF Express", max_length = 60, pattern = r"\S")]
    pub carrier: String,
    #[schema(example = "SF1400286913", max_length = 60, pattern = r"\S")]
    pub tracking_no: String,
}

/// `POST /escrows/{id}/refunds`: give back part or all of what escrow holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    /// At most what escrow holds for it.
    #[schema(
        example = "20.00",
        pattern = r"^(100000000(\.00?)?|[1-9][0-9]{0,7}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"
    )]
    pub amount: String,
}

/// An escrow. `status` maps to Alipay's trade status in `alipay_status`:
/// awaiting_payment → WAIT_BUYER_PAY; paid → WAIT_SELLER_SEND_GOODS;
/// shipped, refund_requested, in_arbitration → WAIT_BUYER_CONFIRM_GOODS;
/// completed → TRADE_FINISHED; refunded, cancelled → TRADE_CLOSED.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EscrowBody {
    #[schema(example = "esc_1b2c3d4e5f60718293a4b5c6")]
    pub id: String,
    /// Always `escrow`.
    pub object: String,
    /// False for escrows made with a test key.
    pub livemode: bool,
    pub out_trade_no: String,
    #[schema(example = "199.00")]
    pub amount: String,
    /// Always `CNY`.
    pub currency: String,
    pub subject: String,
    pub items: Vec<ItemBody>,
    pub status: EscrowStatusBody,
    #[schema(example = "WAIT_BUYER_PAY")]
    pub alipay_status: String,
    /// The hosted page where the buyer signs in and pays.
    pub checkout_url: String,
    pub buyer_email: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    #[schema(example = "2026-11-26T14:03:00Z")]
    pub created_at: String,
    pub updated_at: String,
}

/// The escrow statuses, as strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscrowStatusBody {
    AwaitingPayment,
    Paid,
    Shipped,
    RefundRequested,
    InArbitration,
    Completed,
    Refunded,
    Cancelled,
}

impl From<EscrowStatus> for EscrowStatusBody {
    fn from(status: EscrowStatus) -> Self {
        match status {
            EscrowStatus::AwaitingPayment => Self::AwaitingPayment,
            EscrowStatus::Paid => Self::Paid,
            EscrowStatus::Shipped => Self::Shipped,
            EscrowStatus::RefundRequested => Self::RefundRequested,
            EscrowStatus::InArbitration => Self::InArbitration,
            EscrowStatus::Completed => Self::Completed,
            EscrowStatus::Refunded => Self::Refunded,
            EscrowStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<EscrowStatusBody> for EscrowStatus {
    fn from(status: EscrowStatusBody) -> Self {
        match status {
            EscrowStatusBody::AwaitingPayment => Self::AwaitingPayment,
            EscrowStatusBody::Paid => Self::Paid,
            EscrowStatusBody::Shipped => Self::Shipped,
            EscrowStatusBody::RefundRequested => Self::RefundRequested,
            EscrowStatusBody::InArbitration => Self::InArbitration,
            EscrowStatusBody::Completed => Self::Completed,
            EscrowStatusBody::Refunded => Self::Refunded,
            EscrowStatusBody::Cancelled => Self::Cancelled,
        }
    }
}

impl EscrowBody {
    pub fn of(escrow: &Escrow, public_url: &str) -> Self {
        Self {
            id: escrow.public_id.clone(),
            object: "escrow".into(),
            livemode: escrow.mode == Mode::Live,
            out_trade_no: escrow.out_trade_no.clone(),
            amount: escrow.amount.amount_text(),
            currency: "CNY".into(),
            subject: escrow.subject.clone(),
            items: escrow
                .items
                .iter()
                .map(|i| ItemBody {
                    title: i.title.clone(),
                    quantity: i.quantity,
                    unit_price: i.unit_price.amount_text(),
                })
                .collect(),
            status: escrow.status.into(),
            alipay_status: escrow.status.alipay().into(),
            checkout_url: format!("{}/checkout/{}", public_url.trim_end_matches('/'), escrow.public_id),
            buyer_email: escrow.buyer_email.clone(),
            return_url: escrow.return_url.clone(),
            cancel_url: escrow.cancel_url.clone(),
            metadata: escrow.metadata.clone(),
            created_at: rfc3339(escrow.created_at),
            updated_at: rfc3339(escrow.updated_at),
        }
    }
}

/// A page of a list, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A webhook event, as sent and as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventBody {
    /// Also the `webhook-id` header of every delivery of this event.
    #[schema(example = "msg_1b2c3d4e5f60718293a4b5c6")]
    pub id: String,
    #[serde(rename = "type")]
    #[schema(example = "escrow.paid")]
    pub kind: String,
    pub timestamp: String,
    /// The escrow when the event happened.
    pub data: EscrowBody,
}

impl EventBody {
    pub fn of(event: &Event, public_url: &str) -> Self {
        Self {
            id: event.public_id.clone(),
            kind: event.kind.clone(),
            timestamp: rfc3339(event.created_at),
            data: EscrowBody::of(&event.escrow, public_url),
        }
    }

    /// What a delivery posts: Standard Webhooks' `type`, `timestamp`, `data`.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::json!({ "type": self.kind, "timestamp": self.timestamp, "data": self.data })
    }
}

/// One delivery of an event to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryBody {
    pub endpoint_url: String,
    /// pending, delivered or failed.
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl From<&Delivery> for DeliveryBody {
    fn from(delivery: &Delivery) -> Self {
        Self {
            endpoint_url: delivery.url.clone(),
            status: delivery.status.clone(),
            attempts: delivery.attempts,
            last_status: delivery.last_status,
            last_error: delivery.last_error.clone(),
            last_latency_ms: delivery.last_latency_ms,
            next_attempt_at: (delivery.status == "pending").then(|| rfc3339(delivery.next_attempt_at)),
            delivered_at: delivery.delivered_at.map(rfc3339),
        }
    }
}

/// `POST /events/{id}/redeliver`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Redelivered {
    /// Deliveries queued, one per live endpoint.
    pub queued: usize,
}

/// `POST /webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateEndpoint {
    #[schema(
        example = "https://tea.example/webhooks/escrowmart",
        max_length = 2000,
        pattern = r"^https?://[!-.0-~][!-~]*$"
    )]
    pub url: String,
}

/// A webhook endpoint; `secret` only in the answer that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndpointBody {
    pub id: i64,
    pub url: String,
    pub enabled: bool,
    /// `whsec_…`: verify signatures with it (Standard Webhooks).
    pub secret: Option<String>,
    pub disabled_reason: Option<String>,
}

/// `2026-11-26T14:03:00Z`.
pub fn rfc3339(ms: Millis) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
