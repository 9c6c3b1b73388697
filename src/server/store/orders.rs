//! Orders: placing them (reserving stock) and moving them through the escrow
//! state machine — load, let the rules decide, update on the expected state
//! and version, hand the effects to the interpreter, then the timer and the
//! timeline event — and reading them for pages.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::commands::Actor;
use super::effects::Scope;
use super::ledger::Reference;
use super::{Refused, StoreError};
use crate::domain::ledger::MemberId;
use crate::domain::listing::ListingStatus;
use crate::domain::money::{Money, Total};
use crate::domain::order::{
    Deadline, Event, EventKind, Order, OrderState, Paused, RefundKind, RefundRequest, Role, Rules, Shipment,
    TimerKind, Transition,
};
use crate::labels::Told;
use crate::server::clock::Millis;
use crate::server::entities::{listings, order_events, orders, timers};

/// An order with what the escrow rules do not need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: i64,
    pub version: i32,
    /// The listing bought; none for an escrow another shop created (its
    /// items are on the escrow).
    pub listing_id: Option<i64>,
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
    /// The English sentence written when it happened.
    pub description: String,
    /// What happened, as data, for wording it in the reader's language;
    /// none on lines from before it was kept.
    pub told: Option<Told>,
    pub to_state: OrderState,
}

/// Creates the order for an escrow another shop made, awaiting payment,
/// with the merchant as seller: from here it is an ordinary order. Reached
/// through `commands::execute`.
pub(super) async fn place_for_escrow(
    txn: &DatabaseTransaction,
    buyer: MemberId,
    escrow: &super::escrows::Escrow,
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let merchant = super::members::find(txn, escrow.merchant_id).await?.ok_or(StoreError::NotFound)?;
    if merchant.suspension.is_some() {
        return Err(Refused::ShopSuspended.into());
    }
    let order = Order::place(buyer, escrow.merchant_id, escrow.amount, 1, now, rules)?;
    let address = crate::domain::merchant::shipping_note(&merchant.display_name);
    insert(txn, buyer, None, &escrow.subject, 1, escrow.amount, &order, &address, now).await
}

