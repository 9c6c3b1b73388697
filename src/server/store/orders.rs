//! Orders: placing them (reserving stock) and moving them through the escrow
//! state machine, each step one transaction: load, let the domain decide,
//! update on the expected state and version, then write its transfers,
//! stock, timer, timeline event and notifications.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::ledger::{self, Reference};
use super::{StoreError, notifications};
use crate::domain::ledger::MemberId;
use crate::domain::listing::ListingStatus;
use crate::domain::money::{Money, Total};
use crate::domain::order::{
    Deadline, Effect, Event, EventKind, Order, OrderState, Party, Paused, RefundKind, RefundRequest, Role,
    Rules, Shipment, TimerKind, Transition,
};
use crate::server::clock::Millis;
use crate::server::db::begin_write;
use crate::server::entities::{listings, order_events, orders, timers};

pub const ADDRESS_MAX_CHARS: usize = 300;
pub const QUANTITY_MAX: u32 = 100;

/// Who asks for a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Member(MemberId),
    /// Platform staff deciding disputes.
    Arbiter(MemberId),
    /// Timers.
    System,
}

impl Actor {
    fn role_on(self, order: &Order) -> Role {
        match self {
            Actor::Member(id) => order.role_of(id),
            Actor::Arbiter(_) => Role::Arbiter,
            Actor::System => Role::System,
        }
    }

    fn stored(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Member(id) => ("member", Some(id)),
            Actor::Arbiter(id) => ("arbiter", Some(id)),
            Actor::System => ("system", None),
        }
    }
}

/// An order with what the escrow rules do not need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: i64,
    pub version: i32,
    pub listing_id: i64,
    pub listing_title: String,
    pub unit_price: Money,
    pub shipping_address: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub order: Order,
}

/// One line of an order's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Millis,
    pub actor: String,
    pub kind: String,
    pub description: String,
    pub to_state: OrderState,
}

/// Reserves stock and creates the order, awaiting payment, in one
/// transaction. The stock decrement is conditional, so however many buyers
/// race for the last item, stock never goes below zero.
pub async fn place(
    db: &DatabaseConnection,
    buyer: MemberId,
    listing_id: i64,
    quantity: u32,
    shipping_address: &str,
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let txn = begin_write(db).await?;
    let id = place_in(&txn, buyer, listing_id, quantity, shipping_address, now, rules).await?;
    txn.commit().await?;
    Ok(id)
}

