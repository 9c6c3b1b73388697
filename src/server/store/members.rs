use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{StoreError, unique_as_taken};
use crate::domain::account::{NewMember, normalize_email};
use crate::server::clock::Millis;
use crate::server::entities::users;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub created_at: Millis,
}

impl From<users::Model> for Member {
    fn from(row: users::Model) -> Self {
        Self { id: row.id, email: row.email, display_name: row.display_name, created_at: row.created_at }
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    member: &NewMember,
    password_hash: String,
    now: Millis,
) -> Result<Member, StoreError> {
    let row = users::ActiveModel {
        email: Set(member.email.clone()),
        display_name: Set(member.display_name.clone()),
        password_hash: Set(password_hash),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| unique_as_taken(e, "email"))?;
    Ok(row.into())
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<Member>, StoreError> {
    Ok(users::Entity::find_by_id(id).one(db).await?.map(Member::from))
}

/// The member and their password hash, for signing in.
pub async fn find_for_sign_in(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<(Member, String)>, StoreError> {
    let row = users::Entity::find().filter(users::Column::Email.eq(normalize_email(email))).one(db).await?;
    Ok(row.map(|row| {
        let hash = row.password_hash.clone();
        (Member::from(row), hash)
    }))
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(users::Entity::find().count(db).await?)
}
