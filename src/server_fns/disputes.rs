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
        _ => return Err(AppError::Refused("Agree or refuse the refund".into())),
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
    use crate::domain::order::Role;
    use crate::domain::rating::rate;
    use crate::server::store::{self, StoreError};
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let record = store::orders::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let role = record.order.role_of(member.id);
    if role == Role::Stranger {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now_ms();
    let rating = rate(&record.order, role, &score, &comment, now, state.rules.deadlines.claim_window)
        .map_err(|e| AppError::Refused(e.to_string()))?;
    store::ratings::add(&state.db, id, &rating, now).await.map_err(|e| match e {
        StoreError::Taken(_) => AppError::Refused("You have already rated this order".into()),
        other => other.into(),
    })?;
    leptos_axum::redirect(&format!("/orders/{id}"));
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
}

#[server(endpoint = "get_arbiter_overview")]
pub async fn get_arbiter_overview() -> Result<ArbiterOverview, AppError> {
    use crate::server::store::{self, photos::Purpose};
    use crate::server_fns::context;
    let state = context::state()?;
    context::require_arbiter(&state).await?;
    let mut cases = Vec::new();
    for record in store::orders::open_cases(&state.db).await? {
        cases.push(CaseSummary {
            order_id: record.id,
            title: record.listing_title.clone(),
            amount: record.order.amount,
            held: record.order.held,
            buyer: context::member_name(&state, record.order.buyer).await?,
            seller: context::member_name(&state, record.order.seller).await?,
            waiting_since: context::format_datetime(record.updated_at),
        });
    }
    let open = store::claims::open(&state.db).await?;
    let mut photos = store::photos::of(&state.db, Purpose::Claim, open.iter().map(|c| c.id)).await?;
    let mut claims = Vec::new();
    for claim in open {
        let record = store::orders::find(&state.db, claim.order_id).await?.ok_or(AppError::NotFound)?;
        claims.push(ClaimSummary {
            claim_id: claim.id,
            order_id: claim.order_id,
            title: record.listing_title,
            amount: record.order.amount,
            buyer: context::member_name(&state, claim.buyer_id).await?,
            seller: context::member_name(&state, claim.seller_id).await?,
            statement: claim.statement,
            photos: photos
                .remove(&claim.id)
                .unwrap_or_default()
                .iter()
                .map(|p| context::photo_url(&p.file))
                .collect(),
            filed: context::format_datetime(claim.created_at),
        });
    }
    let report = crate::server::audit::run(&state.db).await?;
    let audit = report
        .checks
        .into_iter()
        .map(|c| AuditLine { name: c.name.to_owned(), passed: c.passed, detail: c.detail })
        .collect();
    Ok(ArbiterOverview { cases, claims, audit })
}

/// The arbiter's split: `refund` back to the buyer, the rest to the seller
/// less the fee on that part.
#[server(endpoint = "decide_case")]
pub async fn decide_case(id: i64, refund: String, reason: String) -> Result<(), AppError> {
    use crate::domain::order::Event;
    use crate::server::store::{self, orders::Actor};
    let state = super::context::state()?;
    let arbiter = super::context::require_arbiter(&state).await?;
    let refund = Money::parse(&refund).map_err(|e| AppError::field("refund", e.to_string()))?;
    let event = Event::Decide { refund, reason };
    store::orders::apply_event(
        &state.db,
        id,
        &event,
        Actor::Arbiter(arbiter.id),
        state.clock.now_ms(),
        &state.rules,
    )
    .await?;
    leptos_axum::redirect(&format!("/orders/{id}"));
    Ok(())
}

#[server(endpoint = "decide_fraud_claim")]
pub async fn decide_fraud_claim(claim_id: i64, decision: String, reason: String) -> Result<(), AppError> {
    use crate::server::store;
    let state = super::context::state()?;
    let arbiter = super::context::require_arbiter(&state).await?;
    let uphold = match decision.as_str() {
        "uphold" => true,
        "reject" => false,
        _ => return Err(AppError::Refused("Uphold or reject the claim".into())),
    };
    store::claims::decide(&state.db, claim_id, arbiter.id, uphold, &reason, state.clock.now_ms()).await?;
    leptos_axum::redirect("/arbiter");
    Ok(())
}
