//! Webhook endpoints, the events written to the outbox with each escrow
//! step, and their deliveries: claimed by one worker at a time (several
//! instances deliver each attempt once), retried on a schedule, disabled by
//! a 410, logged attempt by attempt.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::escrows::Escrow;
use super::{Refused, StoreError};
use crate::domain::ledger::MemberId;
use crate::domain::merchant::{Mode, RETRY_SCHEDULE_MS, URL_MAX_CHARS};
use crate::server::clock::Millis;
use crate::server::entities::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub id: i64,
    pub merchant_id: MemberId,
    pub url: String,
    /// `whsec_` and the base64 of 24 random bytes (Standard Webhooks).
    pub secret: String,
    pub created_at: Millis,
    pub disabled_at: Option<Millis>,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub public_id: String,
    pub merchant_id: MemberId,
    pub mode: Mode,
    pub kind: String,
    pub escrow: Escrow,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub attempts: i32,
    pub status: String,
    pub next_attempt_at: Millis,
    pub delivered_at: Option<Millis>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i64>,
}

/// A delivery claimed for one attempt, with what to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueDelivery {
    pub delivery_id: i64,
    pub attempts: i32,
    pub endpoint: Endpoint,
    pub event: Event,
}

/// Adds an endpoint and makes its signing secret.
pub async fn add_endpoint(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    url: &str,
    now: Millis,
) -> Result<Endpoint, StoreError> {
    let url = url.trim();
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().count() <= URL_MAX_CHARS
        && !url.chars().any(char::is_whitespace);
    if !valid {
        return Err(Refused::WebhookUrl.into());
    }
    use base64::Engine as _;
    let random: Vec<u8> = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .chain(&uuid::Uuid::new_v4().as_bytes()[..8])
        .copied()
        .collect();
    let secret = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(random));
    let row = webhook_endpoints::ActiveModel {
        merchant_id: Set(merchant),
        url: Set(url.to_owned()),
        secret: Set(secret),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(to_endpoint(row))
}

pub async fn endpoints(db: &impl ConnectionTrait, merchant: MemberId) -> Result<Vec<Endpoint>, StoreError> {
    Ok(webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::MerchantId.eq(merchant))
        .order_by_asc(webhook_endpoints::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_endpoint)
        .collect())
}

/// Stops sending to an endpoint (the merchant removed it, or it answered 410).
pub async fn disable_endpoint(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    endpoint_id: i64,
    reason: &str,
    now: Millis,
) -> Result<(), StoreError> {
    let disabled = webhook_endpoints::Entity::update_many()
        .col_expr(webhook_endpoints::Column::DisabledAt, Expr::value(now))
        .col_expr(webhook_endpoints::Column::DisabledReason, Expr::value(reason))
        .filter(webhook_endpoints::Column::Id.eq(endpoint_id))
        .filter(webhook_endpoints::Column::MerchantId.eq(merchant))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .exec(db)
        .await?;
    if disabled.rows_affected != 1 {
        // Removing is idempotent (RFC 9110 §9.2.2): an endpoint of this
        // merchant already off stays off; another's, or none, is not found.
        let known = webhook_endpoints::Entity::find_by_id(endpoint_id)
            .filter(webhook_endpoints::Column::MerchantId.eq(merchant))
            .one(db)
            .await?;
        return if known.is_some() { Ok(()) } else { Err(StoreError::NotFound) };
    }
    // What was still waiting for it will not be sent.
    let pending: Vec<i64> = webhook_deliveries::Entity::find()
        .select_only()
        .column(webhook_deliveries::Column::Id)
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_deliveries::Column::Status.eq("pending"))
        .into_tuple()
        .all(db)
        .await?;
    webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value("failed"))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(format!("endpoint disabled: {reason}")))
        .filter(webhook_deliveries::Column::Id.is_in(pending))
        .exec(db)
        .await?;
    Ok(())
}

/// The merchant's events of one mode, newest first, before `before`.
pub async fn events(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    mode: Mode,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Event>, StoreError> {
    let mut query = webhook_events::Entity::find()
        .filter(webhook_events::Column::MerchantId.eq(merchant))
        .filter(webhook_events::Column::Mode.eq(mode.slug()));
    if let Some(before) = before {
        query = query.filter(webhook_events::Column::Id.lt(before));
    }
    query
        .order_by_desc(webhook_events::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
}

/// The merchant's event with this id (any mode when `mode` is none: the
/// dashboard shows both).
pub async fn event(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    mode: Option<Mode>,
    public_id: &str,
) -> Result<Option<Event>, StoreError> {
    let Some(row) =
        webhook_events::Entity::find().filter(webhook_events::Column::PublicId.eq(public_id)).one(db).await?
    else {
        return Ok(None);
    };
    let event = to_event(row)?;
    Ok((event.merchant_id == merchant && mode.is_none_or(|m| m == event.mode)).then_some(event))
}

pub async fn deliveries(db: &impl ConnectionTrait, event_id: i64) -> Result<Vec<Delivery>, StoreError> {
    let rows = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::EventId.eq(event_id))
        .order_by_asc(webhook_deliveries::Column::Id)
        .all(db)
        .await?;
    let urls: std::collections::HashMap<i64, String> = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::Id.is_in(rows.iter().map(|r| r.endpoint_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.url))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Delivery {
            url: urls.get(&row.endpoint_id).cloned().unwrap_or_default(),
            id: row.id,
            event_id: row.event_id,
            endpoint_id: row.endpoint_id,
            attempts: row.attempts,
            status: row.status,
            next_attempt_at: row.next_attempt_at,
            delivered_at: row.delivered_at,
            last_status: row.last_status,
            last_error: row.last_error,
            last_latency_ms: row.last_latency_ms,
        })
        .collect())
}

