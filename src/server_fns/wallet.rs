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
    pub pending: bool,
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

/// Starts a top-up or a withdrawal through the store's door (once per form
/// key), sends the browser to its page, then instructs the bank. A bank
/// that cannot be reached undoes the operation and says so; a repeat or an
/// order whose bank payment is already on its way instructs nothing.
#[cfg(feature = "ssr")]
pub(crate) async fn start_bank(
    state: &crate::server::state::AppState,
    member_id: i64,
    kind: crate::domain::bank::OperationKind,
    amount: Money,
    pay_order_id: Option<i64>,
    form_key: &str,
) -> Result<(), AppError> {
    use crate::server::bank::BankInstruction;
    use crate::server::store::commands::{Actor, Command, Outcome};
    use crate::server_fns::context;

    let command = Command::StartBank { kind, amount, pay_order_id };
    let executed = context::execute(state, Actor::Member(member_id), Some(form_key), command).await?;
    leptos_axum::redirect(&context::page_of(&executed.outcome));
    let Outcome::Bank { reference, new: true, .. } = executed.outcome else {
        return Ok(());
    };
    if executed.replayed {
        return Ok(());
    }
    if let Err(e) = state.bank.submit(BankInstruction { reference: reference.clone(), kind, amount }).await {
        tracing::warn!(error = %e, %reference, "bank instruction failed");
        let undo = Command::FailBank { reference, reason: e.to_string() };
        context::execute(state, Actor::System, None, undo).await?;
        return Err(AppError::Refused(
            crate::i18n::td_string!(crate::language::of_request(), refusal.bank_unreachable).into(),
        ));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn parse_amount(amount: &str) -> Result<Money, AppError> {
    match Money::parse(amount) {
        Ok(money) if money.is_zero() => Err(AppError::field(
            "amount",
            crate::i18n::td_string!(crate::language::of_request(), refusal.amount_above_zero),
        )),
        Ok(money) => Ok(money),
        Err(e) => {
            Err(AppError::field("amount", crate::labels::money_error(crate::language::of_request(), &e)))
        }
    }
}

#[server(endpoint = "get_wallet")]
pub async fn get_wallet() -> Result<WalletView, AppError> {
    use crate::domain::bank::{OperationKind, OperationStatus};
    use crate::domain::ledger::Account;
    use crate::i18n::td_string;
    use crate::server::store;
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let l = context::locale();
    let lines = store::ledger::statement(&state.db, member.id).await?;
    let statement = lines
        .into_iter()
        .rev()
        .map(|line| {
            let change = Total::from_fen(line.change_fen.saturating_abs());
            StatementRow {
                at: context::format_datetime(line.at),
                description: crate::labels::transfer(l, line.kind).to_owned(),
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
            kind: match op.kind {
                OperationKind::TopUp => td_string!(l, wallet.op.top_up).into(),
                OperationKind::Withdrawal => td_string!(l, wallet.op.withdrawal).into(),
            },
            amount: op.amount,
            status: match op.status {
                OperationStatus::Pending => td_string!(l, wallet.op.pending),
                OperationStatus::Confirmed => td_string!(l, wallet.op.confirmed),
                OperationStatus::Rejected => td_string!(l, wallet.op.rejected),
                OperationStatus::Failed => td_string!(l, wallet.op.failed),
            }
            .into(),
            pending: op.status == OperationStatus::Pending,
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
    use crate::domain::bank::OperationKind;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    start_bank(&state, member.id, OperationKind::TopUp, parse_amount(&amount)?, None, &form_key).await
}

#[server(endpoint = "withdraw")]
pub async fn withdraw(amount: String, form_key: String) -> Result<(), AppError> {
    use crate::domain::bank::OperationKind;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    start_bank(&state, member.id, OperationKind::Withdrawal, parse_amount(&amount)?, None, &form_key).await
}
