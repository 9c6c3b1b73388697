//! The platform's public figures for `/stats`, from the ledger and the
//! orders, read in one snapshot so that what escrow holds and what the open
//! orders hold are compared at the same moment.
//!
//! Orders of a merchant's test-mode escrow are left out of every figure of
//! trade (turnover, completions, outcomes): they are a shop trying the API,
//! not trade. The ledger's own balances (escrow, guarantee fund) include
//! them, as the ledger does.

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use super::StoreError;
use crate::domain::claims::ClaimState;
use crate::domain::figures::{series, window_start};
use crate::domain::ledger::{Account, TransferKind};
use crate::domain::listing::ListingStatus;
use crate::domain::merchant::Mode;
use crate::domain::order::OrderState;
use crate::domain::time::{DAY, Millis};
use crate::server::db::begin_snapshot;
use crate::server::entities::{escrows, fraud_claims, listings, merchants, order_events, orders, transfers};

/// Days shown in the charts, today the last.
pub const WINDOW_DAYS: u32 = 30;

/// The figures at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformFigures {
    pub taken_at: Millis,
    /// The first day of the window (UTC midnight).
    pub first_day: Millis,
    /// Fen paid into escrow each day of the window, oldest first.
    pub turnover_fen: Vec<i64>,
    /// Orders completed (released to the seller) each day, oldest first.
    pub completed: Vec<i64>,
    pub listings_on_offer: u64,
    /// Members with at least one listing on offer.
    pub sellers: u64,
    pub merchants: u64,
    /// Orders ever paid into escrow, and of them: refunded in whole or
    /// part, taken to arbitration, claimed as fraud.
    pub orders_paid: u64,
    pub refunded: u64,
    pub disputed: u64,
    pub fraud_claims: u64,
    pub claims_upheld: u64,
    pub compensation_paid_fen: i64,
    /// The escrow account's balance, and what the orders say they hold.
    pub escrow_balance_fen: i64,
    pub orders_hold_fen: i64,
    pub orders_holding: u64,
    pub guarantee_fund_fen: i64,
}

#[derive(FromQueryResult)]
struct DayTotal {
    day: i64,
    total: i64,
}

#[derive(FromQueryResult)]
struct Total {
    total: Option<i64>,
}

/// Orders that belong to a test-mode escrow.
fn test_orders() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(escrows::Column::OrderId)
        .from(escrows::Entity)
        .and_where(escrows::Column::Mode.eq(Mode::Test.slug()))
        .and_where(escrows::Column::OrderId.is_not_null())
        .to_owned()
}

fn live(order_id: impl ColumnTrait) -> sea_orm::Condition {
    sea_orm::Condition::any().add(order_id.is_null()).add(order_id.not_in_subquery(test_orders()))
}

/// Groups by the selected `day`: by its name, because PostgreSQL takes the
/// same expression with its own bound parameters as a different one.
fn by_day() -> Expr {
    Expr::col(sea_orm::sea_query::Alias::new("day"))
}

/// A SUM as BIGINT on both backends (PostgreSQL sums BIGINT to NUMERIC).
fn sum(column: impl ColumnTrait) -> Expr {
    Expr::from(Func::cast_as(Func::sum(Expr::col(column)), "BIGINT"))
}

/// How many different values the column has among the rows that match.
fn count_distinct(column: impl ColumnTrait) -> Expr {
    Expr::from(Func::count_distinct(Expr::col(column)))
}

