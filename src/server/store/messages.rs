//! Messages between buyer and seller on an order, oldest first.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::StoreError;
use super::photos::{self, Photo, Purpose};
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

pub async fn add(
    db: &impl ConnectionTrait,
    order_id: i64,
    author_id: i64,
    body: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    let row = order_messages::ActiveModel {
        order_id: Set(order_id),
        author_id: Set(author_id),
        body: Set(body.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
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
