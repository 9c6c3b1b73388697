//! Work shared by several app instances — due timers, webhook deliveries,
//! the e-mail outbox — is claimed row by row with a lease: a row is taken
//! by the conditional update that sets `claimed_until`, which only one
//! instance can win, and falls free again if its holder dies before
//! finishing. One door for all three, so they cannot drift apart.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoreError;
use crate::server::clock::Millis;

/// The columns a table is claimed by.
pub(super) struct Lease<E: EntityTrait> {
    pub id: E::Column,
    pub claimed_until: E::Column,
    /// Oldest first by this column.
    pub order_by: E::Column,
}

impl<E: EntityTrait> Lease<E> {
    /// Claims up to `limit` rows that are `ready` and held by nobody, for
    /// `lease` ms; returns the rows this caller won.
    pub async fn claim(
        &self,
        db: &impl ConnectionTrait,
        ready: Condition,
        id_of: impl Fn(&E::Model) -> i64,
        now: Millis,
        lease: Millis,
        limit: u64,
    ) -> Result<Vec<E::Model>, StoreError> {
        let free = Condition::any().add(self.claimed_until.is_null()).add(self.claimed_until.lt(now));
        let candidates = E::find()
            .filter(ready.clone())
            .filter(free.clone())
            .order_by_asc(self.order_by)
            .limit(limit)
            .all(db)
            .await?;
        let mut won = Vec::with_capacity(candidates.len());
        for row in candidates {
            let taken = E::update_many()
                .col_expr(self.claimed_until, Expr::value(now + lease))
                .filter(self.id.eq(id_of(&row)))
                .filter(ready.clone())
                .filter(free.clone())
                .exec(db)
                .await?;
            if taken.rows_affected == 1 {
                won.push(row);
            }
        }
        Ok(won)
    }
}
