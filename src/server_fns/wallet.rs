use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::money::{Money, Total};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRow {
    pub at: String,
    pub description: String,
    pub order_id: Option<i64>,
    /// Signed, for display: "+¥10.00" or "−¥5.00".
    pub change: String,
    pub incoming: bool,
    pub balance: Total,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankOperationRow {
    pub at: String,
    pub kind: String,
    pub amount: Money,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletView {
    pub available: Money,
    /// Money of mine held in escrow for purchases not yet finished (a sum
    /// of many orders, which may pass the largest single amount).
    pub held_for_purchases: Total,
    /// Newest first.
    pub statement: Vec<StatementRow>,
    pub bank_operations: Vec<BankOperationRow>,
    pub form_key: String,
}

#[cfg(feature = "ssr")]
pub(crate) use run::start_top_up;

#[cfg(feature = "ssr")]
mod run {
    use crate::domain::money::Money;
    use crate::error::AppError;
    use crate::server::bank::{BankInstruction, InstructionKind};
    use crate::server::db::begin_write;
    use crate::server::state::AppState;
    use crate::server::store::{self, submissions};

    pub enum Direction {
        In { pay_order_id: Option<i64> },
        Out,
    }

    /// Records the operation (and, for a withdrawal, holds the money) in one
    /// transaction keyed by the form, then instructs the bank. A bank that
    /// cannot be reached undoes the operation and says so. Paying an order
    /// by bank while an earlier bank payment for it is still on its way
    /// starts nothing and answers with that one.
    pub async fn start(
        state: &AppState,
        member_id: i64,
        amount: Money,
        direction: Direction,
        form_key: &str,
    ) -> Result<(), AppError> {
        let now = state.clock.now_ms();
        let reference = uuid::Uuid::new_v4().simple().to_string();
        let destination = match direction {
            Direction::In { pay_order_id: Some(order_id) } => format!("/orders/{order_id}"),
            _ => "/wallet".to_owned(),
        };
        let txn = begin_write(&state.db).await?;
        if submissions::claim(&txn, member_id, form_key, now).await?.is_some() {
            txn.commit().await?;
            return Ok(());
        }
        let kind = match direction {
            Direction::In { pay_order_id } => {
                if let Some(order_id) = pay_order_id
                    && already_on_its_way(&txn, member_id, order_id).await?
                {
                    submissions::record(&txn, member_id, form_key, &destination).await?;
                    txn.commit().await?;
                    return Ok(());
                }
                store::bank::create_top_up(&txn, member_id, amount, pay_order_id, &reference, now).await?;
                InstructionKind::TopUp
            }
            Direction::Out => {
                store::bank::create_withdrawal(&txn, member_id, amount, &reference, now).await?;
                InstructionKind::Withdrawal
            }
        };
        submissions::record(&txn, member_id, form_key, &destination).await?;
        txn.commit().await?;
        if let Err(e) =
            state.bank.submit(BankInstruction { reference: reference.clone(), kind, amount }).await
        {
            tracing::warn!(error = %e, %reference, "bank instruction failed");
            store::bank::fail(&state.db, &reference, &e.to_string(), state.clock.now_ms()).await?;
            return Err(AppError::Refused(
                "The bank could not be reached, so nothing was moved. Please try again later.".into(),
            ));
        }
        Ok(())
    }

    /// Whether the member's order already has a bank payment on its way;
    /// refuses an order that is not theirs or not awaiting payment. The
    /// order row stays locked until the transaction ends, so concurrent
    /// requests see each other's payment.
    async fn already_on_its_way(
        txn: &sea_orm::DatabaseTransaction,
        member_id: i64,
        order_id: i64,
    ) -> Result<bool, AppError> {
        use crate::domain::order::OrderState;
        let record = store::orders::find_locked(txn, order_id).await?.ok_or(AppError::NotFound)?;
        if record.order.buyer != member_id {
            return Err(AppError::NotFound);
        }
        if record.order.state != OrderState::AwaitingPayment {
            return Err(AppError::Refused("This order is not awaiting payment".into()));
        }
        Ok(store::bank::pending_for_order(txn, order_id).await?)
    }

    pub async fn start_top_up(
        state: &AppState,
        member_id: i64,
        amount: Money,
        pay_order_id: Option<i64>,
        form_key: &str,
    ) -> Result<(), AppError> {
        start(state, member_id, amount, Direction::In { pay_order_id }, form_key).await
    }
}

#[cfg(feature = "ssr")]
fn parse_amount(amount: &str) -> Result<Money, AppError> {
    match Money::parse(amount) {
        Ok(money) if money.is_zero() => Err(AppError::field("amount", "Enter an amount above ¥0.00")),
        Ok(money) => Ok(money),
        Err(e) => Err(AppError::field("amount", e.to_string())),
    }
}

#[server(endpoint = "get_wallet")]
pub async fn get_wallet() -> Result<WalletView, AppError> {
    use crate::domain::ledger::Account;
    use crate::server::store;
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let lines = store::ledger::statement(&state.db, member.id).await?;
    let statement = lines
        .into_iter()
        .rev()
        .map(|line| {
            let change = Total::from_fen(line.change_fen.saturating_abs());
            StatementRow {
                at: context::format_datetime(line.at),
                description: line.kind.label().to_owned(),
                order_id: line.order_id,
                change: if line.change_fen >= 0 { format!("+{change}") } else { format!("−{change}") },
                incoming: line.change_fen >= 0,
                balance: Total::from_fen(line.balance_after_fen),
            }
        })
        .collect();
    let bank_operations = store::bank::recent_for_member(&state.db, member.id, 20)
        .await?
        .into_iter()
        .map(|op| BankOperationRow {
            at: context::format_datetime(op.created_at),
            kind: if op.kind == "top_up" { "Top-up".into() } else { "Withdrawal".into() },
            amount: op.amount,
            status: op.status.slug().to_owned(),
        })
        .collect();
    Ok(WalletView {
        available: store::ledger::balance(&state.db, Account::Available(member.id)).await?,
        held_for_purchases: store::orders::held_for_buyer(&state.db, member.id).await?,
        statement,
        bank_operations,
        form_key: context::new_form_key(),
    })
}

#[server(endpoint = "top_up")]
pub async fn top_up(amount: String, form_key: String) -> Result<(), AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    run::start_top_up(&state, member.id, parse_amount(&amount)?, None, &form_key).await?;
    leptos_axum::redirect("/wallet");
    Ok(())
}

#[server(endpoint = "withdraw")]
pub async fn withdraw(amount: String, form_key: String) -> Result<(), AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    run::start(&state, member.id, parse_amount(&amount)?, run::Direction::Out, &form_key).await?;
    leptos_axum::redirect("/wallet");
    Ok(())
}
