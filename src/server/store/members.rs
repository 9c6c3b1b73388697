use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{StoreError, unique_as_taken};
use crate::domain::account::{NewMember, normalize_email};
use crate::i18n::td_string;
use crate::server::clock::Millis;
use crate::server::entities::users;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub created_at: Millis,
    pub is_arbiter: bool,
    /// Why the member may no longer sell, if suspended.
    pub suspension: Option<String>,
    /// Whether they followed the link mailed to their address (needed to
    /// sell and to withdraw).
    pub email_verified: bool,
    /// Sessions signed in under another generation are over.
    pub session_generation: i32,
}

impl From<users::Model> for Member {
    fn from(row: users::Model) -> Self {
        let suspension = row.suspended_at.map(|_| row.suspension_reason.clone().unwrap_or_default());
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            created_at: row.created_at,
            is_arbiter: row.is_arbiter,
            suspension,
            email_verified: row.email_verified_at.is_some(),
            session_generation: row.session_generation,
        }
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

/// Someone tried to sign up with a member's email. Sign-up does not say so
/// (that would tell a stranger who has an account); the owner hears it here.
pub async fn tell_owner_of_sign_up_attempt(
    db: &impl ConnectionTrait,
    email: &str,
    now: Millis,
) -> Result<(), StoreError> {
    let Some(owner) =
        users::Entity::find().filter(users::Column::Email.eq(normalize_email(email))).one(db).await?
    else {
        return Ok(());
    };
    let l = super::notifications::language_of(&owner);
    let body = super::notifications::letter(l, &owner, td_string!(l, email.sign_up_attempt_body));
    super::notifications::email(db, &owner, td_string!(l, email.sign_up_attempt_subject), &body, now).await
}

/// Remembers the language a member uses, for the e-mails sent to them.
pub async fn remember_language(
    db: &impl ConnectionTrait,
    member_id: i64,
    locale: crate::language::Locale,
) -> Result<(), StoreError> {
    users::Entity::update_many()
        .col_expr(users::Column::Locale, Expr::value(crate::language::code(locale)))
        .filter(users::Column::Id.eq(member_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Adds many members at once (demo data): (email, display name, joined at),
/// all with one password hash. Returns their ids in the same order.
pub async fn create_many(
    db: &impl ConnectionTrait,
    members: &[(String, String, Millis)],
    password_hash: &str,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(members.len());
    // A few hundred rows per statement stays under every backend's limit on
    // bound values.
    for chunk in members.chunks(500) {
        let rows = chunk.iter().map(|(email, name, joined)| users::ActiveModel {
            email: Set(normalize_email(email)),
            display_name: Set(name.clone()),
            password_hash: Set(password_hash.to_owned()),
            created_at: Set(*joined),
            // Demo members stand for shoppers who confirmed their address.
            email_verified_at: Set(Some(*joined)),
            ..Default::default()
        });
        let before = max_id(db).await?;
        users::Entity::insert_many(rows).exec(db).await?;
        let added: Vec<i64> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::Id.gt(before))
            .order_by_asc(users::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(added);
    }
    Ok(ids)
}

async fn max_id(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let max: Option<Option<i64>> = users::Entity::find()
        .select_only()
        .column_as(users::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// The public names of some members, by id (each asked once however often
/// it is listed).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    let ids: std::collections::HashSet<i64> = ids.into_iter().collect();
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::DisplayName)
        .filter(users::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
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

/// Makes the member with this email an arbiter; false when there is none.
pub async fn grant_arbiter(db: &impl ConnectionTrait, email: &str) -> Result<bool, StoreError> {
    let updated = users::Entity::update_many()
        .col_expr(users::Column::IsArbiter, Expr::value(true))
        .filter(users::Column::Email.eq(normalize_email(email)))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

pub async fn arbiters(db: &impl ConnectionTrait) -> Result<Vec<i64>, StoreError> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::IsArbiter.eq(true))
        .into_tuple()
        .all(db)
        .await?)
}

/// Stops a member selling: no new listings, no new orders on their listings.
pub async fn suspend(
    db: &impl ConnectionTrait,
    member_id: i64,
    reason: &str,
    now: Millis,
) -> Result<(), StoreError> {
    users::Entity::update_many()
        .col_expr(users::Column::SuspendedAt, Expr::value(now))
        .col_expr(users::Column::SuspensionReason, Expr::value(reason))
        .filter(users::Column::Id.eq(member_id))
        .filter(users::Column::SuspendedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
