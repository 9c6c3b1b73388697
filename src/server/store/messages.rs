//! Messages between buyer and seller on an order, oldest first.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::StoreError;
use super::effects::{self, Scope};
use super::photos::{self, Photo, Purpose, StoredFile};
use crate::domain::message;
use crate::domain::order::{Role, Rules};
use crate::server::clock::Millis;
use crate::server::entities::order_messages;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: Millis,
    pub photos: Vec<Photo>,
}

/// A party's message on the order, with its photos; the other party is
/// told. Reached through `commands::execute`.
pub(super) async fn post(
    txn: &DatabaseTransaction,
    order_id: i64,
    author_id: i64,
    body: &str,
    photos: &[StoredFile],
    now: Millis,
    rules: &Rules,
) -> Result<i64, StoreError> {
    let record = super::orders::find(txn, order_id).await?.ok_or(StoreError::NotFound)?;
    let role = record.order.role_of(author_id);
    if role == Role::Stranger {
        // Not even the order's existence is confirmed to strangers.
        return Err(StoreError::NotFound);
    }
    let transition = message::post(role, body, photos.len())?;
    let row = order_messages::ActiveModel {
        order_id: Set(order_id),
        author_id: Set(author_id),
        body: Set(transition.next),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    photos::add(txn, author_id, Purpose::Message, row.id, photos, now).await?;
    let scope = Scope { key: format!("message:{}", row.id), ..super::orders::scope_of(&record) };
    effects::carry_out(txn, &scope, &transition.effects, now, rules).await?;
    Ok(row.id)
}

pub async fn thread(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<Message>, StoreError> {
    let rows = order_messages::Entity::find()
        .filter(order_messages::Column::OrderId.eq(order_id))
        .order_by_asc(order_messages::Column::Id)
        .all(db)
        .await?;
    let names = super::members::names(db, rows.iter().map(|r| r.author_id)).await?;
    let mut photos = photos::of(db, Purpose::Message, rows.iter().map(|r| r.id)).await?;
    Ok(rows
        .into_iter()
        .map(|row| Message {
            author_name: names.get(&row.author_id).cloned().unwrap_or_default(),
            photos: photos.remove(&row.id).unwrap_or_default(),
            id: row.id,
            author_id: row.author_id,
            body: row.body,
            created_at: row.created_at,
        })
        .collect())
}
