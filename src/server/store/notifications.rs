//! The in-app list of what happened and what to do next.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::StoreError;
use crate::domain::notices::Notice;
use crate::i18n::td_string;
use crate::labels;
use crate::language::Locale;
use crate::server::clock::Millis;
use crate::server::entities::{email_outbox, notifications, users};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    /// The English line written when it happened.
    pub message: String,
    /// What it is about, for wording it in the reader's language; none on
    /// rows from before it was kept.
    pub subject: Option<String>,
    pub read: bool,
    pub created_at: Millis,
}

pub async fn add(
    db: &impl ConnectionTrait,
    member_id: i64,
    notice: Notice,
    order_id: Option<i64>,
    subject: &str,
    now: Millis,
) -> Result<(), StoreError> {
    notifications::ActiveModel {
        member_id: Set(member_id),
        kind: Set(notice.slug().to_owned()),
        order_id: Set(order_id),
        // English as before, for anything reading the table directly; the
        // pages word it from the kind and subject in the reader's language.
        message: Set(labels::notice_line(Locale::en, notice, subject)),
        subject: Set(Some(subject.to_owned())),
        read_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // The same news for e-mail, in the member's language.
    if let Some(member) = users::Entity::find_by_id(member_id).one(db).await? {
        let l = language_of(&member);
        let line = labels::notice_line(l, notice, subject);
        let link = order_id
            .map(|id| format!("\n\n{}", td_string!(l, email.open_order, link = format!("/orders/{id}"))))
            .unwrap_or_default();
        email(db, &member, &line, &letter(l, &member, &format!("{line}{link}")), now).await?;
    }
    Ok(())
}

/// The language a member last used; Chinese for one who never chose.
pub fn language_of(member: &users::Model) -> Locale {
    member.locale.as_deref().and_then(|code| code.parse().ok()).unwrap_or_default()
}

/// A whole letter: greeting, text, signature.
pub fn letter(l: Locale, member: &users::Model, text: &str) -> String {
    let hello = td_string!(l, email.hello, name = &member.display_name);
    format!("{hello}\n\n{text}\n\n{}", td_string!(l, email.signature))
}

/// Queues an e-mail to a member, sent later by whatever delivers the outbox.
pub async fn email(
    db: &impl ConnectionTrait,
    member: &users::Model,
    subject: &str,
    body: &str,
    now: Millis,
) -> Result<(), StoreError> {
    email_outbox::ActiveModel {
        member_id: Set(member.id),
        to_address: Set(member.email.clone()),
        subject: Set(subject.chars().take(200).collect()),
        body: Set(body.to_owned()),
        created_at: Set(now),
        sent_at: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn unread_count(db: &impl ConnectionTrait, member_id: i64) -> Result<u64, StoreError> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::MemberId.eq(member_id))
        .filter(notifications::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// The newest first.
pub async fn recent(
    db: &impl ConnectionTrait,
    member_id: i64,
    limit: u64,
) -> Result<Vec<Notification>, StoreError> {
    Ok(notifications::Entity::find()
        .filter(notifications::Column::MemberId.eq(member_id))
        .order_by_desc(notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|row| Notification {
            id: row.id,
            kind: row.kind,
            order_id: row.order_id,
            message: row.message,
            subject: row.subject,
            read: row.read_at.is_some(),
            created_at: row.created_at,
        })
        .collect())
}

pub async fn mark_all_read(db: &impl ConnectionTrait, member_id: i64, now: Millis) -> Result<(), StoreError> {
    notifications::Entity::update_many()
        .col_expr(notifications::Column::ReadAt, Expr::value(now))
        .filter(notifications::Column::MemberId.eq(member_id))
        .filter(notifications::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
