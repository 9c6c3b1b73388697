//! Claiming due timers. Claiming only saves wasted work: a timer fired twice
//! still changes its order once, because the transition is conditional on
//! the order's state and version.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryOrder};

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
    let lease_of = super::leases::Lease::<timers::Entity> {
        id: timers::Column::Id,
        claimed_until: timers::Column::ClaimedUntil,
        order_by: timers::Column::DueAt,
    };
    let due = sea_orm::Condition::all().add(timers::Column::DueAt.lte(now));
    let mut claimed = Vec::new();
    for timer in lease_of.claim(db, due, |t| t.id, now, lease, limit).await? {
        let kind = timer
            .kind
            .parse::<TimerKind>()
            .ok()
            .ok_or_else(|| StoreError::Corrupt(format!("timer {} kind {}", timer.id, timer.kind)))?;
        claimed.push(DueTimer { id: timer.id, order_id: timer.order_id, kind });
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

/// How many timers are due at `now` and not yet fired, and the earliest of
/// their due times: the worker's backlog and how late it runs.
pub async fn backlog(db: &impl ConnectionTrait, now: Millis) -> Result<(u64, Option<Millis>), StoreError> {
    use sea_orm::{PaginatorTrait, QueryFilter};
    let due = timers::Entity::find().filter(timers::Column::DueAt.lte(now));
    let count = due.clone().count(db).await?;
    let earliest = if count == 0 { None } else { next_due(db).await? };
    Ok((count, earliest))
}