/// Reserves stock and creates the order, awaiting payment. The stock
/// decrement is conditional, so however many buyers race for the last item,
/// stock never goes below zero. Reached through `commands::execute`.
pub(super) async fn place(
    txn: &DatabaseTransaction,
    buyer: MemberId,
    listing_id: i64,
    quantity: u32,
    shipping_address: &str,
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let address = crate::domain::order::shipping_address(shipping_address)?;
    crate::domain::order::check_quantity(quantity)?;
    let listing = listings::Entity::find_by_id(listing_id).one(txn).await?.ok_or(StoreError::NotFound)?;
    if listing.status != ListingStatus::Active.slug() {
        return Err(Refused::NotForSale.into());
    }
    let seller = super::members::find(txn, listing.seller_id).await?.ok_or(StoreError::NotFound)?;
    if seller.suspension.is_some() {
        return Err(Refused::SellerSuspended.into());
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
    insert(txn, buyer, Some(listing_id), &listing.title, quantity, unit_price, &order, &address, now).await
}

/// Writes a new order awaiting payment, its timer and its first timeline line.
#[allow(clippy::too_many_arguments)]
async fn insert(
    txn: &DatabaseTransaction,
    buyer: MemberId,
    listing_id: Option<i64>,
    title: &str,
    quantity: u32,
    unit_price: Money,
    order: &Order,
    address: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    let quantity_column = i32::try_from(quantity).map_err(|_| StoreError::SoldOut)?;
    let row = orders::ActiveModel {
        buyer_id: Set(buyer),
        seller_id: Set(order.seller),
        listing_id: Set(listing_id),
        listing_title: Set(title.to_owned()),
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
    write_order_fields(txn, row.id, 0, order, now).await?;
    sync_timer(txn, row.id, order.deadline).await?;
    order_events::ActiveModel {
        order_id: Set(row.id),
        actor: Set("member".into()),
        actor_id: Set(Some(buyer)),
        kind: Set(EventKind::Placed.slug()),
        from_state: Set(OrderState::AwaitingPayment.slug().into()),
        to_state: Set(OrderState::AwaitingPayment.slug().into()),
        description: Set(format!("Ordered {quantity} × {unit_price}, total {}", order.amount)),
        told: Set(told_json(&Told::Placed { quantity, unit_price, amount: order.amount })),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    crate::server::metrics::note_order_event(EventKind::Placed);
    Ok(row.id)
}

/// Applies one event to an order: load it with its version, let the rules
/// decide, update on the expected state and version, carry out the effects.
/// Reached through `commands::execute` (and the effect that pays an order
/// from a bank top-up).
pub(super) async fn transition(
    txn: &DatabaseTransaction,
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
    write_transition(txn, &record, &transition, event, actor, now, rules).await?;
    Ok(OrderRecord { version: record.version + 1, order: transition.next, ..record })
}

async fn write_transition(
    txn: &DatabaseTransaction,
    record: &OrderRecord,
    transition: &Transition<Order>,
    event: &Event,
    actor: Actor,
    now: Millis,
    rules: &Rules,
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
    write_order_fields(txn, record.id, record.version + 1, &transition.next, now).await?;
    super::effects::carry_out(txn, &scope_of(record), &transition.effects, now, rules).await?;
    // An escrow another shop created follows its order, and the shop hears.
    super::escrows::order_moved(txn, record.id, transition.next.state, now).await?;
    sync_timer(txn, record.id, transition.next.deadline).await?;

    let (actor_kind, actor_id) = actor.stored();
    order_events::ActiveModel {
        order_id: Set(record.id),
        actor: Set(actor_kind.into()),
        actor_id: Set(actor_id),
        kind: Set(event.kind().slug()),
        from_state: Set(record.order.state.slug().into()),
        to_state: Set(transition.next.state.slug().into()),
        description: Set(event.describe()),
        told: Set(told_json(&Told::Event(event.clone()))),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    crate::server::metrics::note_order_event(event.kind());
    Ok(())
}

/// What an order's effects are about. Transfers are keyed by the order and
/// the version they moved it from, so a step can never post twice.
pub(super) fn scope_of(record: &OrderRecord) -> Scope {
    Scope {
        key: format!("order:{}:v{}", record.id, record.version),
        reference: Reference { order_id: Some(record.id), ..Default::default() },
        buyer: Some(record.order.buyer),
        seller: Some(record.order.seller),
        listing_id: record.listing_id,
        order_id: Some(record.id),
        subject: record.listing_title.clone(),
        ..Default::default()
    }
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

/// Several orders by id, in one statement.
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, OrderRecord>, StoreError> {
    let ids: std::collections::HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    orders::Entity::find()
        .filter(orders::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| to_record(row).map(|r| (r.id, r)))
        .collect()
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

/// A timeline line's data for the `told` column. Serializing these plain
/// values cannot fail; were it to, the line keeps its English sentence.
fn told_json(told: &Told) -> Option<String> {
    serde_json::to_string(told).ok()
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
                told: row.told.and_then(|json| serde_json::from_str(&json).ok()),
                to_state: row
                    .to_state
                    .parse::<OrderState>()
                    .ok()
                    .ok_or_else(|| StoreError::Corrupt(format!("event {} state {}", row.id, row.to_state)))?,
            })
        })
        .collect()
}

/// What the audit needs of the orders, as SQL aggregates: how many are open
/// and what they hold together (invariant 3), and the terminal ones that
/// still say they hold money (invariant 5; the first hundred).
pub async fn holdings(db: &impl ConnectionTrait) -> Result<(u64, i64, Vec<(i64, i64)>), StoreError> {
    let terminal: Vec<&str> = OrderState::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.slug()).collect();
    let (open, held): (i64, Option<i64>) = orders::Entity::find()
        .select_only()
        .column_as(Expr::col(orders::Column::Id).count(), "open")
        // PostgreSQL sums a BIGINT as NUMERIC; cast back to read it as i64.
        .column_as(Expr::from(Func::cast_as(Func::sum(Expr::col(orders::Column::HeldFen)), "BIGINT")), "held")
        .filter(orders::Column::State.is_not_in(terminal.clone()))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    let still_holding = orders::Entity::find()
        .select_only()
        .columns([orders::Column::Id, orders::Column::HeldFen])
        .filter(orders::Column::State.is_in(terminal))
        .filter(orders::Column::HeldFen.ne(0))
        .order_by_asc(orders::Column::Id)
        .limit(100)
        .into_tuple()
        .all(db)
        .await?;
    Ok((u64::try_from(open).unwrap_or(0), held.unwrap_or(0), still_holding))
}

/// What escrow holds for a member's open purchases: a sum of many orders,
/// which may pass the largest single amount.
pub async fn held_for_buyer(db: &impl ConnectionTrait, buyer: MemberId) -> Result<Total, StoreError> {
    let fen: i64 = orders::Entity::find()
        .filter(orders::Column::BuyerId.eq(buyer))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.state.parse::<OrderState>().ok().is_some_and(|s| !s.is_terminal()))
        .map(|r| r.held_fen)
        .sum();
    Ok(Total::from_fen(fen))
}

fn to_record(row: orders::Model) -> Result<OrderRecord, StoreError> {
    let id = row.id;
    let corrupt = move |what: &str| StoreError::Corrupt(format!("order {id}: {what}"));
    let money = |fen: i64, what: &str| Money::from_fen(fen).map_err(|_| corrupt(what));
    let timer = |kind: &Option<String>| -> Result<Option<TimerKind>, StoreError> {
        kind.as_deref().map(|k| k.parse::<TimerKind>().map_err(|_| corrupt("timer kind"))).transpose()
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
            kind: kind.parse::<RefundKind>().map_err(|_| corrupt("refund kind"))?,
            amount: money(amount, "refund amount")?,
            reason: row.refund_reason.clone().unwrap_or_default(),
            from: from.parse::<OrderState>().map_err(|_| corrupt("refund from"))?,
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
        state: row.state.parse::<OrderState>().map_err(|_| corrupt("state"))?,
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
