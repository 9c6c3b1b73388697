//! Money entering and leaving through the partner bank. A top-up is only a
//! pending operation until the bank confirms it; a withdrawal holds the
//! money in `withdrawals_pending` until the bank confirms (it leaves) or
//! refuses (it comes back). The bank's callbacks are applied exactly once:
//! a second delivery finds the operation settled and changes nothing.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};

use super::ledger::{self, Reference};
use super::orders::{self, Actor};
use super::{StoreError, notifications};
use crate::domain::ledger::{Account, Transfer, TransferKind};
use crate::domain::money::Money;
use crate::domain::order::{Event, Notice, Rules};
use crate::server::clock::Millis;
use crate::server::db::begin_write;
use crate::server::entities::bank_operations;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    TopUp,
    Withdrawal,
}

impl OperationKind {
    pub fn slug(self) -> &'static str {
        match self {
            OperationKind::TopUp => "top_up",
            OperationKind::Withdrawal => "withdrawal",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Confirmed,
    Rejected,
    /// The bank could not be reached; nothing moved (or the hold came back).
    Failed,
}

impl Status {
    pub fn slug(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirmed => "confirmed",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        [Status::Pending, Status::Confirmed, Status::Rejected, Status::Failed]
            .into_iter()
            .find(|s| s.slug() == slug)
    }
}

/// What the bank says about an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankVerdict {
    Confirmed,
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: i64,
    pub member_id: i64,
    pub kind: String,
    pub amount: Money,
    pub status: Status,
    pub reference: String,
    pub pay_order_id: Option<i64>,
    pub failure: Option<String>,
    pub created_at: Millis,
}

/// What applying a callback did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    Applied,
    /// A repeat or late delivery: the operation was settled before.
    AlreadySettled,
}

