//! The one interpreter of the rules' effects. Every transition of an order,
//! a fraud claim or a bank operation hands its effects here, inside the
//! transaction of the state change: transfers (the only ledger writes),
//! stock, notifications and their e-mails, seller suspension, and the
//! payment a bank top-up was for.

mod posting;

use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use super::ledger::Reference;
use super::{StoreError, members, notifications};
use crate::domain::effects::Effect;
use crate::domain::ledger::MemberId;
use crate::domain::notices::Party;
use crate::domain::order::{Event, Rules};
use crate::server::clock::Millis;
use crate::server::entities::listings;

/// What a set of effects is about: who the parties are, what the money
/// belongs to, and what notifications call it.
#[derive(Clone, Debug, Default)]
pub(super) struct Scope {
    /// Unique for this transition; each transfer's idempotency key extends it.
    pub key: String,
    pub reference: Reference,
    pub buyer: Option<MemberId>,
    pub seller: Option<MemberId>,
    pub account_holder: Option<MemberId>,
    pub listing_id: Option<i64>,
    pub order_id: Option<i64>,
    /// What notifications say it is about: a listing's title, "top-up of ¥10.00".
    pub subject: String,
    /// Why the seller is suspended, for [`Effect::SuspendSeller`].
    pub suspension: Option<String>,
}

/// Carries out every effect in order. Any failure fails the whole
/// transaction: a transfer that cannot be made stops the transition it
/// belongs to.
pub(super) async fn carry_out(
    txn: &DatabaseTransaction,
    scope: &Scope,
    effects: &[Effect],
    now: Millis,
    rules: &Rules,
) -> Result<(), StoreError> {
    for (n, effect) in effects.iter().enumerate() {
        match effect {
            Effect::Transfer(transfer) => {
                let key = format!("{}:{}:{n}", scope.key, transfer.kind().slug());
                posting::post(txn, transfer, scope.reference, &key, now).await?;
            }
            Effect::RestoreStock(quantity) => {
                let listing = needed(scope.listing_id, "a listing to restock")?;
                let quantity =
                    i32::try_from(*quantity).map_err(|_| StoreError::Corrupt("quantity".into()))?;
                listings::Entity::update_many()
                    .col_expr(listings::Column::Stock, Expr::col(listings::Column::Stock).add(quantity))
                    .filter(listings::Column::Id.eq(listing))
                    .exec(txn)
                    .await?;
            }
            Effect::Notify(party, notice) => {
                for member in recipients(txn, scope, *party).await? {
                    notifications::add(txn, member, *notice, scope.order_id, &scope.subject, now).await?;
                }
            }
            Effect::SuspendSeller => {
                let seller = needed(scope.seller, "a seller to suspend")?;
                let reason = scope.suspension.as_deref().unwrap_or_default();
                members::suspend(txn, seller, reason, now).await?;
            }
            Effect::PayOrder => {
                let order = needed(scope.order_id, "an order to pay")?;
                let payer = needed(scope.account_holder, "a payer")?;
                // In the same transaction, so the money never sits credited
                // but unspent; if the order can no longer be paid (it was
                // cancelled meanwhile), it stays in the wallet.
                let noted = crate::server::metrics::mark();
                let savepoint = txn.begin().await?;
                let actor = super::commands::Actor::Member(payer);
                match Box::pin(super::orders::transition(&savepoint, order, &Event::Pay, actor, now, rules))
                    .await
                {
                    Ok(_) => savepoint.commit().await?,
                    Err(e) => {
                        tracing::info!(order, error = %e, "topped up for an order that could not be paid");
                        crate::server::metrics::forget_since(noted);
                        savepoint.rollback().await?;
                    }
                }
            }
        }
    }
    Ok(())
}

async fn recipients(
    txn: &DatabaseTransaction,
    scope: &Scope,
    party: Party,
) -> Result<Vec<MemberId>, StoreError> {
    Ok(match party {
        Party::Buyer => vec![needed(scope.buyer, "a buyer to tell")?],
        Party::Seller => vec![needed(scope.seller, "a seller to tell")?],
        Party::AccountHolder => vec![needed(scope.account_holder, "an account holder to tell")?],
        Party::Arbiters => members::arbiters(txn).await?,
    })
}

/// A part of the scope an effect cannot do without. Missing means the rules
/// and the store disagree: an error that stops the transaction, never a
/// quiet skip.
fn needed<T>(value: Option<T>, what: &str) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Corrupt(format!("an effect needs {what}")))
}