/// [`place`] inside the caller's transaction.
pub async fn place_in(
    txn: &impl ConnectionTrait,
    buyer: MemberId,
    listing_id: i64,
    quantity: u32,
    shipping_address: &str,
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let address = shipping_address.trim();
    if address.is_empty() || address.chars().count() > ADDRESS_MAX_CHARS {
        return Err(StoreError::Invalid(format!(
            "Enter a shipping address of at most {ADDRESS_MAX_CHARS} characters"
        )));
    }
    if quantity == 0 || quantity > QUANTITY_MAX {
        return Err(StoreError::Invalid(format!("Buy from 1 to {QUANTITY_MAX} at a time")));
    }
    let listing = listings::Entity::find_by_id(listing_id).one(txn).await?.ok_or(StoreError::NotFound)?;
    if listing.status != ListingStatus::Active.slug() {
        return Err(StoreError::Invalid("This listing is no longer for sale".into()));
    }
    let seller = super::members::find(txn, listing.seller_id).await?.ok_or(StoreError::NotFound)?;
    if seller.suspension.is_some() {
        return Err(StoreError::Invalid("This seller is suspended and cannot take new orders".into()));
    }
    let unit_price = Money::from_fen(listing.price_fen).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let order = Order::place(buyer, listing.seller_id, unit_price, quantity, now, rules)?;
    let quantity_column = i32::try_from(quantity).map_err(|_| StoreError::SoldOut)?;
    let reserved = listings::Entity::update_many()
        .col_expr(listings::Column::Stock, Expr::col(listings::Column::Stock).sub(quantity_column))
        .filter(listings::Column::Id.eq(listing_id))
        .filter(listings::Column::Status.eq(ListingStatus::Active.slug()))
        .filter(listings::Column::Stock.gte(quantity_column))
        .exec(txn)
        .await?;
    if reserved.rows_affected != 1 {
        return Err(StoreError::SoldOut);
    }
    let row = orders::ActiveModel {
        buyer_id: Set(buyer),
        seller_id: Set(listing.seller_id),
        listing_id: Set(listing_id),
        listing_title: Set(listing.title.clone()),
        quantity: Set(quantity_column),
        unit_price_fen: Set(unit_price.fen()),
        amount_fen: Set(order.amount.fen()),
        held_fen: Set(0),
        state: Set(order.state.slug().to_owned()),
        version: Set(0),
        shipping_address: Set(address.to_owned()),
        confirm_extended: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    write_order_fields(txn, row.id, 0, &order, now).await?;
    sync_timer(txn, row.id, order.deadline).await?;
    order_events::ActiveModel {
        order_id: Set(row.id),
        actor: Set("member".into()),
        actor_id: Set(Some(buyer)),
        kind: Set(EventKind::Placed.slug()),
        from_state: Set(OrderState::AwaitingPayment.slug().into()),
        to_state: Set(OrderState::AwaitingPayment.slug().into()),
        description: Set(format!("Ordered {quantity} × {unit_price}, total {}", order.amount)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}

/// Applies one event to an order in its own transaction.
pub async fn apply_event(
    db: &DatabaseConnection,
    order_id: i64,
    event: &Event,
    actor: Actor,
    now: Millis,
    rules: &Rules,
) -> Result<OrderRecord, StoreError> {
    let txn = begin_write(db).await?;
    let record = apply_event_in(&txn, order_id, event, actor, now, rules).await?;
    txn.commit().await?;
    Ok(record)
}

/// Applies one event inside the caller's transaction (the bank callback pays
/// an order in the same transaction that credits the top-up).
pub async fn apply_event_in(
    txn: &impl ConnectionTrait,
    order_id: i64,
    event: &Event,
    actor: Actor,
    now: Millis,
    rules: &Rules,
) -> Result<OrderRecord, StoreError> {
    let record = find(txn, order_id).await?.ok_or(StoreError::NotFound)?;
    let role = actor.role_on(&record.order);
    if role == Role::Stranger {
        // Not even the order's existence is confirmed to strangers.
        return Err(StoreError::NotFound);
    }
    let transition = crate::domain::order::apply(&record.order, event, role, now, rules)?;
    write_transition(txn, &record, &transition, event, actor, now).await?;
    Ok(OrderRecord { version: record.version + 1, order: transition.order, ..record })
}

async fn write_transition(
    txn: &impl ConnectionTrait,
    record: &OrderRecord,
    transition: &Transition,
    event: &Event,
    actor: Actor,
    now: Millis,
) -> Result<(), StoreError> {
    let updated = orders::Entity::update_many()
        .col_expr(orders::Column::Version, Expr::value(record.version + 1))
        .filter(orders::Column::Id.eq(record.id))
        .filter(orders::Column::State.eq(record.order.state.slug()))
        .filter(orders::Column::Version.eq(record.version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    write_order_fields(txn, record.id, record.version + 1, &transition.order, now).await?;

    for (n, effect) in transition.effects.iter().enumerate() {
        match effect {
            Effect::Transfer(transfer) => {
                let key = format!("order:{}:v{}:{}:{n}", record.id, record.version, transfer.kind().slug());
                let reference = Reference { order_id: Some(record.id), ..Default::default() };
                ledger::post(txn, transfer, reference, &key, now).await?;
            }
            Effect::RestoreStock(quantity) => {
                let quantity =
                    i32::try_from(*quantity).map_err(|_| StoreError::Corrupt("quantity".into()))?;
                listings::Entity::update_many()
                    .col_expr(listings::Column::Stock, Expr::col(listings::Column::Stock).add(quantity))
                    .filter(listings::Column::Id.eq(record.listing_id))
                    .exec(txn)
                    .await?;
            }
            Effect::Notify(party, notice) => {
                let member = match party {
                    Party::Buyer => record.order.buyer,
                    Party::Seller => record.order.seller,
                };
                notifications::add(txn, member, *notice, Some(record.id), &record.listing_title, now).await?;
            }
        }
    }
    sync_timer(txn, record.id, transition.order.deadline).await?;

    let (actor_kind, actor_id) = actor.stored();
    order_events::ActiveModel {
        order_id: Set(record.id),
        actor: Set(actor_kind.into()),
        actor_id: Set(actor_id),
        kind: Set(event.kind().slug()),
        from_state: Set(record.order.state.slug().into()),
        to_state: Set(transition.order.state.slug().into()),
        description: Set(event.describe()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Replaces the order's running deadline (at most one per order).
async fn sync_timer(
    txn: &impl ConnectionTrait,
    order_id: i64,
    deadline: Option<Deadline>,
) -> Result<(), StoreError> {
    timers::Entity::delete_many().filter(timers::Column::OrderId.eq(order_id)).exec(txn).await?;
    if let Some(deadline) = deadline {
        timers::ActiveModel {
            order_id: Set(order_id),
            kind: Set(deadline.kind.slug().to_owned()),
            due_at: Set(deadline.at),
            claimed_until: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn write_order_fields(
    txn: &impl ConnectionTrait,
    order_id: i64,
    version: i32,
    order: &Order,
    now: Millis,
) -> Result<(), StoreError> {
    let refund = order.refund.as_ref();
    let ret = refund.and_then(|r| r.return_shipment.as_ref());
    orders::Entity::update_many()
        .col_expr(orders::Column::HeldFen, Expr::value(order.held.fen()))
        .col_expr(orders::Column::State, Expr::value(order.state.slug()))
        .col_expr(
            orders::Column::ShipCarrier,
            Expr::value(order.shipment.as_ref().map(|s| s.carrier.clone())),
        )
        .col_expr(
            orders::Column::ShipTracking,
            Expr::value(order.shipment.as_ref().map(|s| s.tracking.clone())),
        )
        .col_expr(orders::Column::DeadlineKind, Expr::value(order.deadline.map(|d| d.kind.slug())))
        .col_expr(orders::Column::DeadlineAt, Expr::value(order.deadline.map(|d| d.at)))
        .col_expr(orders::Column::PausedKind, Expr::value(order.paused.map(|p| p.kind.slug())))
        .col_expr(orders::Column::PausedRemainingMs, Expr::value(order.paused.map(|p| p.remaining)))
        .col_expr(orders::Column::ConfirmExtended, Expr::value(order.confirm_extended))
        .col_expr(orders::Column::RefundKind, Expr::value(refund.map(|r| r.kind.slug())))
        .col_expr(orders::Column::RefundAmountFen, Expr::value(refund.map(|r| r.amount.fen())))
        .col_expr(orders::Column::RefundReason, Expr::value(refund.map(|r| r.reason.clone())))
        .col_expr(orders::Column::RefundFrom, Expr::value(refund.map(|r| r.from.slug())))
        .col_expr(orders::Column::RefundRefusal, Expr::value(refund.and_then(|r| r.refusal.clone())))
        .col_expr(orders::Column::ReturnCarrier, Expr::value(ret.map(|s| s.carrier.clone())))
        .col_expr(orders::Column::ReturnTracking, Expr::value(ret.map(|s| s.tracking.clone())))
        .col_expr(orders::Column::EndedAt, Expr::value(order.ended_at))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .filter(orders::Column::Id.eq(order_id))
        .filter(orders::Column::Version.eq(version))
        .exec(txn)
        .await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, order_id: i64) -> Result<Option<OrderRecord>, StoreError> {
    orders::Entity::find_by_id(order_id).one(db).await?.map(to_record).transpose()
}

/// Reads the order and, on PostgreSQL, holds its row until the transaction
/// ends (`FOR UPDATE`), so two requests deciding from it take turns. SQLite
/// needs nothing more: a write transaction there already runs alone.
pub async fn find_locked(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<OrderRecord>, StoreError> {
    orders::Entity::find_by_id(order_id).lock_exclusive().one(db).await?.map(to_record).transpose()
}

pub async fn for_buyer(db: &impl ConnectionTrait, buyer: MemberId) -> Result<Vec<OrderRecord>, StoreError> {
    orders::Entity::find()
        .filter(orders::Column::BuyerId.eq(buyer))
        .order_by_desc(orders::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}

pub async fn for_seller(db: &impl ConnectionTrait, seller: MemberId) -> Result<Vec<OrderRecord>, StoreError> {
    orders::Entity::find()
        .filter(orders::Column::SellerId.eq(seller))
        .order_by_desc(orders::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}

pub async fn timeline(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    order_events::Entity::find()
        .filter(order_events::Column::OrderId.eq(order_id))
        .order_by_asc(order_events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            Ok(TimelineEntry {
                at: row.created_at,
                actor: row.actor,
                kind: row.kind,
                description: row.description,
                to_state: OrderState::from_slug(&row.to_state)
                    .ok_or_else(|| StoreError::Corrupt(format!("event {} state {}", row.id, row.to_state)))?,
            })
        })
        .collect()
}

/// (order id, fen held) for every order: open ones for invariant 3,
/// terminal ones still holding money for invariant 5.
pub async fn holdings(db: &impl ConnectionTrait) -> Result<(Vec<(i64, i64)>, Vec<(i64, i64)>), StoreError> {
    let terminal: Vec<&str> = OrderState::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.slug()).collect();
    let rows = orders::Entity::find().all(db).await?;
    let (closed, open): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|r| terminal.contains(&r.state.as_str()));
    Ok((
        open.into_iter().map(|r| (r.id, r.held_fen)).collect(),
        closed.into_iter().filter(|r| r.held_fen != 0).map(|r| (r.id, r.held_fen)).collect(),
    ))
}

/// What escrow holds for a member's open purchases: a sum of many orders,
/// which may pass the largest single amount.
pub async fn held_for_buyer(db: &impl ConnectionTrait, buyer: MemberId) -> Result<Total, StoreError> {
    let fen: i64 = orders::Entity::find()
        .filter(orders::Column::BuyerId.eq(buyer))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| OrderState::from_slug(&r.state).is_some_and(|s| !s.is_terminal()))
        .map(|r| r.held_fen)
        .sum();
    Ok(Total::from_fen(fen))
}

fn to_record(row: orders::Model) -> Result<OrderRecord, StoreError> {
    let id = row.id;
    let corrupt = move |what: &str| StoreError::Corrupt(format!("order {id}: {what}"));
    let money = |fen: i64, what: &str| Money::from_fen(fen).map_err(|_| corrupt(what));
    let timer = |kind: &Option<String>| -> Result<Option<TimerKind>, StoreError> {
        kind.as_deref().map(|k| TimerKind::from_slug(k).ok_or_else(|| corrupt("timer kind"))).transpose()
    };
    let deadline = match (timer(&row.deadline_kind)?, row.deadline_at) {
        (Some(kind), Some(at)) => Some(Deadline { kind, at }),
        _ => None,
    };
    let paused = match (timer(&row.paused_kind)?, row.paused_remaining_ms) {
        (Some(kind), Some(remaining)) => Some(Paused { kind, remaining }),
        _ => None,
    };
    let shipment = match (&row.ship_carrier, &row.ship_tracking) {
        (Some(carrier), Some(tracking)) => {
            Some(Shipment { carrier: carrier.clone(), tracking: tracking.clone() })
        }
        _ => None,
    };
    let refund = match (&row.refund_kind, row.refund_amount_fen, &row.refund_from) {
        (Some(kind), Some(amount), Some(from)) => Some(RefundRequest {
            kind: RefundKind::from_slug(kind).ok_or_else(|| corrupt("refund kind"))?,
            amount: money(amount, "refund amount")?,
            reason: row.refund_reason.clone().unwrap_or_default(),
            from: OrderState::from_slug(from).ok_or_else(|| corrupt("refund from"))?,
            refusal: row.refund_refusal.clone(),
            return_shipment: match (&row.return_carrier, &row.return_tracking) {
                (Some(carrier), Some(tracking)) => {
                    Some(Shipment { carrier: carrier.clone(), tracking: tracking.clone() })
                }
                _ => None,
            },
        }),
        _ => None,
    };
    let order = Order {
        buyer: row.buyer_id,
        seller: row.seller_id,
        quantity: u32::try_from(row.quantity).map_err(|_| corrupt("quantity"))?,
        amount: money(row.amount_fen, "amount")?,
        held: money(row.held_fen, "held")?,
        state: OrderState::from_slug(&row.state).ok_or_else(|| corrupt("state"))?,
        deadline,
        paused,
        shipment,
        confirm_extended: row.confirm_extended,
        refund,
        ended_at: row.ended_at,
    };
    Ok(OrderRecord {
        id: row.id,
        version: row.version,
        listing_id: row.listing_id,
        listing_title: row.listing_title,
        unit_price: money(row.unit_price_fen, "unit price")?,
        shipping_address: row.shipping_address,
        created_at: row.created_at,
        updated_at: row.updated_at,
        order,
    })
}

/// Orders waiting for an arbiter, the longest-waiting first.
pub async fn open_cases(db: &impl ConnectionTrait) -> Result<Vec<OrderRecord>, StoreError> {
    orders::Entity::find()
        .filter(orders::Column::State.eq(OrderState::InArbitration.slug()))
        .order_by_asc(orders::Column::UpdatedAt)
        .order_by_asc(orders::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_record)
        .collect()
}