/// Records a top-up awaiting the bank, optionally to pay an order with.
pub async fn create_top_up(
    db: &impl ConnectionTrait,
    member_id: i64,
    amount: Money,
    pay_order_id: Option<i64>,
    reference: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    if amount.is_zero() {
        return Err(StoreError::Invalid("Enter an amount above ¥0.00".into()));
    }
    // Refused now rather than when the bank has already sent the money:
    // the wallet plus every top-up still on its way must fit.
    let wallet = Account::Available(member_id);
    let on_the_way: Option<i64> = bank_operations::Entity::find()
        .select_only()
        // PostgreSQL sums a BIGINT as NUMERIC; cast back to read it as i64.
        .column_as(
            Expr::from(Func::cast_as(Func::sum(Expr::col(bank_operations::Column::AmountFen)), "BIGINT")),
            "total",
        )
        .filter(bank_operations::Column::MemberId.eq(member_id))
        .filter(bank_operations::Column::Kind.eq(OperationKind::TopUp.slug()))
        .filter(bank_operations::Column::Status.eq(Status::Pending.slug()))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let after = ledger::balance_fen(db, wallet)
        .await?
        .checked_add(on_the_way.unwrap_or(0))
        .and_then(|fen| fen.checked_add(amount.fen()));
    if after.is_none_or(|fen| fen > wallet.ceiling()) {
        return Err(StoreError::BalanceLimit(wallet));
    }
    let row = bank_operations::ActiveModel {
        member_id: Set(member_id),
        kind: Set(OperationKind::TopUp.slug().into()),
        amount_fen: Set(amount.fen()),
        status: Set(Status::Pending.slug().into()),
        reference: Set(reference.to_owned()),
        pay_order_id: Set(pay_order_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Records a withdrawal and holds its money in `withdrawals_pending`.
pub async fn create_withdrawal(
    db: &impl ConnectionTrait,
    member_id: i64,
    amount: Money,
    reference: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    if amount.is_zero() {
        return Err(StoreError::Invalid("Enter an amount above ¥0.00".into()));
    }
    let row = bank_operations::ActiveModel {
        member_id: Set(member_id),
        kind: Set(OperationKind::Withdrawal.slug().into()),
        amount_fen: Set(amount.fen()),
        status: Set(Status::Pending.slug().into()),
        reference: Set(reference.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let hold = Transfer::new(
        Account::Available(member_id),
        Account::WithdrawalsPending,
        amount,
        TransferKind::Withdrawal,
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let reference_ids = Reference { bank_operation_id: Some(row.id), ..Default::default() };
    ledger::post(db, &hold, reference_ids, &format!("bank:{reference}:hold"), now).await?;
    Ok(row.id)
}

/// Applies the bank's verdict once. Confirmed top-ups credit the wallet (and
/// pay the order they were for, if it can still be paid); confirmed
/// withdrawals leave; refused withdrawals come back.
pub async fn settle(
    db: &DatabaseConnection,
    reference: &str,
    verdict: BankVerdict,
    now: Millis,
    rules: &Rules,
) -> Result<Settlement, StoreError> {
    let txn = begin_write(db).await?;
    let settled = settle_in(&txn, reference, verdict, now, rules).await?;
    txn.commit().await?;
    Ok(settled)
}

/// [`settle`] inside the caller's transaction.
pub async fn settle_in<C>(
    txn: &C,
    reference: &str,
    verdict: BankVerdict,
    now: Millis,
    rules: &Rules,
) -> Result<Settlement, StoreError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let op = find_by_reference(txn, reference).await?.ok_or(StoreError::NotFound)?;
    if op.status != Status::Pending {
        return Ok(Settlement::AlreadySettled);
    }
    let status = match verdict {
        BankVerdict::Confirmed => Status::Confirmed,
        BankVerdict::Rejected => Status::Rejected,
    };
    let claimed = bank_operations::Entity::update_many()
        .col_expr(bank_operations::Column::Status, Expr::value(status.slug()))
        .col_expr(bank_operations::Column::SettledAt, Expr::value(now))
        .filter(bank_operations::Column::Id.eq(op.id))
        .filter(bank_operations::Column::Status.eq(Status::Pending.slug()))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Settlement::AlreadySettled);
    }
    let reference_ids = Reference { bank_operation_id: Some(op.id), ..Default::default() };
    let member = Account::Available(op.member_id);
    let transfer = match (op.kind.as_str(), verdict) {
        ("top_up", BankVerdict::Confirmed) => {
            Some(Transfer::new(Account::BankClearing, member, op.amount, TransferKind::TopUp))
        }
        ("withdrawal", BankVerdict::Confirmed) => Some(Transfer::new(
            Account::WithdrawalsPending,
            Account::BankClearing,
            op.amount,
            TransferKind::WithdrawalSettled,
        )),
        ("withdrawal", BankVerdict::Rejected) => Some(Transfer::new(
            Account::WithdrawalsPending,
            member,
            op.amount,
            TransferKind::WithdrawalReturned,
        )),
        _ => None,
    };
    if let Some(transfer) = transfer {
        let transfer = transfer.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let key = format!("bank:{reference}:settle");
        let savepoint = txn.begin().await?;
        match ledger::post(&savepoint, &transfer, reference_ids, &key, now).await {
            Ok(()) => savepoint.commit().await?,
            // The wallet filled up (by sales, say) after the top-up was
            // asked for: the money goes back to the bank, nothing is paid.
            Err(StoreError::BalanceLimit(account)) if account.member().is_some() => {
                savepoint.rollback().await?;
                return give_back_top_up(txn, &op, now).await;
            }
            Err(other) => return Err(other),
        }
    }
    if let (Some(order_id), BankVerdict::Confirmed) = (op.pay_order_id, verdict) {
        // Pay in the same transaction, so the money never sits credited but
        // unspent; if the order can no longer be paid, it stays in the wallet.
        let savepoint = txn.begin().await?;
        match orders::apply_event_in(
            &savepoint,
            order_id,
            &Event::Pay,
            Actor::Member(op.member_id),
            now,
            rules,
        )
        .await
        {
            Ok(_) => savepoint.commit().await?,
            Err(e) => {
                tracing::info!(order_id, error = %e, "topped up for an order that could not be paid");
                savepoint.rollback().await?;
            }
        }
    }
    let notice = match verdict {
        BankVerdict::Confirmed => Notice::TopUpArrived,
        BankVerdict::Rejected => Notice::BankRefused,
    };
    let what = format!("{} {}", if op.kind == "top_up" { "top-up of" } else { "withdrawal of" }, op.amount);
    notifications::add(txn, op.member_id, notice, op.pay_order_id, &what, now).await?;
    Ok(Settlement::Applied)
}

/// A confirmed top-up that the wallet cannot take: marked failed (the money
/// returns to the bank), and the member is told.
async fn give_back_top_up(
    txn: &impl ConnectionTrait,
    op: &Operation,
    now: Millis,
) -> Result<Settlement, StoreError> {
    bank_operations::Entity::update_many()
        .col_expr(bank_operations::Column::Status, Expr::value(Status::Failed.slug()))
        .col_expr(bank_operations::Column::Failure, Expr::value(crate::server::wallet_full()))
        .filter(bank_operations::Column::Id.eq(op.id))
        .exec(txn)
        .await?;
    let what = format!("top-up of {}", op.amount);
    notifications::add(txn, op.member_id, Notice::BankRefused, op.pay_order_id, &what, now).await?;
    Ok(Settlement::Applied)
}

/// The bank could not be reached: a top-up is marked failed; a withdrawal's
/// hold is returned to the wallet.
pub async fn fail(
    db: &DatabaseConnection,
    reference: &str,
    reason: &str,
    now: Millis,
) -> Result<(), StoreError> {
    let txn = begin_write(db).await?;
    let op = find_by_reference(&txn, reference).await?.ok_or(StoreError::NotFound)?;
    let updated = bank_operations::Entity::update_many()
        .col_expr(bank_operations::Column::Status, Expr::value(Status::Failed.slug()))
        .col_expr(bank_operations::Column::Failure, Expr::value(reason))
        .col_expr(bank_operations::Column::SettledAt, Expr::value(now))
        .filter(bank_operations::Column::Id.eq(op.id))
        .filter(bank_operations::Column::Status.eq(Status::Pending.slug()))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 1 && op.kind == OperationKind::Withdrawal.slug() {
        let back = Transfer::new(
            Account::WithdrawalsPending,
            Account::Available(op.member_id),
            op.amount,
            TransferKind::WithdrawalReturned,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let reference_ids = Reference { bank_operation_id: Some(op.id), ..Default::default() };
        ledger::post(&txn, &back, reference_ids, &format!("bank:{reference}:settle"), now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Whether a top-up meant to pay this order is still waiting for the bank.
pub async fn pending_for_order(db: &impl ConnectionTrait, order_id: i64) -> Result<bool, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(bank_operations::Entity::find()
        .filter(bank_operations::Column::PayOrderId.eq(order_id))
        .filter(bank_operations::Column::Status.eq(Status::Pending.slug()))
        .count(db)
        .await?
        > 0)
}

pub async fn find_by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Option<Operation>, StoreError> {
    bank_operations::Entity::find()
        .filter(bank_operations::Column::Reference.eq(reference))
        .one(db)
        .await?
        .map(to_operation)
        .transpose()
}

pub async fn recent_for_member(
    db: &impl ConnectionTrait,
    member_id: i64,
    limit: u64,
) -> Result<Vec<Operation>, StoreError> {
    bank_operations::Entity::find()
        .filter(bank_operations::Column::MemberId.eq(member_id))
        .order_by_desc(bank_operations::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_operation)
        .collect()
}

fn to_operation(row: bank_operations::Model) -> Result<Operation, StoreError> {
    Ok(Operation {
        id: row.id,
        member_id: row.member_id,
        amount: Money::from_fen(row.amount_fen).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        status: Status::from_slug(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("bank operation {} status", row.id)))?,
        kind: row.kind,
        reference: row.reference,
        pay_order_id: row.pay_order_id,
        failure: row.failure,
        created_at: row.created_at,
    })
}
