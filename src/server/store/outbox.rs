//! The e-mail outbox as the sender sees it: due messages claimed with a
//! lease (so two instances send each once), and what each attempt came to.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::StoreError;
use crate::server::clock::Millis;
use crate::server::entities::email_outbox;

/// A message claimed for one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEmail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    Accepted,
    /// Worth another try later (a 4xx answer, no connection, a timeout).
    Transient(String),
    /// The server refused it for good (a 5xx answer: no such mailbox…).
    Permanent(String),
}

fn unsent() -> Condition {
    Condition::all().add(email_outbox::Column::SentAt.is_null()).add(email_outbox::Column::FailedAt.is_null())
}

/// Claims up to `limit` messages due now that no other sender holds.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: Millis,
    lease: Millis,
    limit: u64,
) -> Result<Vec<DueEmail>, StoreError> {
    let lease_of = super::leases::Lease::<email_outbox::Entity> {
        id: email_outbox::Column::Id,
        claimed_until: email_outbox::Column::ClaimedUntil,
        order_by: email_outbox::Column::NextAttemptAt,
    };
    let ready = unsent().add(email_outbox::Column::NextAttemptAt.lte(now));
    Ok(lease_of
        .claim(db, ready, |m| m.id, now, lease, limit)
        .await?
        .into_iter()
        .map(|m| DueEmail {
            id: m.id,
            to_address: m.to_address,
            subject: m.subject,
            body: m.body,
            attempts: m.attempts,
        })
        .collect())
}

/// Records an attempt: sent, given up, or due again after the schedule's
/// next wait (`retry_ms[n]` after the n-th failure; past its end, given up).
pub async fn record(
    db: &impl ConnectionTrait,
    email: &DueEmail,
    sent: &Sent,
    now: Millis,
    retry_ms: &[i64],
) -> Result<(), StoreError> {
    let update = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Attempts, Expr::value(email.attempts + 1))
        .col_expr(email_outbox::Column::ClaimedUntil, Expr::value(Option::<i64>::None));
    let update = match sent {
        Sent::Accepted => update
            .col_expr(email_outbox::Column::SentAt, Expr::value(now))
            .col_expr(email_outbox::Column::LastError, Expr::value(Option::<String>::None)),
        Sent::Permanent(error) => update
            .col_expr(email_outbox::Column::FailedAt, Expr::value(now))
            .col_expr(email_outbox::Column::LastError, Expr::value(error.clone())),
        Sent::Transient(error) => {
            let update = update.col_expr(email_outbox::Column::LastError, Expr::value(error.clone()));
            match usize::try_from(email.attempts).ok().and_then(|n| retry_ms.get(n)) {
                Some(wait) => update.col_expr(email_outbox::Column::NextAttemptAt, Expr::value(now + wait)),
                None => update.col_expr(email_outbox::Column::FailedAt, Expr::value(now)),
            }
        }
    };
    update.filter(email_outbox::Column::Id.eq(email.id)).exec(db).await?;
    Ok(())
}

/// How many messages wait to be sent, for the health of the outbox.
pub async fn waiting(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(email_outbox::Entity::find().filter(unsent()).count(db).await?)
}
