//! Reading balances, statements and the audit's figures. Writing the
//! ledger belongs to the effects interpreter alone (`effects::posting`).

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use super::StoreError;
use crate::domain::ledger::{Account, Balances, TransferKind};
use crate::domain::money::Money;
use crate::server::clock::Millis;
use crate::server::entities::{accounts, transfers};

/// What a transfer belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reference {
    pub order_id: Option<i64>,
    pub bank_operation_id: Option<i64>,
}

/// A balance that cannot be negative (a wallet, escrow), as money.
pub async fn balance(db: &impl ConnectionTrait, account: Account) -> Result<Money, StoreError> {
    let fen = balance_fen(db, account).await?;
    Money::from_fen(fen).map_err(|e| StoreError::Corrupt(format!("{account} balance {fen}: {e}")))
}

/// Any balance in fen, including the ones that may be negative.
pub async fn balance_fen(db: &impl ConnectionTrait, account: Account) -> Result<i64, StoreError> {
    Ok(accounts::Entity::find()
        .filter(accounts::Column::Code.eq(account.code()))
        .one(db)
        .await?
        .map(|row| row.balance_fen)
        .unwrap_or(0))
}

/// One line of a member's statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub at: Millis,
    pub kind: TransferKind,
    pub order_id: Option<i64>,
    /// Positive when money came into the wallet.
    pub change_fen: i64,
    pub balance_after_fen: i64,
}

/// Every movement of a member's wallet, oldest first, with the running balance.
pub async fn statement(db: &impl ConnectionTrait, member_id: i64) -> Result<Vec<StatementLine>, StoreError> {
    let Some(wallet) = accounts::Entity::find()
        .filter(accounts::Column::Code.eq(Account::Available(member_id).code()))
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let rows = transfers::Entity::find()
        .filter(
            transfers::Column::DebitAccountId
                .eq(wallet.id)
                .or(transfers::Column::CreditAccountId.eq(wallet.id)),
        )
        .order_by_asc(transfers::Column::Id)
        .all(db)
        .await?;
    let mut running = 0i64;
    rows.into_iter()
        .map(|row| {
            let change = if row.credit_account_id == wallet.id { row.amount_fen } else { -row.amount_fen };
            running += change;
            Ok(StatementLine {
                at: row.created_at,
                kind: row
                    .kind
                    .parse::<TransferKind>()
                    .ok()
                    .ok_or_else(|| StoreError::Corrupt(format!("transfer {} kind {}", row.id, row.kind)))?,
                order_id: row.order_id,
                change_fen: change,
                balance_after_fen: running,
            })
        })
        .collect()
}

#[derive(Debug, FromQueryResult)]
struct KeyCount {
    idempotency_key: String,
    n: i64,
}

#[derive(Debug, FromQueryResult)]
struct AccountSum {
    account_id: i64,
    total: i64,
}

/// Balances as stored and as recomputed from the transfer log, and any
/// repeated idempotency key, for the audit.
pub async fn audit_figures(
    db: &impl ConnectionTrait,
) -> Result<(Balances, Balances, Vec<(String, u64)>, u64), StoreError> {
    let rows = accounts::Entity::find().all(db).await?;
    let mut codes = HashMap::new();
    let mut stored = Balances::default();
    for row in &rows {
        let account = Account::from_code(&row.code)
            .ok_or_else(|| StoreError::Corrupt(format!("account code {}", row.code)))?;
        codes.insert(row.id, account);
        stored.set(account, row.balance_fen);
    }

    let mut recomputed = Balances::default();
    for (column, sign) in
        [(transfers::Column::CreditAccountId, 1i64), (transfers::Column::DebitAccountId, -1)]
    {
        let sums = transfers::Entity::find()
            .select_only()
            .column_as(column, "account_id")
            .column_as(
                Expr::from(Func::cast_as(Func::sum(Expr::col(transfers::Column::AmountFen)), "BIGINT")),
                "total",
            )
            .group_by(column)
            .into_model::<AccountSum>()
            .all(db)
            .await?;
        for sum in sums {
            let account = codes.get(&sum.account_id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!("transfer to unknown account {}", sum.account_id))
            })?;
            recomputed.set(account, recomputed.get(account) + sign * sum.total);
        }
    }

    let repeated = transfers::Entity::find()
        .select_only()
        .column(transfers::Column::IdempotencyKey)
        .column_as(Expr::from(Func::count(Expr::col(transfers::Column::Id))), "n")
        .group_by(transfers::Column::IdempotencyKey)
        .having(Func::count(Expr::col(transfers::Column::Id)).gt(1))
        .into_model::<KeyCount>()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.idempotency_key, k.n.unsigned_abs()))
        .collect();
    use sea_orm::PaginatorTrait;
    let count = transfers::Entity::find().count(db).await?;
    Ok((stored, recomputed, repeated, count))
}

/// Every stored balance at once (one statement), for comparing the whole
/// ledger with a model of it.
pub async fn all_balances(db: &impl ConnectionTrait) -> Result<Balances, StoreError> {
    let mut balances = Balances::default();
    for row in accounts::Entity::find().all(db).await? {
        let account = Account::from_code(&row.code)
            .ok_or_else(|| StoreError::Corrupt(format!("account code {}", row.code)))?;
        balances.set(account, row.balance_fen);
    }
    Ok(balances)
}