pub async fn platform(db: &DatabaseConnection, now: Millis) -> Result<PlatformFigures, StoreError> {
    let snapshot = begin_snapshot(db).await?;
    let db = &snapshot;
    let first_day = window_start(now, WINDOW_DAYS);
    let day_of = |column: transfers::Column| Expr::col(column).sub(first_day).div(DAY);

    let turnover = transfers::Entity::find()
        .select_only()
        .column_as(day_of(transfers::Column::CreatedAt), "day")
        .column_as(sum(transfers::Column::AmountFen), "total")
        .filter(transfers::Column::Kind.eq(TransferKind::Payment.slug()))
        .filter(transfers::Column::CreatedAt.gte(first_day))
        .filter(live(transfers::Column::OrderId))
        .group_by(by_day())
        .into_model::<DayTotal>()
        .all(db)
        .await?;
    let completed_day = Expr::col(order_events::Column::CreatedAt).sub(first_day).div(DAY);
    let completed = order_events::Entity::find()
        .select_only()
        .column_as(completed_day, "day")
        .column_as(
            Expr::from(Func::cast_as(Func::count(Expr::col(order_events::Column::Id)), "BIGINT")),
            "total",
        )
        .filter(order_events::Column::ToState.eq(OrderState::Completed.slug()))
        .filter(order_events::Column::FromState.ne(OrderState::Completed.slug()))
        .filter(order_events::Column::CreatedAt.gte(first_day))
        .filter(live(order_events::Column::OrderId))
        .group_by(by_day())
        .into_model::<DayTotal>()
        .all(db)
        .await?;

    let on_offer = listings::Entity::find().filter(listings::Column::Status.eq(ListingStatus::Active.slug()));
    let listings_on_offer = on_offer.clone().count(db).await?;
    let sellers =
        count_of(db, on_offer.select_only().column_as(count_distinct(listings::Column::SellerId), "total"))
            .await?;
    let merchants = merchants::Entity::find().count(db).await?;

    let orders_with = |kind: TransferKind| {
        transfers::Entity::find()
            .select_only()
            .column_as(count_distinct(transfers::Column::OrderId), "total")
            .filter(transfers::Column::Kind.eq(kind.slug()))
            .filter(live(transfers::Column::OrderId))
    };
    let orders_paid = count_of(db, orders_with(TransferKind::Payment)).await?;
    let refunded = count_of(db, orders_with(TransferKind::Refund)).await?;
    let disputed = count_of(
        db,
        order_events::Entity::find()
            .select_only()
            .column_as(count_distinct(order_events::Column::OrderId), "total")
            .filter(order_events::Column::ToState.eq(OrderState::InArbitration.slug()))
            .filter(live(order_events::Column::OrderId)),
    )
    .await?;
    let claims = fraud_claims::Entity::find().filter(live(fraud_claims::Column::OrderId));
    let fraud_claims = claims.clone().count(db).await?;
    let claims_upheld =
        claims.filter(fraud_claims::Column::State.eq(ClaimState::Upheld.slug())).count(db).await?;
    let compensation_paid_fen = total_of(
        db,
        transfers::Entity::find()
            .select_only()
            .column_as(sum(transfers::Column::AmountFen), "total")
            .filter(transfers::Column::Kind.eq(TransferKind::Compensation.slug())),
    )
    .await?;

    let escrow_balance_fen = super::ledger::balance_fen(db, Account::Escrow).await?;
    let held = orders::Entity::find().filter(orders::Column::HeldFen.ne(0));
    let orders_holding = held.clone().count(db).await?;
    let orders_hold_fen =
        total_of(db, held.select_only().column_as(sum(orders::Column::HeldFen), "total")).await?;
    let guarantee_fund_fen = super::ledger::balance_fen(db, Account::PlatformCompensation).await?;
    snapshot.commit().await?;

    Ok(PlatformFigures {
        taken_at: now,
        first_day,
        turnover_fen: series(WINDOW_DAYS, turnover.into_iter().map(|d| (d.day, d.total))),
        completed: series(WINDOW_DAYS, completed.into_iter().map(|d| (d.day, d.total))),
        listings_on_offer,
        sellers,
        merchants,
        orders_paid,
        refunded,
        disputed,
        fraud_claims,
        claims_upheld,
        compensation_paid_fen,
        escrow_balance_fen,
        orders_hold_fen,
        orders_holding,
        guarantee_fund_fen,
    })
}

/// The one `total` a query selects; nothing summed is zero.
async fn total_of<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> Result<i64, StoreError> {
    Ok(query.into_model::<Total>().one(db).await?.and_then(|row| row.total).unwrap_or(0))
}

async fn count_of<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> Result<u64, StoreError> {
    Ok(total_of(db, query).await?.unsigned_abs())
}
