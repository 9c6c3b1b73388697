//! Photo records: which stored file belongs to what (a listing, a refund
//! request, a message, a disputed return, a fraud claim), in what order.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};

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
    // New photos go after the ones already there.
    let first = next_position(db, purpose, subject_id).await?;
    for (offset, stored) in files.iter().enumerate() {
        let position = first.saturating_add(i32::try_from(offset).unwrap_or(i32::MAX));
        photos::ActiveModel {
            owner_id: Set(owner_id),
            purpose: Set(purpose.slug().to_owned()),
            subject_id: Set(subject_id),
            position: Set(position),
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

/// Records many photos at once (demo data): (owner, subject, position, file).
pub async fn add_many(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    rows: &[(i64, i64, i32, &StoredFile)],
    now: Millis,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(1_000) {
        let models = chunk.iter().map(|(owner, subject, position, stored)| photos::ActiveModel {
            owner_id: Set(*owner),
            purpose: Set(purpose.slug().to_owned()),
            subject_id: Set(*subject),
            position: Set(*position),
            file: Set(stored.file.clone()),
            width: Set(i32::try_from(stored.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(stored.height).unwrap_or(i32::MAX)),
            created_at: Set(now),
            ..Default::default()
        });
        if !chunk.is_empty() {
            photos::Entity::insert_many(models).exec(db).await?;
        }
    }
    Ok(())
}

async fn next_position(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    subject_id: i64,
) -> Result<i32, StoreError> {
    let last = photos::Entity::find()
        .filter(photos::Column::Purpose.eq(purpose.slug()))
        .filter(photos::Column::SubjectId.eq(subject_id))
        .order_by_desc(photos::Column::Position)
        .one(db)
        .await?;
    Ok(last.map_or(0, |p| p.position.saturating_add(1)))
}

pub async fn count(db: &impl ConnectionTrait, purpose: Purpose, subject_id: i64) -> Result<u64, StoreError> {
    Ok(photos::Entity::find()
        .filter(photos::Column::Purpose.eq(purpose.slug()))
        .filter(photos::Column::SubjectId.eq(subject_id))
        .count(db)
        .await?)
}

/// Removes one photo of a subject and closes the gap; returns the stored
/// file's name so the caller can delete it once the change is committed.
pub async fn remove(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    subject_id: i64,
    photo_id: i64,
) -> Result<String, StoreError> {
    let mut ordered = of(db, purpose, [subject_id]).await?.remove(&subject_id).unwrap_or_default();
    let index = ordered.iter().position(|p| p.id == photo_id).ok_or(StoreError::NotFound)?;
    let removed = ordered.remove(index);
    photos::Entity::delete_by_id(photo_id).exec(db).await?;
    renumber(db, &ordered).await?;
    Ok(removed.file)
}

/// Moves one photo a place earlier or later; the first one is the cover.
pub async fn shift(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    subject_id: i64,
    photo_id: i64,
    earlier: bool,
) -> Result<(), StoreError> {
    let mut ordered = of(db, purpose, [subject_id]).await?.remove(&subject_id).unwrap_or_default();
    let index = ordered.iter().position(|p| p.id == photo_id).ok_or(StoreError::NotFound)?;
    let target = if earlier { index.checked_sub(1) } else { Some(index + 1).filter(|t| *t < ordered.len()) };
    if let Some(target) = target {
        ordered.swap(index, target);
        renumber(db, &ordered).await?;
    }
    Ok(())
}

async fn renumber(db: &impl ConnectionTrait, ordered: &[Photo]) -> Result<(), StoreError> {
    for (position, photo) in ordered.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        if photo.position != position {
            photos::Entity::update_many()
                .col_expr(photos::Column::Position, Expr::value(position))
                .filter(photos::Column::Id.eq(photo.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Whether any photo record still points at a stored file (demo data shares
/// a few generated images between many listings).
pub async fn file_in_use(db: &impl ConnectionTrait, file: &str) -> Result<bool, StoreError> {
    Ok(photos::Entity::find().filter(photos::Column::File.eq(file)).count(db).await? > 0)
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
