//! Photo records: which stored file belongs to what (a listing, a refund
//! request, a message, a disputed return, a fraud claim), in what order.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::StoreError;
use crate::server::clock::Millis;
use crate::server::entities::photos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Listing,
    Refund,
    Message,
    Dispute,
    Claim,
}

impl Purpose {
    pub fn slug(self) -> &'static str {
        match self {
            Purpose::Listing => "listing",
            Purpose::Refund => "refund",
            Purpose::Message => "message",
            Purpose::Dispute => "dispute",
            Purpose::Claim => "claim",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Photo {
    pub id: i64,
    pub owner_id: i64,
    pub subject_id: i64,
    pub position: i32,
    /// The stored file's base name; `<file>.jpg` and `<file>_t.jpg`.
    pub file: String,
    pub width: i32,
    pub height: i32,
}

/// A photo already written to the media folder, to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub file: String,
    pub width: u32,
    pub height: u32,
}

pub async fn add(
    db: &impl ConnectionTrait,
    owner_id: i64,
    purpose: Purpose,
    subject_id: i64,
    files: &[StoredFile],
    now: Millis,
) -> Result<(), StoreError> {
    for (position, stored) in files.iter().enumerate() {
        photos::ActiveModel {
            owner_id: Set(owner_id),
            purpose: Set(purpose.slug().to_owned()),
            subject_id: Set(subject_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            file: Set(stored.file.clone()),
            width: Set(i32::try_from(stored.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(stored.height).unwrap_or(i32::MAX)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Photos of each subject, in order.
pub async fn of(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    subjects: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Vec<Photo>>, StoreError> {
    let rows = photos::Entity::find()
        .filter(photos::Column::Purpose.eq(purpose.slug()))
        .filter(photos::Column::SubjectId.is_in(subjects))
        .order_by_asc(photos::Column::Position)
        .order_by_asc(photos::Column::Id)
        .all(db)
        .await?;
    let mut grouped: HashMap<i64, Vec<Photo>> = HashMap::new();
    for row in rows {
        grouped.entry(row.subject_id).or_default().push(Photo {
            id: row.id,
            owner_id: row.owner_id,
            subject_id: row.subject_id,
            position: row.position,
            file: row.file,
            width: row.width,
            height: row.height,
        });
    }
    Ok(grouped)
}
