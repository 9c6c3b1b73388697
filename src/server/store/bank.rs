//! Bank operations as stored: starting one, applying the bank's answer once
//! (a second delivery finds it settled and changes nothing), and failing
//! one the bank never received. What each moves is the rules' decision
//! (`domain::bank`); the effects interpreter carries it out.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::effects::{self, Scope};
use super::ledger::{self, Reference};
use super::{Refused, StoreError, orders};
use crate::domain::bank::{self, BankError, BankVerdict, OperationKind, OperationStatus};
use crate::domain::effects::Transition;
use crate::domain::ledger::{Account, MemberId};
use crate::domain::money::Money;
use crate::domain::order::{OrderState, Rules};
use crate::server::clock::Millis;
use crate::server::entities::bank_operations;

/// A bank operation as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: i64,
    pub member_id: i64,
    pub kind: OperationKind,
    pub amount: Money,
    pub status: OperationStatus,
    pub reference: String,
    pub pay_order_id: Option<i64>,
    pub failure: Option<String>,
    pub created_at: Millis,
}

impl Operation {
    fn rules_view(&self) -> bank::Operation {
        bank::Operation {
            member: self.member_id,
            kind: self.kind,
            status: self.status,
            amount: self.amount,
            pays_order: self.pay_order_id.is_some(),
        }
    }

    fn scope(&self, step: &str) -> Scope {
        let what = match self.kind {
            OperationKind::TopUp => "top-up",
            OperationKind::Withdrawal => "withdrawal",
        };
        Scope {
            key: format!("bank:{}:{step}", self.reference),
            reference: Reference { bank_operation_id: Some(self.id), ..Default::default() },
            account_holder: Some(self.member_id),
            order_id: self.pay_order_id,
            subject: format!("{what} of {}", self.amount),
            ..Default::default()
        }
    }
}

impl From<BankError> for StoreError {
    fn from(error: BankError) -> Self {
        match error {
            BankError::NothingToMove => Refused::NothingToMove.into(),
            BankError::AlreadySettled => StoreError::Conflict,
            BankError::Ledger(e) => StoreError::Corrupt(e.to_string()),
        }
    }
}

