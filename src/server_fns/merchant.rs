//! Merchant settings (mode, API keys, webhook endpoints, the delivery log)
//! and the hosted checkout where a shop's buyer pays an escrow.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::money::Money;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    /// `live` or `test`.
    pub mode: String,
    /// `em_live_…a1b2`.
    pub shown_as: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub url: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub latency_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub escrow: String,
    pub test: bool,
    pub at: String,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantView {
    pub enabled: bool,
    pub keys: Vec<KeyRow>,
    pub endpoints: Vec<EndpointRow>,
    pub events: Vec<EventRow>,
    /// A key or endpoint secret made just now: shown this once.
    pub new_secret: Option<String>,
}

/// The session key holding a secret just made, until the page shows it.
#[cfg(feature = "ssr")]
const NEW_SECRET: &str = "merchant_new_secret";

#[server(endpoint = "merchant_settings")]
pub async fn merchant_settings() -> Result<MerchantView, AppError> {
    use crate::domain::merchant::Mode;
    use crate::server::store::{merchants, webhooks};
    use crate::server_fns::context::{self, format_datetime};

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let session = context::session().await?;
    let new_secret = session
        .remove::<String>(NEW_SECRET)
        .await
        .map_err(|e| AppError::from(crate::server::auth::AuthError::from(e)))?;
    let enabled = merchants::is_merchant(&state.db, member.id).await?;
    let keys = merchants::keys(&state.db, member.id)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            mode: k.mode.slug().to_owned(),
            shown_as: format!("em_{}_…{}", k.mode.slug(), k.last_four),
            created: format_datetime(k.created_at),
            last_used: k.last_used_at.map(format_datetime),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    let endpoints = webhooks::endpoints(&state.db, member.id)
        .await?
        .into_iter()
        .map(|e| EndpointRow {
            enabled: e.disabled_at.is_none(),
            id: e.id,
            url: e.url,
            disabled_reason: e.disabled_reason,
        })
        .collect();
    let mut events = Vec::new();
    for mode in [Mode::Live, Mode::Test] {
        for event in webhooks::events(&state.db, member.id, mode, None, 20).await? {
            let deliveries = webhooks::deliveries(&state.db, event.id)
                .await?
                .into_iter()
                .map(|d| DeliveryRow {
                    url: d.url,
                    status: d.status,
                    attempts: d.attempts,
                    last_status: d.last_status,
                    last_error: d.last_error,
                    latency_ms: d.last_latency_ms,
                })
                .collect();
            events.push(EventRow {
                id: event.public_id,
                kind: event.kind,
                escrow: event.escrow.public_id,
                test: mode == Mode::Test,
                at: format_datetime(event.created_at),
                deliveries,
            });
        }
    }
    Ok(MerchantView { enabled, keys, endpoints, events, new_secret })
}

/// Runs a merchant settings change; a secret it made waits in the session
/// for the page to show once.
#[cfg(feature = "ssr")]
async fn change(change: crate::server::store::commands::MerchantChange) -> Result<(), AppError> {
    use crate::server::store::commands::{Command, Outcome};
    let executed = super::context::execute_as_member(Command::Merchant(change), None).await?;
    if let Outcome::Merchant { secret: Some(secret) } = executed.outcome {
        let session = super::context::session().await?;
        session
            .insert(NEW_SECRET, secret)
            .await
            .map_err(|e| AppError::from(crate::server::auth::AuthError::from(e)))?;
    }
    Ok(())
}

#[server(endpoint = "enable_merchant")]
pub async fn enable_merchant() -> Result<(), AppError> {
    change(crate::server::store::commands::MerchantChange::Enable).await
}

#[server(endpoint = "create_api_key")]
pub async fn create_api_key(name: String, mode: String) -> Result<(), AppError> {
    use crate::domain::merchant::Mode;
    use crate::server::store::commands::MerchantChange;
    let mode = mode.parse::<Mode>().map_err(|_| {
        AppError::field("mode", crate::i18n::td_string!(crate::language::of_request(), refusal.live_or_test))
    })?;
    change(MerchantChange::CreateKey { name, mode }).await
}

#[server(endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    change(crate::server::store::commands::MerchantChange::RevokeKey(id)).await
}

#[server(endpoint = "add_webhook_endpoint")]
pub async fn add_webhook_endpoint(url: String) -> Result<(), AppError> {
    change(crate::server::store::commands::MerchantChange::AddEndpoint(url)).await
}

#[server(endpoint = "remove_webhook_endpoint")]
pub async fn remove_webhook_endpoint(id: i64) -> Result<(), AppError> {
    change(crate::server::store::commands::MerchantChange::DisableEndpoint(id)).await
}

