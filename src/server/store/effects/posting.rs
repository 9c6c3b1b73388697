//! The only code that writes the ledger: appending a transfer and moving
//! the two balances it touches. Private to the effects interpreter, so the
//! compiler refuses any other writer; a balance changes only in the
//! statement that goes with its appended transfer, guarded in the WHERE
//! clause, so concurrent payments can never overdraw a wallet.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::domain::ledger::{Account, Transfer};
use crate::server::clock::Millis;
use crate::server::entities::{accounts, transfers};
use crate::server::store::ledger::Reference;
use crate::server::store::{StoreError, unique_as_taken};

/// The account row's id, created on first use for a member's wallet.
async fn account_id(db: &impl ConnectionTrait, account: Account) -> Result<i64, StoreError> {
    let code = account.code();
    if let Some(row) = accounts::Entity::find().filter(accounts::Column::Code.eq(&code)).one(db).await? {
        return Ok(row.id);
    }
    accounts::Entity::insert(accounts::ActiveModel {
        code: Set(code.clone()),
        member_id: Set(account.member()),
        balance_fen: Set(0),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(accounts::Column::Code).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    accounts::Entity::find()
        .filter(accounts::Column::Code.eq(&code))
        .one(db)
        .await?
        .map(|row| row.id)
        .ok_or_else(|| StoreError::Corrupt(format!("account {code} vanished")))
}

/// Appends a transfer and moves the balances, in the caller's transaction.
/// A key already used refuses the transfer ([`StoreError::Conflict`]); a
/// debit that would overdraw refuses it ([`StoreError::InsufficientFunds`]).
pub(super) async fn post(
    db: &impl ConnectionTrait,
    transfer: &Transfer,
    reference: Reference,
    key: &str,
    now: Millis,
) -> Result<(), StoreError> {
    let amount = transfer.amount().fen();
    let debit = account_id(db, transfer.debit()).await?;
    let credit = account_id(db, transfer.credit()).await?;
    transfers::Entity::insert(transfers::ActiveModel {
        debit_account_id: Set(debit),
        credit_account_id: Set(credit),
        amount_fen: Set(amount),
        kind: Set(transfer.kind().slug().to_owned()),
        order_id: Set(reference.order_id),
        bank_operation_id: Set(reference.bank_operation_id),
        idempotency_key: Set(key.to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map_err(|e| match unique_as_taken(e, "idempotency_key") {
        StoreError::Taken(_) => StoreError::Conflict,
        other => other,
    })?;

    // Each balance moves only inside its bounds, checked in the statement
    // itself so that no race can pass them: a wallet never below zero nor
    // above the largest amount, no balance past what an i64 holds.
    let (debit_account, credit_account) = (transfer.debit(), transfer.credit());
    let debited = accounts::Entity::update_many()
        .col_expr(accounts::Column::BalanceFen, Expr::col(accounts::Column::BalanceFen).sub(amount))
        .filter(accounts::Column::Id.eq(debit))
        .filter(accounts::Column::BalanceFen.gte(debit_account.floor().saturating_add(amount)))
        .exec(db)
        .await?;
    if debited.rows_affected != 1 {
        return Err(if debit_account.may_go_negative() {
            StoreError::BalanceLimit(debit_account)
        } else {
            StoreError::InsufficientFunds
        });
    }
    let credited = accounts::Entity::update_many()
        .col_expr(accounts::Column::BalanceFen, Expr::col(accounts::Column::BalanceFen).add(amount))
        .filter(accounts::Column::Id.eq(credit))
        .filter(accounts::Column::BalanceFen.lte(credit_account.ceiling().saturating_sub(amount)))
        .exec(db)
        .await?;
    if credited.rows_affected != 1 {
        return Err(StoreError::BalanceLimit(credit_account));
    }
    crate::server::metrics::note_transfer(transfer.kind(), amount);
    Ok(())
}
