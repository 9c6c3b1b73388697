//! Merchants and their API keys. A key is shown once when made and kept as
//! the SHA-256 of its text with its last four characters, so a stolen
//! database yields no usable key.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use super::{Refused, StoreError};
use crate::domain::ledger::MemberId;
use crate::domain::merchant::{KEY_NAME_MAX_CHARS, Mode};
use crate::server::clock::Millis;
use crate::server::entities::{api_keys, merchants};

/// An API key as its merchant's settings page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub merchant_id: MemberId,
    pub name: String,
    pub mode: Mode,
    pub last_four: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

/// The key a request authenticated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub key_id: i64,
    pub merchant_id: MemberId,
    pub mode: Mode,
}

pub async fn is_merchant(db: &impl ConnectionTrait, member: MemberId) -> Result<bool, StoreError> {
    Ok(merchants::Entity::find_by_id(member).one(db).await?.is_some())
}

/// Turns on merchant mode; doing it twice changes nothing.
pub async fn enable(db: &impl ConnectionTrait, member: MemberId, now: Millis) -> Result<(), StoreError> {
    merchants::Entity::insert(merchants::ActiveModel { member_id: Set(member), enabled_at: Set(now) })
        .on_conflict(OnConflict::column(merchants::Column::MemberId).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The SHA-256 of a key's text, as stored.
pub fn key_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes a key and returns it with its text, which is never shown again:
/// `em_live_…` or `em_test_…` and 40 random hex digits.
pub async fn create_key(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    name: &str,
    mode: Mode,
    now: Millis,
) -> Result<(ApiKey, String), StoreError> {
    if !is_merchant(db, merchant).await? {
        return Err(Refused::MerchantModeOff.into());
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > KEY_NAME_MAX_CHARS {
        return Err(Refused::KeyName.into());
    }
    let random = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let secret = format!("em_{}_{}", mode.slug(), &random[..40]);
    let row = api_keys::ActiveModel {
        merchant_id: Set(merchant),
        name: Set(name.to_owned()),
        mode: Set(mode.slug().to_owned()),
        secret_hash: Set(key_hash(&secret)),
        last_four: Set(secret[secret.len() - 4..].to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((to_key(row)?, secret))
}

pub async fn keys(db: &impl ConnectionTrait, merchant: MemberId) -> Result<Vec<ApiKey>, StoreError> {
    api_keys::Entity::find()
        .filter(api_keys::Column::MerchantId.eq(merchant))
        .order_by_desc(api_keys::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_key)
        .collect()
}

/// Revokes one of the merchant's keys at once; another merchant's key is
/// not found.
pub async fn revoke_key(
    db: &impl ConnectionTrait,
    merchant: MemberId,
    key_id: i64,
    now: Millis,
) -> Result<(), StoreError> {
    let revoked = api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(now))
        .filter(api_keys::Column::Id.eq(key_id))
        .filter(api_keys::Column::MerchantId.eq(merchant))
        .filter(api_keys::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if revoked.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The live key with this text, if there is one, noting when it was used
/// (at most once a minute, so a busy key does not write on every call).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: Millis,
) -> Result<Option<Caller>, StoreError> {
    let Some(row) = api_keys::Entity::find()
        .filter(api_keys::Column::SecretHash.eq(key_hash(secret)))
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|at| now - at >= 60_000) {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(now))
            .filter(api_keys::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    let mode = row.mode.parse().map_err(|_| StoreError::Corrupt(format!("api key {} mode", row.id)))?;
    Ok(Some(Caller { key_id: row.id, merchant_id: row.merchant_id, mode }))
}

fn to_key(row: api_keys::Model) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        mode: row.mode.parse().map_err(|_| StoreError::Corrupt(format!("api key {} mode", row.id)))?,
        id: row.id,
        merchant_id: row.merchant_id,
        name: row.name,
        last_four: row.last_four,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}