/// Sends the event again to every live endpoint, now, whatever happened
/// before.
pub async fn redeliver(db: &impl ConnectionTrait, event: &Event, now: Millis) -> Result<usize, StoreError> {
    let endpoints = endpoints(db, event.merchant_id).await?;
    let mut queued = 0;
    for endpoint in endpoints.iter().filter(|e| e.disabled_at.is_none()) {
        webhook_deliveries::ActiveModel {
            event_id: Set(event.id),
            endpoint_id: Set(endpoint.id),
            attempts: Set(0),
            status: Set("pending".into()),
            next_attempt_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// How many deliveries wait, for the health of the outbox.
pub async fn pending_count(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::Status.eq("pending"))
        .count(db)
        .await?)
}

/// Claims up to `limit` due deliveries no other worker holds, for `lease` ms.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: Millis,
    lease: Millis,
    limit: u64,
) -> Result<Vec<DueDelivery>, StoreError> {
    let lease_of = super::leases::Lease::<webhook_deliveries::Entity> {
        id: webhook_deliveries::Column::Id,
        claimed_until: webhook_deliveries::Column::ClaimedUntil,
        order_by: webhook_deliveries::Column::NextAttemptAt,
    };
    let ready = sea_orm::Condition::all()
        .add(webhook_deliveries::Column::Status.eq("pending"))
        .add(webhook_deliveries::Column::NextAttemptAt.lte(now));
    let mut due = Vec::new();
    for delivery in lease_of.claim(db, ready, |d| d.id, now, lease, limit).await? {
        let endpoint = webhook_endpoints::Entity::find_by_id(delivery.endpoint_id)
            .one(db)
            .await?
            .map(to_endpoint)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery {} endpoint", delivery.id)))?;
        let event = webhook_events::Entity::find_by_id(delivery.event_id)
            .one(db)
            .await?
            .map(to_event)
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt(format!("delivery {} event", delivery.id)))?;
        due.push(DueDelivery { delivery_id: delivery.id, attempts: delivery.attempts, endpoint, event });
    }
    Ok(due)
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    /// 410 Gone: the endpoint asked never to be called again.
    Gone,
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// Records an attempt: delivered, given up after the schedule, or due again
/// after the next wait. `retry_ms` is the schedule (a test's is short).
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    due: &DueDelivery,
    attempt: &Attempt,
    latency_ms: i64,
    now: Millis,
    retry_ms: &[i64],
) -> Result<(), StoreError> {
    let attempts = due.attempts + 1;
    let (status, error) = match attempt {
        Attempt::Delivered { status } => (Some(i32::from(*status)), None),
        Attempt::Gone => (Some(410), Some("410 Gone: endpoint disabled".to_owned())),
        Attempt::Failed { status, error } => (status.map(i32::from), Some(error.clone())),
    };
    webhook_attempts::ActiveModel {
        delivery_id: Set(due.delivery_id),
        at: Set(now),
        status: Set(status),
        error: Set(error.clone()),
        latency_ms: Set(latency_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut update = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_deliveries::Column::ClaimedUntil, Expr::value(Option::<i64>::None))
        .col_expr(webhook_deliveries::Column::LastStatus, Expr::value(status))
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error))
        .col_expr(webhook_deliveries::Column::LastLatencyMs, Expr::value(latency_ms));
    update = match attempt {
        Attempt::Delivered { .. } => update
            .col_expr(webhook_deliveries::Column::Status, Expr::value("delivered"))
            .col_expr(webhook_deliveries::Column::DeliveredAt, Expr::value(now)),
        Attempt::Gone => update.col_expr(webhook_deliveries::Column::Status, Expr::value("failed")),
        Attempt::Failed { .. } => match usize::try_from(due.attempts).ok().and_then(|n| retry_ms.get(n)) {
            Some(wait) => update.col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(now + wait)),
            None => update.col_expr(webhook_deliveries::Column::Status, Expr::value("failed")),
        },
    };
    update.filter(webhook_deliveries::Column::Id.eq(due.delivery_id)).exec(db).await?;
    if *attempt == Attempt::Gone {
        disable_endpoint(db, due.endpoint.merchant_id, due.endpoint.id, "it answered 410 Gone", now).await?;
    }
    Ok(())
}

/// The default schedule, for callers that do not set one.
pub fn default_schedule() -> Vec<i64> {
    RETRY_SCHEDULE_MS.to_vec()
}

fn to_endpoint(row: webhook_endpoints::Model) -> Endpoint {
    Endpoint {
        id: row.id,
        merchant_id: row.merchant_id,
        url: row.url,
        secret: row.secret,
        created_at: row.created_at,
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason,
    }
}

fn to_event(row: webhook_events::Model) -> Result<Event, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("event {} {what}", row.id));
    Ok(Event {
        mode: row.mode.parse().map_err(|_| corrupt("mode"))?,
        escrow: serde_json::from_str(&row.payload).map_err(|_| corrupt("snapshot"))?,
        id: row.id,
        public_id: row.public_id,
        merchant_id: row.merchant_id,
        kind: row.kind,
        created_at: row.created_at,
    })
}
