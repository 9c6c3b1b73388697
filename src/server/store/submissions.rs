//! Money forms carry a key made when the page was rendered. The first
//! submission of a key runs and records its outcome; a repeat (a double
//! click, a resent form, a concurrent request) gets that outcome back and
//! changes nothing.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::{Refused, StoreError};
use crate::server::clock::Millis;
use crate::server::entities::form_submissions;

pub const KEY_MAX_CHARS: usize = 64;

/// Claims the key for this member inside the caller's transaction. Returns
/// the recorded outcome when the key was already used; the claim becomes
/// permanent only if the transaction commits.
pub async fn claim(
    db: &impl ConnectionTrait,
    member_id: i64,
    key: &str,
    now: Millis,
) -> Result<Option<String>, StoreError> {
    let key = key.trim();
    if key.is_empty() || key.len() > KEY_MAX_CHARS {
        return Err(Refused::FormExpired.into());
    }
    // ON CONFLICT rather than catching the unique violation: on PostgreSQL
    // a failed statement aborts the whole transaction.
    let inserted = form_submissions::Entity::insert(form_submissions::ActiveModel {
        member_id: Set(member_id),
        key: Set(key.to_owned()),
        outcome: Set(String::new()),
        created_at: Set(now),
        request_hash: Set(None),
        response_status: Set(None),
    })
    .on_conflict(
        OnConflict::columns([form_submissions::Column::MemberId, form_submissions::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(None);
    }
    let row = form_submissions::Entity::find_by_id((member_id, key.to_owned())).one(db).await?;
    Ok(Some(row.map(|r| r.outcome).unwrap_or_default()))
}

/// Records what the first submission led to (a page to go to).
pub async fn record(
    db: &impl ConnectionTrait,
    member_id: i64,
    key: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    form_submissions::ActiveModel {
        member_id: Set(member_id),
        key: Set(key.trim().to_owned()),
        outcome: Set(outcome.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