#[server(endpoint = "redeliver_event")]
pub async fn redeliver_event(id: String) -> Result<(), AppError> {
    use crate::server::store::webhooks;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let event = webhooks::event(&state.db, member.id, None, &id).await?.ok_or(AppError::NotFound)?;
    webhooks::redeliver(&state.db, &event, state.clock.now_ms()).await?;
    leptos_axum::redirect("/merchant#events");
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutItem {
    pub title: String,
    pub quantity: u32,
    pub unit_price: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutView {
    pub id: String,
    pub shop: String,
    pub subject: String,
    pub items: Vec<CheckoutItem>,
    pub amount: Money,
    pub test_mode: bool,
    /// The escrow waits for this buyer's payment.
    pub payable: bool,
    /// The buyer's payment already went through (or is on its way).
    pub paid: bool,
    pub awaiting_bank: bool,
    pub signed_in: bool,
    /// The shop's own escrow: it cannot buy from itself.
    pub own: bool,
    pub wallet: Option<Money>,
    pub cancel_url: Option<String>,
    /// The Escrowmart order, once this buyer paid.
    pub order_id: Option<i64>,
    pub status: String,
    pub form_key: String,
}

/// The hosted checkout for an escrow; anyone may look, a member pays.
#[server(endpoint = "get_checkout")]
pub async fn get_checkout(id: String) -> Result<CheckoutView, AppError> {
    use crate::domain::ledger::Account;
    use crate::domain::merchant::{EscrowStatus, Mode};
    use crate::server::store::{bank, escrows, ledger, members, orders};
    use crate::server_fns::context;

    let state = context::state()?;
    let viewer = context::member(&state).await?;
    let escrow = escrows::find_public(&state.db, &id).await?.ok_or(AppError::NotFound)?;
    let shop = members::names(&state.db, [escrow.merchant_id])
        .await?
        .remove(&escrow.merchant_id)
        .unwrap_or_default();
    let order = match escrow.order_id {
        Some(order_id) => orders::find(&state.db, order_id).await?,
        None => None,
    };
    let mine = |member: i64| order.as_ref().is_some_and(|o| o.order.buyer == member);
    let viewer_id = viewer.as_ref().map(|m| m.id);
    let payable = escrow.status == EscrowStatus::AwaitingPayment
        && viewer_id.is_none_or(|id| escrow.order_id.is_none() || mine(id));
    let awaiting_bank = match escrow.order_id {
        Some(order_id) => bank::pending_for_order(&state.db, order_id).await?.is_some(),
        None => false,
    };
    let wallet = match viewer_id {
        Some(id) => Some(ledger::balance(&state.db, Account::Available(id)).await?),
        None => None,
    };
    Ok(CheckoutView {
        shop,
        subject: escrow.subject.clone(),
        items: escrow
            .items
            .iter()
            .map(|i| CheckoutItem { title: i.title.clone(), quantity: i.quantity, unit_price: i.unit_price })
            .collect(),
        amount: escrow.amount,
        test_mode: escrow.mode == Mode::Test,
        payable,
        paid: viewer_id.is_some_and(mine) && escrow.status != EscrowStatus::AwaitingPayment,
        awaiting_bank,
        signed_in: viewer.is_some(),
        own: viewer_id == Some(escrow.merchant_id),
        wallet,
        cancel_url: escrow.cancel_url.clone(),
        order_id: escrow.order_id.filter(|_| viewer_id.is_some_and(mine)),
        status: escrow.status.slug().replace('_', " "),
        form_key: context::new_form_key(),
        id: escrow.public_id,
    })
}

/// Pays an escrow at its checkout, from the wallet or straight from the
/// bank, then goes back to the shop (by way of a page of ours).
#[server(endpoint = "pay_checkout")]
pub async fn pay_checkout(id: String, with: String, form_key: String) -> Result<(), AppError> {
    use crate::server::bank::BankInstruction;
    use crate::server::store::commands::{Actor, Command, Outcome, PayWith};
    use crate::server_fns::context;

    let with = match with.as_str() {
        "wallet" => PayWith::Wallet,
        "bank" => PayWith::Bank,
        _ => {
            return Err(AppError::Refused(
                crate::i18n::td_string!(crate::language::of_request(), refusal.wallet_or_bank).into(),
            ));
        }
    };
    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let command = Command::PayEscrow { public_id: id.clone(), with };
    let executed = context::execute(&state, Actor::Member(member.id), Some(&form_key), command).await?;
    if let (Outcome::Bank { reference, new: true, .. }, false) = (&executed.outcome, executed.replayed) {
        let escrow =
            crate::server::store::escrows::find_public(&state.db, &id).await?.ok_or(AppError::NotFound)?;
        let instruction = BankInstruction {
            reference: reference.clone(),
            kind: crate::domain::bank::OperationKind::TopUp,
            amount: escrow.amount,
        };
        if let Err(e) = state.bank.submit(instruction).await {
            tracing::warn!(error = %e, %reference, "bank instruction failed");
            let undo = Command::FailBank { reference: reference.clone(), reason: e.to_string() };
            context::execute(&state, Actor::System, None, undo).await?;
            return Err(AppError::Refused(
                crate::i18n::td_string!(crate::language::of_request(), refusal.bank_unreachable).into(),
            ));
        }
    }
    leptos_axum::redirect(&format!("/checkout/{id}/return"));
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnToShop {
    pub shop: String,
    pub return_url: Option<String>,
    pub order_id: Option<i64>,
    pub awaiting_bank: bool,
}

/// Where the buyer goes after paying: back to the shop.
#[server(endpoint = "checkout_return")]
pub async fn checkout_return(id: String) -> Result<ReturnToShop, AppError> {
    use crate::server::store::{bank, escrows, members, orders};
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let escrow = escrows::find_public(&state.db, &id).await?.ok_or(AppError::NotFound)?;
    let order_id = escrow.order_id.ok_or(AppError::NotFound)?;
    let order = orders::find(&state.db, order_id).await?.ok_or(AppError::NotFound)?;
    if order.order.buyer != member.id {
        return Err(AppError::NotFound);
    }
    let shop = members::names(&state.db, [escrow.merchant_id])
        .await?
        .remove(&escrow.merchant_id)
        .unwrap_or_default();
    Ok(ReturnToShop {
        shop,
        return_url: escrow.return_url,
        order_id: Some(order_id),
        awaiting_bank: bank::pending_for_order(&state.db, order_id).await?.is_some(),
    })
}
