//! Escrows that other shops create through the API. Until the buyer pays,
//! an escrow is only this row; paying at the hosted checkout places an
//! ordinary order (the merchant its seller) and links it, and from then on
//! the order's state is the escrow's status. Every status change the
//! merchant should hear about goes to the webhook outbox in the same
//! transaction.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::ledger::MemberId;
use crate::domain::merchant::{EscrowStatus, Item, Mode, NewEscrow, WebhookEvent};
use crate::domain::money::Money;
use crate::domain::order::OrderState;
use crate::server::clock::Millis;
use crate::server::entities::{escrows, webhook_deliveries, webhook_endpoints, webhook_events};

/// An escrow as stored. Serialized as the snapshot an event carries; the
/// API renders it (`merchant::body`), for answers and webhooks alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escrow {
    pub id: i64,
    pub public_id: String,
    pub merchant_id: MemberId,
    pub mode: Mode,
    pub out_trade_no: String,
    pub amount: Money,
    pub subject: String,
    pub items: Vec<Item>,
    pub buyer_email: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub status: EscrowStatus,
    pub order_id: Option<i64>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// Creates the escrow, or says which escrow already has this order number.
pub(super) async fn create(
    txn: &DatabaseTransaction,
    merchant: MemberId,
    mode: Mode,
    escrow: &NewEscrow,
    now: Millis,
) -> Result<Escrow, StoreError> {
    if let Some(existing) = escrows::Entity::find()
        .filter(escrows::Column::MerchantId.eq(merchant))
        .filter(escrows::Column::Mode.eq(mode.slug()))
        .filter(escrows::Column::OutTradeNo.eq(&escrow.out_trade_no))
        .one(txn)
        .await?
    {
        return Err(StoreError::Duplicate(existing.public_id));
    }
    let items = serde_json::to_string(&escrow.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let metadata = serde_json::to_string(&escrow.metadata).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = escrows::ActiveModel {
        public_id: Set(format!("esc_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])),
        merchant_id: Set(merchant),
        mode: Set(mode.slug().to_owned()),
        out_trade_no: Set(escrow.out_trade_no.clone()),
        amount_fen: Set(escrow.amount.fen()),
        subject: Set(escrow.subject.clone()),
        items: Set(items),
        buyer_email: Set(escrow.buyer_email.clone()),
        return_url: Set(escrow.return_url.clone()),
        cancel_url: Set(escrow.cancel_url.clone()),
        metadata: Set(metadata),
        status: Set(EscrowStatus::AwaitingPayment.slug().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| super::unique_as_taken(e, "out_trade_no"))?;
    to_escrow(row)
}

pub async fn find_public(db: &impl ConnectionTrait, public_id: &str) -> Result<Option<Escrow>, StoreError> {
    escrows::Entity::find()
        .filter(escrows::Column::PublicId.eq(public_id))
        .one(db)
        .await?
        .map(to_escrow)
        .transpose()
}

/// The merchant's escrow with this id; another merchant's is not found, and
/// so is one of the other mode (a test key never sees live escrows).
pub async fn find_for(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    mode: Mode,
    public_id: &str,
) -> Result<Option<Escrow>, StoreError> {
    Ok(find_public(db, public_id).await?.filter(|e| e.merchant_id == merchant && e.mode == mode))
}

pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Option<Escrow>, StoreError> {
    escrows::Entity::find()
        .filter(escrows::Column::OrderId.eq(order_id))
        .one(db)
        .await?
        .map(to_escrow)
        .transpose()
}

/// A page of the merchant's escrows, newest first, after `before` (an
/// internal id from the previous page's cursor).
pub async fn page(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    mode: Mode,
    out_trade_no: Option<&str>,
    status: Option<EscrowStatus>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Escrow>, StoreError> {
    let mut query = escrows::Entity::find()
        .filter(escrows::Column::MerchantId.eq(merchant))
        .filter(escrows::Column::Mode.eq(mode.slug()));
    if let Some(number) = out_trade_no {
        query = query.filter(escrows::Column::OutTradeNo.eq(number));
    }
    if let Some(status) = status {
        query = query.filter(escrows::Column::Status.eq(status.slug()));
    }
    if let Some(before) = before {
        query = query.filter(escrows::Column::Id.lt(before));
    }
    query.order_by_desc(escrows::Column::Id).limit(limit).all(db).await?.into_iter().map(to_escrow).collect()
}

/// Cancels an escrow nobody has paid. Reached through `commands::execute`.
pub(super) async fn cancel(
    txn: &DatabaseTransaction,
    escrow: &Escrow,
    now: Millis,
) -> Result<Escrow, StoreError> {
    if escrow.status != EscrowStatus::AwaitingPayment || escrow.order_id.is_some() {
        return Err(StoreError::WrongState(format!(
            "Only an unpaid escrow can be cancelled; this one is {}",
            escrow.status.slug()
        )));
    }
    move_status(txn, escrow, EscrowStatus::Cancelled, now).await
}

/// Links the order the buyer placed at checkout; the caller pays it in the
/// same transaction.
pub(super) async fn link_order(
    txn: &DatabaseTransaction,
    escrow: &Escrow,
    order_id: i64,
    now: Millis,
) -> Result<(), StoreError> {
    let linked = escrows::Entity::update_many()
        .col_expr(escrows::Column::OrderId, Expr::value(order_id))
        .col_expr(escrows::Column::UpdatedAt, Expr::value(now))
        .filter(escrows::Column::Id.eq(escrow.id))
        .filter(escrows::Column::OrderId.is_null())
        .filter(escrows::Column::Status.eq(EscrowStatus::AwaitingPayment.slug()))
        .exec(txn)
        .await?;
    if linked.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// An order moved: if it is an escrow's, the escrow's status follows, and
/// the merchant's endpoints get the event in the outbox.
pub(super) async fn order_moved(
    txn: &DatabaseTransaction,
    order_id: i64,
    to: OrderState,
    now: Millis,
) -> Result<(), StoreError> {
    let Some(escrow) = of_order(txn, order_id).await? else {
        return Ok(());
    };
    move_status(txn, &escrow, EscrowStatus::of_order(to), now).await?;
    Ok(())
}

async fn move_status(
    txn: &DatabaseTransaction,
    escrow: &Escrow,
    to: EscrowStatus,
    now: Millis,
) -> Result<Escrow, StoreError> {
    if to == escrow.status {
        return Ok(escrow.clone());
    }
    let moved = escrows::Entity::update_many()
        .col_expr(escrows::Column::Status, Expr::value(to.slug()))
        .col_expr(escrows::Column::UpdatedAt, Expr::value(now))
        .filter(escrows::Column::Id.eq(escrow.id))
        .filter(escrows::Column::Status.eq(escrow.status.slug()))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let after = Escrow { status: to, updated_at: now, ..escrow.clone() };
    if let Some(event) = WebhookEvent::of_step(escrow.status, to) {
        outbox(txn, &after, event, now).await?;
    }
    Ok(after)
}

/// Writes the event and one pending delivery per live endpoint, due now.
async fn outbox(
    txn: &DatabaseTransaction,
    escrow: &Escrow,
    event: WebhookEvent,
    now: Millis,
) -> Result<(), StoreError> {
    // The escrow as it is now; every attempt sends this snapshot.
    let payload = serde_json::to_string(escrow).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = webhook_events::ActiveModel {
        public_id: Set(format!("msg_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])),
        merchant_id: Set(escrow.merchant_id),
        mode: Set(escrow.mode.slug().to_owned()),
        kind: Set(event.slug().to_owned()),
        escrow_id: Set(escrow.id),
        payload: Set(payload),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let endpoints: Vec<i64> = webhook_endpoints::Entity::find()
        .select_only()
        .column(webhook_endpoints::Column::Id)
        .filter(webhook_endpoints::Column::MerchantId.eq(escrow.merchant_id))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    for endpoint in endpoints {
        webhook_deliveries::ActiveModel {
            event_id: Set(row.id),
            endpoint_id: Set(endpoint),
            attempts: Set(0),
            status: Set("pending".into()),
            next_attempt_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

fn to_escrow(row: escrows::Model) -> Result<Escrow, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("escrow {} {what}", row.id));
    Ok(Escrow {
        mode: row.mode.parse().map_err(|_| corrupt("mode"))?,
        amount: Money::from_fen(row.amount_fen).map_err(|_| corrupt("amount"))?,
        items: serde_json::from_str(&row.items).map_err(|_| corrupt("items"))?,
        metadata: serde_json::from_str(&row.metadata).map_err(|_| corrupt("metadata"))?,
        status: row.status.parse().map_err(|_| corrupt("status"))?,
        id: row.id,
        public_id: row.public_id,
        merchant_id: row.merchant_id,
        out_trade_no: row.out_trade_no,
        subject: row.subject,
        buyer_email: row.buyer_email,
        return_url: row.return_url,
        cancel_url: row.cancel_url,
        order_id: row.order_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
