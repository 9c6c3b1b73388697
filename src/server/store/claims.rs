//! Fraud claims: filed by the buyer within the window after an order ended,
//! decided by an arbiter. Upholding pays the buyer the order amount from
//! `platform_compensation` and suspends the seller, in one transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::effects::{self, Scope};
use super::photos::{Purpose, StoredFile};
use super::{Refused, StoreError, orders};
use crate::domain::claims::{self, ClaimState};
use crate::domain::order::{Role, Rules, Statement, check_reason};
use crate::server::clock::Millis;
use crate::server::entities::fraud_claims;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub order_id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    pub statement: String,
    pub state: ClaimState,
    pub decision_reason: Option<String>,
    pub created_at: Millis,
}

/// Files the buyer's claim with its photos and returns its id. Reached
/// through `commands::execute`.
pub(super) async fn file(
    txn: &DatabaseTransaction,
    order_id: i64,
    member_id: i64,
    statement: &str,
    photos: &[StoredFile],
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let record = orders::find(txn, order_id).await?.ok_or(StoreError::NotFound)?;
    let role = record.order.role_of(member_id);
    if role == Role::Stranger {
        return Err(StoreError::NotFound);
    }
    let transition = claims::file(&record.order, role, now, rules)?;
    let statement = check_reason(statement, Statement::ClaimStatement)?;
    let row = fraud_claims::ActiveModel {
        order_id: Set(order_id),
        buyer_id: Set(record.order.buyer),
        seller_id: Set(record.order.seller),
        statement: Set(statement),
        state: Set(transition.next.slug().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match super::unique_as_taken(e, "claim") {
        StoreError::Taken(_) => Refused::ClaimAlreadyFiled.into(),
        other => other,
    })?;
    super::photos::add(txn, member_id, Purpose::Claim, row.id, photos, now).await?;
    let scope = Scope { key: format!("claim:{}:filed", row.id), ..orders::scope_of(&record) };
    effects::carry_out(txn, &scope, &transition.effects, now, rules).await?;
    Ok(row.id)
}

/// The arbiter's decision, with its reason shown to both sides; returns the
/// claim's order and new state. Reached through `commands::execute`.
pub(super) async fn decide(
    txn: &DatabaseTransaction,
    claim_id: i64,
    arbiter_id: i64,
    uphold: bool,
    reason: &str,
    now: Millis,
    rules: &Rules,
) -> Result<(i64, ClaimState), StoreError> {
    let reason = check_reason(reason, Statement::Decision)?;
    let claim = find(txn, claim_id).await?.ok_or(StoreError::NotFound)?;
    let record = orders::find(txn, claim.order_id).await?.ok_or(StoreError::NotFound)?;
    let transition = claims::decide(&record.order, claim.state, uphold, Role::Arbiter)?;
    let updated = fraud_claims::Entity::update_many()
        .col_expr(fraud_claims::Column::State, Expr::value(transition.next.slug()))
        .col_expr(fraud_claims::Column::DecisionReason, Expr::value(reason.clone()))
        .col_expr(fraud_claims::Column::DecidedBy, Expr::value(arbiter_id))
        .col_expr(fraud_claims::Column::DecidedAt, Expr::value(now))
        .filter(fraud_claims::Column::Id.eq(claim_id))
        .filter(fraud_claims::Column::State.eq(ClaimState::Open.slug()))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    let scope = Scope {
        key: format!("claim:{claim_id}"),
        suspension: Some(format!("Fraud claim upheld: {reason}")),
        ..orders::scope_of(&record)
    };
    effects::carry_out(txn, &scope, &transition.effects, now, rules).await?;
    Ok((claim.order_id, transition.next))
}

pub async fn find(db: &impl ConnectionTrait, claim_id: i64) -> Result<Option<Claim>, StoreError> {
    fraud_claims::Entity::find_by_id(claim_id).one(db).await?.map(to_claim).transpose()
}

pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Option<Claim>, StoreError> {
    fraud_claims::Entity::find()
        .filter(fraud_claims::Column::OrderId.eq(order_id))
        .one(db)
        .await?
        .map(to_claim)
        .transpose()
}

/// Open claims, oldest first.
pub async fn open(db: &impl ConnectionTrait) -> Result<Vec<Claim>, StoreError> {
    fraud_claims::Entity::find()
        .filter(fraud_claims::Column::State.eq(ClaimState::Open.slug()))
        .order_by_asc(fraud_claims::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_claim)
        .collect()
}

fn to_claim(row: fraud_claims::Model) -> Result<Claim, StoreError> {
    Ok(Claim {
        state: row.state.parse().map_err(|_| StoreError::Corrupt(format!("claim {} state", row.id)))?,
        id: row.id,
        order_id: row.order_id,
        buyer_id: row.buyer_id,
        seller_id: row.seller_id,
        statement: row.statement,
        decision_reason: row.decision_reason,
        created_at: row.created_at,
    })
}
