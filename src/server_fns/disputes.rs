//! Refund answers, returns, ratings, and the arbiter's console.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::money::Money;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::orders::order_event;

#[server(endpoint = "answer_refund")]
pub async fn answer_refund(id: i64, answer: String, reason: Option<String>) -> Result<(), AppError> {
    use crate::domain::order::Event;
    let event = match answer.as_str() {
        "agree" => Event::AgreeRefund,
        "refuse" => Event::RefuseRefund { reason: reason.unwrap_or_default() },
        _ => {
            return Err(AppError::Refused(
                crate::i18n::td_string!(crate::language::of_request(), refusal.agree_or_refuse).into(),
            ));
        }
    };
    order_event(id, event, None).await
}

#[server(endpoint = "withdraw_refund")]
pub async fn withdraw_refund(id: i64) -> Result<(), AppError> {
    order_event(id, crate::domain::order::Event::WithdrawRefund, None).await
}

#[server(endpoint = "escalate")]
pub async fn escalate(id: i64) -> Result<(), AppError> {
    order_event(id, crate::domain::order::Event::Escalate, None).await
}

#[server(endpoint = "send_return")]
pub async fn send_return(id: i64, carrier: String, tracking: String) -> Result<(), AppError> {
    use crate::domain::order::{Event, Shipment};
    order_event(id, Event::SendReturn(Shipment::parse(&carrier, &tracking)?), None).await
}

#[server(endpoint = "confirm_return")]
pub async fn confirm_return(id: i64) -> Result<(), AppError> {
    order_event(id, crate::domain::order::Event::ConfirmReturn, None).await
}

#[server(endpoint = "rate_order")]
pub async fn rate_order(id: i64, score: String, comment: String) -> Result<(), AppError> {
    use crate::server::store::commands::Command;
    super::context::execute_as_member(Command::Rate { order_id: id, score, comment }, None).await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub order_id: i64,
    pub title: String,
    pub amount: Money,
    pub held: Money,
    pub buyer: String,
    pub seller: String,
    pub waiting_since: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSummary {
    pub claim_id: i64,
    pub order_id: i64,
    pub title: String,
    pub amount: Money,
    pub buyer: String,
    pub seller: String,
    pub statement: String,
    pub photos: Vec<String>,
    pub filed: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArbiterOverview {
    pub cases: Vec<CaseSummary>,
    pub claims: Vec<ClaimSummary>,
    pub audit: Vec<AuditLine>,
    /// When the audit shown ran (it is reused for a minute).
    pub audited: String,
}

#[server(endpoint = "get_arbiter_overview")]
pub async fn get_arbiter_overview() -> Result<ArbiterOverview, AppError> {
    use crate::server_fns::context;
    let state = context::state()?;
    context::require_arbiter(&state).await?;
    let mut desk = crate::server::store::views::arbiter_desk(&state.db).await?;
    let cases = desk
        .cases
        .iter()
        .map(|record| CaseSummary {
            order_id: record.id,
            title: record.listing_title.clone(),
            amount: record.order.amount,
            held: record.order.held,
            buyer: desk.name(record.order.buyer),
            seller: desk.name(record.order.seller),
            waiting_since: context::format_datetime(record.updated_at),
        })
        .collect();
    let claims = std::mem::take(&mut desk.claims)
        .into_iter()
        .map(|(claim, record)| ClaimSummary {
            claim_id: claim.id,
            order_id: claim.order_id,
            title: record.listing_title,
            amount: record.order.amount,
            buyer: desk.name(claim.buyer_id),
            seller: desk.name(claim.seller_id),
            photos: desk
                .claim_photos
                .remove(&claim.id)
                .unwrap_or_default()
                .iter()
                .map(|p| context::photo_url(&p.file))
                .collect(),
            statement: claim.statement,
            filed: context::format_datetime(claim.created_at),
        })
        .collect();
    let (audited_at, report) = state.audit.get(&state.db, state.clock.now_ms()).await?;
    let audit = report
        .checks
        .into_iter()
        .map(|c| AuditLine { name: c.name.to_owned(), passed: c.passed, detail: c.detail })
        .collect();
    Ok(ArbiterOverview { cases, claims, audit, audited: context::format_datetime(audited_at) })
}

/// The arbiter's split: `refund` back to the buyer, the rest to the seller
/// less the fee on that part.
#[server(endpoint = "decide_case")]
pub async fn decide_case(id: i64, refund: String, reason: String) -> Result<(), AppError> {
    use crate::domain::order::Event;
    use crate::server::store::commands::{Actor, Command};
    let state = super::context::state()?;
    let arbiter = super::context::require_arbiter(&state).await?;
    let refund = Money::parse(&refund).map_err(|e| {
        AppError::field("refund", crate::labels::money_error(crate::language::of_request(), &e))
    })?;
    let command =
        Command::Order { order_id: id, event: Event::Decide { refund, reason }, photos: Vec::new() };
    super::context::execute(&state, Actor::Arbiter(arbiter.id), None, command).await?;
    leptos_axum::redirect(&format!("/orders/{id}"));
    Ok(())
}

#[server(endpoint = "decide_fraud_claim")]
pub async fn decide_fraud_claim(claim_id: i64, decision: String, reason: String) -> Result<(), AppError> {
    use crate::server::store::commands::{Actor, Command};
    let state = super::context::state()?;
    let arbiter = super::context::require_arbiter(&state).await?;
    let uphold = match decision.as_str() {
        "uphold" => true,
        "reject" => false,
        _ => {
            return Err(AppError::Refused(
                crate::i18n::td_string!(crate::language::of_request(), refusal.uphold_or_reject).into(),
            ));
        }
    };
    let command = Command::DecideClaim { claim_id, uphold, reason };
    super::context::execute(&state, Actor::Arbiter(arbiter.id), None, command).await?;
    leptos_axum::redirect("/arbiter");
    Ok(())
}
