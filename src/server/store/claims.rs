//! Fraud claims: filed by the buyer within the window after an order ended,
//! decided by an arbiter. Upholding pays the buyer the order amount from
//! `platform_compensation` and suspends the seller, in one transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::ledger::{self, Reference};
use super::{StoreError, members, notifications, orders};
use crate::domain::order::{
    ClaimState, Effect, Notice, Party, Role, Rules, check_claim_filing, check_reason, decide_claim,
};
use crate::server::clock::Millis;
use crate::server::db::begin_write;
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

fn state_slug(state: ClaimState) -> &'static str {
    match state {
        ClaimState::Open => "open",
        ClaimState::Upheld => "upheld",
        ClaimState::Rejected => "rejected",
    }
}

fn state_from(slug: &str) -> Option<ClaimState> {
    [ClaimState::Open, ClaimState::Upheld, ClaimState::Rejected].into_iter().find(|s| state_slug(*s) == slug)
}

/// Files the buyer's claim inside the caller's transaction and returns its id.
pub async fn file(
    txn: &impl ConnectionTrait,
    order_id: i64,
    member_id: i64,
    statement: &str,
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let record = orders::find(txn, order_id).await?.ok_or(StoreError::NotFound)?;
    let role = record.order.role_of(member_id);
    if role == Role::Stranger {
        return Err(StoreError::NotFound);
    }
    check_claim_filing(&record.order, role, now, rules)?;
    let statement = check_reason(statement, "Describe what happened")?;
    let row = fraud_claims::ActiveModel {
        order_id: Set(order_id),
        buyer_id: Set(record.order.buyer),
        seller_id: Set(record.order.seller),
        statement: Set(statement),
        state: Set(state_slug(ClaimState::Open).to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match super::unique_as_taken(e, "claim") {
        StoreError::Taken(_) => StoreError::Invalid("A fraud claim was already filed for this order".into()),
        other => other,
    })?;
    notifications::add(
        txn,
        record.order.seller,
        Notice::ClaimFiled,
        Some(order_id),
        &record.listing_title,
        now,
    )
    .await?;
    for arbiter in members::arbiters(txn).await? {
        notifications::add(txn, arbiter, Notice::ClaimFiled, Some(order_id), &record.listing_title, now)
            .await?;
    }
    Ok(row.id)
}

/// The arbiter's decision, with its reason shown to both sides.
pub async fn decide(
    db: &DatabaseConnection,
    claim_id: i64,
    arbiter_id: i64,
    uphold: bool,
    reason: &str,
    now: Millis,
) -> Result<ClaimState, StoreError> {
    let reason = check_reason(reason, "Give the reason for the decision")?;
    let txn = begin_write(db).await?;
    let claim = find(&txn, claim_id).await?.ok_or(StoreError::NotFound)?;
    let record = orders::find(&txn, claim.order_id).await?.ok_or(StoreError::NotFound)?;
    let (state, effects) = decide_claim(&record.order, claim.state, uphold, Role::Arbiter)?;
    let updated = fraud_claims::Entity::update_many()
        .col_expr(fraud_claims::Column::State, Expr::value(state_slug(state)))
        .col_expr(fraud_claims::Column::DecisionReason, Expr::value(reason.clone()))
        .col_expr(fraud_claims::Column::DecidedBy, Expr::value(arbiter_id))
        .col_expr(fraud_claims::Column::DecidedAt, Expr::value(now))
        .filter(fraud_claims::Column::Id.eq(claim_id))
        .filter(fraud_claims::Column::State.eq(state_slug(ClaimState::Open)))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict);
    }
    for (n, effect) in effects.iter().enumerate() {
        match effect {
            Effect::Transfer(transfer) => {
                let reference = Reference { order_id: Some(claim.order_id), ..Default::default() };
                ledger::post(&txn, transfer, reference, &format!("claim:{claim_id}:{n}"), now).await?;
            }
            Effect::Notify(party, notice) => {
                let member = match party {
                    Party::Buyer => claim.buyer_id,
                    Party::Seller => claim.seller_id,
                };
                notifications::add(&txn, member, *notice, Some(claim.order_id), &record.listing_title, now)
                    .await?;
            }
            Effect::RestoreStock(_) => {}
        }
    }
    if state == ClaimState::Upheld {
        members::suspend(&txn, claim.seller_id, &format!("Fraud claim upheld: {reason}"), now).await?;
    }
    txn.commit().await?;
    Ok(state)
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
        .filter(fraud_claims::Column::State.eq(state_slug(ClaimState::Open)))
        .order_by_asc(fraud_claims::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_claim)
        .collect()
}

fn to_claim(row: fraud_claims::Model) -> Result<Claim, StoreError> {
    Ok(Claim {
        state: state_from(&row.state)
            .ok_or_else(|| StoreError::Corrupt(format!("claim {} state", row.id)))?,
        id: row.id,
        order_id: row.order_id,
        buyer_id: row.buyer_id,
        seller_id: row.seller_id,
        statement: row.statement,
        decision_reason: row.decision_reason,
        created_at: row.created_at,
    })
}
