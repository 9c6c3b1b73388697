//! Ratings members give each other after an order.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{Refused, StoreError, unique_as_taken};
use crate::domain::order::{Role, Rules};
use crate::domain::rating::{Rating, Score, Tally};
use crate::server::clock::Millis;
use crate::server::entities::ratings;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub order_id: i64,
    pub rater_id: i64,
    pub rater_name: String,
    pub score: Score,
    pub comment: String,
    pub created_at: Millis,
}

/// Records a rating; a second one by the same member on the same order is
/// refused by the unique key ([`StoreError::Taken`]).
/// A party rates the other once the order has ended, once. Reached through
/// `commands::execute`.
pub(super) async fn rate(
    txn: &DatabaseTransaction,
    order_id: i64,
    member_id: i64,
    score: &str,
    comment: &str,
    now: Millis,
    rules: &Rules,
) -> Result<(), StoreError> {
    let record = super::orders::find(txn, order_id).await?.ok_or(StoreError::NotFound)?;
    let role = record.order.role_of(member_id);
    if role == Role::Stranger {
        // Not even the order's existence is confirmed to strangers.
        return Err(StoreError::NotFound);
    }
    let rating =
        crate::domain::rating::rate(&record.order, role, score, comment, now, rules.deadlines.claim_window)
            .map_err(Refused::Rating)?;
    add(txn, order_id, &rating, now).await.map_err(|e| match e {
        StoreError::Taken(_) => Refused::AlreadyRated.into(),
        other => other,
    })
}

async fn add(
    db: &impl ConnectionTrait,
    order_id: i64,
    rating: &Rating,
    now: Millis,
) -> Result<(), StoreError> {
    ratings::ActiveModel {
        order_id: Set(order_id),
        rater_id: Set(rating.rater),
        ratee_id: Set(rating.ratee),
        score: Set(rating.score.slug().to_owned()),
        comment: Set(rating.comment.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| unique_as_taken(e, "rating"))?;
    Ok(())
}

pub async fn tally(db: &impl ConnectionTrait, member_id: i64) -> Result<Tally, StoreError> {
    let scores: Vec<String> = ratings::Entity::find()
        .select_only()
        .column(ratings::Column::Score)
        .filter(ratings::Column::RateeId.eq(member_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut tally = Tally::default();
    for score in scores.iter().filter_map(|s| s.parse::<Score>().ok()) {
        tally.add(score);
    }
    Ok(tally)
}

/// The newest ratings a member received.
pub async fn recent(
    db: &impl ConnectionTrait,
    member_id: i64,
    limit: u64,
) -> Result<Vec<Review>, StoreError> {
    let rows = ratings::Entity::find()
        .filter(ratings::Column::RateeId.eq(member_id))
        .order_by_desc(ratings::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    reviews(db, rows).await
}

/// The ratings given on one order.
pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<Review>, StoreError> {
    let rows = ratings::Entity::find().filter(ratings::Column::OrderId.eq(order_id)).all(db).await?;
    reviews(db, rows).await
}

async fn reviews(db: &impl ConnectionTrait, rows: Vec<ratings::Model>) -> Result<Vec<Review>, StoreError> {
    let names = super::members::names(db, rows.iter().map(|r| r.rater_id)).await?;
    rows.into_iter()
        .map(|row| {
            Ok(Review {
                order_id: row.order_id,
                rater_id: row.rater_id,
                rater_name: names.get(&row.rater_id).cloned().unwrap_or_default(),
                score: row
                    .score
                    .parse::<Score>()
                    .ok()
                    .ok_or_else(|| StoreError::Corrupt(format!("rating {} score", row.id)))?,
                comment: row.comment,
                created_at: row.created_at,
            })
        })
        .collect()
}
