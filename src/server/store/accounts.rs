//! Accounts beyond signing up: the single-use links mailed to confirm an
//! address or reset a password, and the session generation that ends
//! every session at once.
//!
//! A link's token is 256 random bits from the OS; only its SHA-256 is kept,
//! so a copy of the database (a backup, a read replica) holds no working
//! link. A new link of a purpose retires the member's earlier ones.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::{Refused, StoreError};
use crate::domain::account::{IssuedLink, LinkPurpose, LinkRefusal};
use crate::i18n::td_string;
use crate::server::clock::Millis;
use crate::server::entities::{account_tokens, users};

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a link's token for the member, retiring their unused ones of the
/// same purpose; returns the token (to mail, never to store).
pub async fn issue_link(
    db: &impl ConnectionTrait,
    member_id: i64,
    purpose: LinkPurpose,
    now: Millis,
) -> Result<String, StoreError> {
    let mut random = [0u8; 32];
    OsRng.fill_bytes(&mut random);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
    account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(now))
        .filter(account_tokens::Column::MemberId.eq(member_id))
        .filter(account_tokens::Column::Purpose.eq(purpose.slug()))
        .filter(account_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    account_tokens::ActiveModel {
        member_id: Set(member_id),
        purpose: Set(purpose.slug().to_owned()),
        token_hash: Set(digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime_ms()),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Whose link this is, if it may be used now for `purpose` (nothing is
/// changed: the page shows its form or why it cannot).
pub async fn check_link(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: LinkPurpose,
    now: Millis,
) -> Result<i64, StoreError> {
    let row = account_tokens::Entity::find()
        .filter(account_tokens::Column::TokenHash.eq(digest(token.trim())))
        .one(db)
        .await?
        .ok_or(Refused::Link(LinkRefusal::Unknown))?;
    let issued = IssuedLink {
        purpose: row.purpose.parse().map_err(|_| StoreError::Corrupt(format!("token {} purpose", row.id)))?,
        created_at: row.created_at,
        used_at: row.used_at,
    };
    issued.check(purpose, now).map_err(Refused::Link)?;
    Ok(row.member_id)
}

/// Uses the link: whose it was. Of two uses at once only one wins (the
/// update is conditional on the token being unused).
pub async fn use_link(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: LinkPurpose,
    now: Millis,
) -> Result<i64, StoreError> {
    let member_id = check_link(db, token, purpose, now).await?;
    let used = account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(now))
        .filter(account_tokens::Column::TokenHash.eq(digest(token.trim())))
        .filter(account_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Err(Refused::Link(LinkRefusal::Used).into());
    }
    Ok(member_id)
}

/// Marks the member's address as confirmed (once; a later confirmation
/// keeps the first time).
pub async fn confirm_email(db: &impl ConnectionTrait, member_id: i64, now: Millis) -> Result<(), StoreError> {
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
        .filter(users::Column::Id.eq(member_id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of the member: returns the new generation, under
/// which a session that should go on (the one changing the password) signs
/// in again.
pub async fn end_all_sessions(db: &impl ConnectionTrait, member_id: i64) -> Result<i32, StoreError> {
    users::Entity::update_many()
        .col_expr(users::Column::SessionGeneration, Expr::col(users::Column::SessionGeneration).add(1))
        .filter(users::Column::Id.eq(member_id))
        .exec(db)
        .await?;
    session_generation(db, member_id).await?.ok_or(StoreError::NotFound)
}

/// The member's session generation; none when the member is gone.
pub async fn session_generation(
    db: &impl ConnectionTrait,
    member_id: i64,
) -> Result<Option<i32>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(users::Entity::find_by_id(member_id)
        .select_only()
        .column(users::Column::SessionGeneration)
        .into_tuple::<i32>()
        .one(db)
        .await?)
}

/// Sets a new password and ends every session signed in with the old one;
/// returns the new session generation.
pub async fn set_password(
    db: &impl ConnectionTrait,
    member_id: i64,
    hash: String,
) -> Result<i32, StoreError> {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .filter(users::Column::Id.eq(member_id))
        .exec(db)
        .await?;
    end_all_sessions(db, member_id).await
}

/// The member's password hash, to check before a change.
pub async fn password_hash(db: &impl ConnectionTrait, member_id: i64) -> Result<String, StoreError> {
    Ok(users::Entity::find_by_id(member_id).one(db).await?.ok_or(StoreError::NotFound)?.password_hash)
}

/// Mails the member a link: `{public_url}{path}?token=…`, in their language.
pub async fn mail_link(
    db: &impl ConnectionTrait,
    member_id: i64,
    purpose: LinkPurpose,
    public_url: &str,
    now: Millis,
) -> Result<(), StoreError> {
    let member = users::Entity::find_by_id(member_id).one(db).await?.ok_or(StoreError::NotFound)?;
    let token = issue_link(db, member_id, purpose, now).await?;
    let l = super::notifications::language_of(&member);
    let (path, subject, text) = match purpose {
        LinkPurpose::VerifyEmail => {
            ("/verify-email", td_string!(l, email.verify_subject), td_string!(l, email.verify_body))
        }
        LinkPurpose::ResetPassword => {
            ("/reset-password", td_string!(l, email.reset_subject), td_string!(l, email.reset_body))
        }
    };
    let link = format!("{}{path}?token={token}", public_url.trim_end_matches('/'));
    let body = super::notifications::letter(l, &member, &format!("{text}\n\n{link}"));
    super::notifications::email(db, &member, subject, &body, now).await
}

/// Whether the member may sell and withdraw: their address is confirmed.
pub async fn require_confirmed_email(db: &impl ConnectionTrait, member_id: i64) -> Result<(), StoreError> {
    let member = super::members::find(db, member_id).await?.ok_or(StoreError::NotFound)?;
    if member.email_verified { Ok(()) } else { Err(Refused::EmailNotConfirmed.into()) }
}

/// Tells the member by e-mail that their password changed, so a change
/// they did not make does not go unnoticed.
pub async fn tell_password_changed(
    db: &impl ConnectionTrait,
    member_id: i64,
    now: Millis,
) -> Result<(), StoreError> {
    let member = users::Entity::find_by_id(member_id).one(db).await?.ok_or(StoreError::NotFound)?;
    let l = super::notifications::language_of(&member);
    let body = super::notifications::letter(l, &member, td_string!(l, email.password_changed_body));
    super::notifications::email(db, &member, td_string!(l, email.password_changed_subject), &body, now).await
}