/// Starts a top-up or a withdrawal and returns its reference, and whether it
/// is new. Paying an order by bank while an earlier bank payment for it is
/// on its way starts nothing and answers with that one (the order row stays
/// locked until the transaction ends, so concurrent requests take turns).
/// Reached through `commands::execute`.
pub(super) async fn start(
    txn: &DatabaseTransaction,
    member_id: MemberId,
    kind: OperationKind,
    amount: Money,
    pay_order_id: Option<i64>,
    now: Millis,
    rules: &Rules,
) -> Result<(String, bool), StoreError> {
    if let Some(order_id) = pay_order_id {
        let record = orders::find_locked(txn, order_id).await?.ok_or(StoreError::NotFound)?;
        if record.order.buyer != member_id {
            return Err(StoreError::NotFound);
        }
        if record.order.state != OrderState::AwaitingPayment || amount != record.order.amount {
            return Err(Refused::NotAwaitingPayment.into());
        }
        if let Some(pending) = pending_for_order(txn, order_id).await? {
            return Ok((pending.reference, false));
        }
    }
    let transition = bank::Operation::start(member_id, kind, amount, pay_order_id.is_some())?;
    if kind == OperationKind::TopUp {
        check_room_for(txn, member_id, amount).await?;
    }
    let reference = uuid::Uuid::new_v4().simple().to_string();
    let row = bank_operations::ActiveModel {
        member_id: Set(member_id),
        kind: Set(kind.slug().into()),
        amount_fen: Set(amount.fen()),
        status: Set(OperationStatus::Pending.slug().into()),
        reference: Set(reference.clone()),
        pay_order_id: Set(pay_order_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let op = to_operation(row)?;
    effects::carry_out(txn, &op.scope("hold"), &transition.effects, now, rules).await?;
    Ok((reference, true))
}

/// Refused now rather than when the bank has already sent the money: the
/// wallet plus every top-up still on its way must fit under its ceiling.
async fn check_room_for(
    txn: &DatabaseTransaction,
    member_id: MemberId,
    amount: Money,
) -> Result<(), StoreError> {
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
        .filter(bank_operations::Column::Status.eq(OperationStatus::Pending.slug()))
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    let after = ledger::balance_fen(txn, wallet)
        .await?
        .checked_add(on_the_way.unwrap_or(0))
        .and_then(|fen| fen.checked_add(amount.fen()));
    if after.is_none_or(|fen| fen > wallet.ceiling()) {
        return Err(StoreError::BalanceLimit(wallet));
    }
    Ok(())
}

/// Applies the bank's verdict once; returns the order the operation was
/// paying for (if any), or `None` when it had been settled before.
pub(super) async fn settle(
    txn: &DatabaseTransaction,
    reference: &str,
    verdict: BankVerdict,
    now: Millis,
    rules: &Rules,
) -> Result<Option<Option<i64>>, StoreError> {
    let op = find_by_reference(txn, reference).await?.ok_or(StoreError::NotFound)?;
    let transition = match bank::settle(&op.rules_view(), verdict) {
        Err(BankError::AlreadySettled) => return Ok(None),
        other => other?,
    };
    if !claim_status(txn, &op, transition.next, None, now).await? {
        return Ok(None);
    }
    // A top-up the wallet can no longer take (it filled up, by sales say,
    // after the top-up was asked for) goes back to the bank: tried in a
    // savepoint, so the refusal leaves nothing behind.
    let noted = crate::server::metrics::mark();
    let savepoint = txn.begin().await?;
    match effects::carry_out(&savepoint, &op.scope("settle"), &transition.effects, now, rules).await {
        Ok(()) => savepoint.commit().await?,
        Err(StoreError::BalanceLimit(account)) if account.member().is_some() => {
            crate::server::metrics::forget_since(noted);
            savepoint.rollback().await?;
            give_back_top_up(txn, &op, now, rules).await?;
        }
        Err(other) => return Err(other),
    }
    Ok(Some(op.pay_order_id))
}

/// The bank could not be reached: a top-up is marked failed; a withdrawal's
/// hold comes back to the wallet.
pub(super) async fn fail(
    txn: &DatabaseTransaction,
    reference: &str,
    reason: &str,
    now: Millis,
    rules: &Rules,
) -> Result<Option<Option<i64>>, StoreError> {
    let op = find_by_reference(txn, reference).await?.ok_or(StoreError::NotFound)?;
    let transition: Transition<OperationStatus> = match bank::fail(&op.rules_view()) {
        Err(BankError::AlreadySettled) => return Ok(None),
        other => other?,
    };
    if !claim_status(txn, &op, transition.next, Some(reason), now).await? {
        return Ok(None);
    }
    effects::carry_out(txn, &op.scope("settle"), &transition.effects, now, rules).await?;
    Ok(Some(op.pay_order_id))
}

/// Moves a pending operation to its new status; `false` when another
/// delivery got there first.
async fn claim_status(
    txn: &DatabaseTransaction,
    op: &Operation,
    status: OperationStatus,
    failure: Option<&str>,
    now: Millis,
) -> Result<bool, StoreError> {
    let claimed = bank_operations::Entity::update_many()
        .col_expr(bank_operations::Column::Status, Expr::value(status.slug()))
        .col_expr(bank_operations::Column::Failure, Expr::value(failure.map(str::to_owned)))
        .col_expr(bank_operations::Column::SettledAt, Expr::value(now))
        .filter(bank_operations::Column::Id.eq(op.id))
        .filter(bank_operations::Column::Status.eq(OperationStatus::Pending.slug()))
        .exec(txn)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// A confirmed top-up that the wallet cannot take: marked failed (the money
/// returns to the bank), and the member is told.
async fn give_back_top_up(
    txn: &DatabaseTransaction,
    op: &Operation,
    now: Millis,
    rules: &Rules,
) -> Result<(), StoreError> {
    bank_operations::Entity::update_many()
        .col_expr(bank_operations::Column::Status, Expr::value(OperationStatus::Failed.slug()))
        .col_expr(bank_operations::Column::Failure, Expr::value(crate::server::wallet_full()))
        .filter(bank_operations::Column::Id.eq(op.id))
        .exec(txn)
        .await?;
    let told = crate::domain::effects::Effect::Notify(
        crate::domain::notices::Party::AccountHolder,
        crate::domain::notices::Notice::BankRefused,
    );
    effects::carry_out(txn, &op.scope("given-back"), &[told], now, rules).await
}

/// The bank payment on its way for this order, if there is one.
pub async fn pending_for_order(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<Operation>, StoreError> {
    bank_operations::Entity::find()
        .filter(bank_operations::Column::PayOrderId.eq(order_id))
        .filter(bank_operations::Column::Status.eq(OperationStatus::Pending.slug()))
        .one(db)
        .await?
        .map(to_operation)
        .transpose()
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

/// A stored row as the rules see it. A kind or status they do not know is
/// corrupt data: an error that aborts the transaction, never skipped.
fn to_operation(row: bank_operations::Model) -> Result<Operation, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("bank operation {} {what}", row.id));
    Ok(Operation {
        id: row.id,
        member_id: row.member_id,
        kind: row.kind.parse().map_err(|_| corrupt("kind"))?,
        amount: Money::from_fen(row.amount_fen).map_err(|_| corrupt("amount"))?,
        status: row.status.parse().map_err(|_| corrupt("status"))?,
        reference: row.reference,
        pay_order_id: row.pay_order_id,
        failure: row.failure,
        created_at: row.created_at,
    })
}
