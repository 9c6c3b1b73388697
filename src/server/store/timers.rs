//! Claiming due timers. Claiming only saves wasted work: a timer fired twice
//! still changes its order once, because the transition is conditional on
//! the order's state and version.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoreError;
use crate::domain::order::TimerKind;
use crate::server::clock::Millis;
use crate::server::entities::timers;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueTimer {
    pub id: i64,
    pub order_id: i64,
    pub kind: TimerKind,
}

/// Claims up to `limit` due timers no other instance holds, for `lease` ms.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: Millis,
    lease: Millis,
    limit: u64,
) -> Result<Vec<DueTimer>, StoreError> {
    let candidates = timers::Entity::find()
        .filter(timers::Column::DueAt.lte(now))
        .filter(timers::Column::ClaimedUntil.is_null().or(timers::Column::ClaimedUntil.lt(now)))
        .order_by_asc(timers::Column::DueAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for timer in candidates {
        let won = timers::Entity::update_many()
            .col_expr(timers::Column::ClaimedUntil, Expr::value(now + lease))
            .filter(timers::Column::Id.eq(timer.id))
            .filter(timers::Column::ClaimedUntil.is_null().or(timers::Column::ClaimedUntil.lt(now)))
            .exec(db)
            .await?;
        if won.rows_affected == 1 {
            let kind = timer
                .kind
                .parse::<TimerKind>()
                .ok()
                .ok_or_else(|| StoreError::Corrupt(format!("timer {} kind {}", timer.id, timer.kind)))?;
            claimed.push(DueTimer { id: timer.id, order_id: timer.order_id, kind });
        }
    }
    Ok(claimed)
}

/// Removes a timer that no longer applies.
pub async fn delete(db: &impl ConnectionTrait, timer_id: i64) -> Result<(), StoreError> {
    timers::Entity::delete_by_id(timer_id).exec(db).await?;
    Ok(())
}

/// The earliest due time, so the worker knows when to look again.
pub async fn next_due(db: &impl ConnectionTrait) -> Result<Option<Millis>, StoreError> {
    Ok(timers::Entity::find().order_by_asc(timers::Column::DueAt).one(db).await?.map(|t| t.due_at))
}
