use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::money::{Money, Total};
use crate::domain::order::{OrderState, RefundRequest, Shipment};
use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Buyer,
    Seller,
    /// An arbiter reading the case.
    Arbiter,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineLine {
    pub at: String,
    pub actor: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub listing_id: i64,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub amount: Money,
    pub held: Money,
    pub state: OrderState,
    pub side: Side,
    pub counterpart: String,
    pub shipping_address: String,
    pub shipment: Option<Shipment>,
    /// "Confirms automatically on 6 Dec 2026 14:03 UTC", when a deadline runs.
    pub deadline: Option<String>,
    pub confirm_extended: bool,
    pub refund: Option<RefundRequest>,
    pub placed_on: String,
    pub timeline: Vec<TimelineLine>,
    /// The viewer's spendable balance, to decide how to pay.
    pub wallet: Money,
    /// A top-up for this order is waiting for the bank.
    pub awaiting_bank: bool,
    /// Carried by money forms so a repeat submission changes nothing.
    pub form_key: String,
    pub refund_photos: Vec<PhotoView>,
    pub dispute_photos: Vec<PhotoView>,
    pub messages: Vec<MessageView>,
    pub reviews: Vec<ReviewView>,
    /// The viewer may rate the other side now.
    pub can_rate: bool,
    pub claim: Option<ClaimView>,
    /// The viewer (the buyer) may file a fraud claim now.
    pub can_claim: bool,
    /// The viewer is an arbiter looking at a case.
    pub arbiter_view: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoView {
    pub thumb: String,
    pub full: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub author: String,
    pub mine: bool,
    pub body: String,
    pub at: String,
    pub photos: Vec<PhotoView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub rater: String,
    pub score: crate::domain::rating::Score,
    pub comment: String,
    pub at: String,
}

#[cfg(feature = "ssr")]
impl From<crate::server::store::ratings::Review> for ReviewView {
    fn from(review: crate::server::store::ratings::Review) -> Self {
        ReviewView {
            rater: review.rater_name,
            score: review.score,
            comment: review.comment,
            at: super::context::format_date(review.created_at),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimView {
    pub id: i64,
    pub state: crate::domain::order::ClaimState,
    pub statement: String,
    pub decision_reason: Option<String>,
    pub photos: Vec<PhotoView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: i64,
    pub title: String,
    pub amount: Money,
    pub state: OrderState,
    pub counterpart: String,
    pub placed_on: String,
    pub deadline: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub to_ship: Vec<OrderSummary>,
    pub sales: Vec<OrderSummary>,
    pub available: Money,
    /// A sum of many orders, which may pass the largest single amount.
    pub awaiting_release: Total,
}

#[cfg(feature = "ssr")]
pub(crate) use run::order_event;

#[cfg(feature = "ssr")]
mod run {
    use super::*;
    use crate::domain::order::Event;
    use crate::server::db::begin_write;
    use crate::server::store::{self, orders::Actor, submissions};
    use crate::server_fns::context;

    /// Applies one event as the signed-in member, once per form key when a
    /// key is given, then sends the browser to the order page.
    pub async fn order_event(order_id: i64, event: Event, form_key: Option<&str>) -> Result<(), AppError> {
        let state = context::state()?;
        let member = context::require_member(&state).await?;
        let now = state.clock.now_ms();
        let destination = format!("/orders/{order_id}");
        let txn = begin_write(&state.db).await?;
        if let Some(key) = form_key
            && submissions::claim(&txn, member.id, key, now).await?.is_some()
        {
            txn.commit().await?;
            leptos_axum::redirect(&destination);
            return Ok(());
        }
        store::orders::apply_event_in(&txn, order_id, &event, Actor::Member(member.id), now, &state.rules)
            .await?;
        if let Some(key) = form_key {
            submissions::record(&txn, member.id, key, &destination).await?;
        }
        txn.commit().await?;
        leptos_axum::redirect(&destination);
        Ok(())
    }

    pub fn summary(record: &store::orders::OrderRecord, counterpart: String) -> OrderSummary {
        OrderSummary {
            id: record.id,
            title: record.listing_title.clone(),
            amount: record.order.amount,
            state: record.order.state,
            counterpart,
            placed_on: context::format_date(record.created_at),
            deadline: deadline_text(&record.order),
        }
    }

    pub fn deadline_text(order: &crate::domain::order::Order) -> Option<String> {
        order.deadline.map(|d| format!("{} on {}", d.kind.consequence(), context::format_datetime(d.at)))
    }
}

#[server(endpoint = "place_order")]
pub async fn place_order(
    listing_id: i64,
    quantity: String,
    shipping_address: String,
    form_key: String,
) -> Result<(), AppError> {
    use crate::server::store::{self, submissions};
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let quantity: u32 = quantity
        .trim()
        .parse()
        .map_err(|_| AppError::field("quantity", "Enter how many you want as a whole number"))?;
    let now = state.clock.now_ms();
    let txn = crate::server::db::begin_write(&state.db).await?;
    if let Some(destination) = submissions::claim(&txn, member.id, &form_key, now).await? {
        txn.commit().await?;
        leptos_axum::redirect(&destination);
        return Ok(());
    }
    // Failing here rolls back the key's claim too, so a corrected form can be sent again.
    let order_id =
        store::orders::place_in(&txn, member.id, listing_id, quantity, &shipping_address, now, &state.rules)
            .await?;
    let destination = format!("/orders/{order_id}");
    submissions::record(&txn, member.id, &form_key, &destination).await?;
    txn.commit().await?;
    leptos_axum::redirect(&destination);
    Ok(())
}

#[server(endpoint = "get_order")]
pub async fn get_order(id: i64) -> Result<OrderView, AppError> {
    use crate::domain::ledger::Account;
    use crate::domain::order::Role;
    use crate::domain::rating::may_rate;
    use crate::server::store::{self, photos::Purpose};
    use crate::server_fns::context;

    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let record = store::orders::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let role = record.order.role_of(member.id);
    // Arbiters see an order once it has come before them (a case, decided or
    // not, or a fraud claim), as evidence and as the record of the decision.
    let arbiter_view = role == Role::Stranger
        && member.is_arbiter
        && (matches!(record.order.state, OrderState::InArbitration | OrderState::Resolved)
            || store::claims::of_order(&state.db, id).await?.is_some());
    let side = match role {
        Role::Buyer => Side::Buyer,
        Role::Seller => Side::Seller,
        _ if arbiter_view => Side::Arbiter,
        _ => return Err(AppError::NotFound),
    };
    let counterpart_id = if side == Side::Buyer { record.order.seller } else { record.order.buyer };
    let counterpart = context::member_name(&state, counterpart_id).await?;
    let timeline = store::orders::timeline(&state.db, id)
        .await?
        .into_iter()
        .map(|e| TimelineLine {
            at: context::format_datetime(e.at),
            actor: e.actor,
            description: e.description,
        })
        .collect();
    let wallet = store::ledger::balance(&state.db, Account::Available(member.id)).await?;
    let awaiting_bank = store::bank::pending_for_order(&state.db, id).await?;
    let photo_views = |photos: Option<Vec<store::photos::Photo>>| -> Vec<PhotoView> {
        photos
            .unwrap_or_default()
            .iter()
            .map(|p| PhotoView { thumb: context::thumb_url(&p.file), full: context::photo_url(&p.file) })
            .collect()
    };
    let refund_photos = photo_views(store::photos::of(&state.db, Purpose::Refund, [id]).await?.remove(&id));
    let dispute_photos = photo_views(store::photos::of(&state.db, Purpose::Dispute, [id]).await?.remove(&id));
    let messages = store::messages::thread(&state.db, id)
        .await?
        .into_iter()
        .map(|m| MessageView {
            mine: m.author_id == member.id,
            author: m.author_name,
            body: m.body,
            at: context::format_datetime(m.created_at),
            photos: photo_views(Some(m.photos)),
        })
        .collect();
    let given = store::ratings::of_order(&state.db, id).await?;
    let now = state.clock.now_ms();
    let window = state.rules.deadlines.claim_window;
    let can_rate =
        may_rate(&record.order, role, now, window).is_ok() && !given.iter().any(|r| r.rater_id == member.id);
    let reviews = given.into_iter().map(ReviewView::from).collect();
    let claim = match store::claims::of_order(&state.db, id).await? {
        Some(c) => Some(ClaimView {
            photos: photo_views(store::photos::of(&state.db, Purpose::Claim, [c.id]).await?.remove(&c.id)),
            id: c.id,
            state: c.state,
            statement: c.statement,
            decision_reason: c.decision_reason,
        }),
        None => None,
    };
    let can_claim = claim.is_none()
        && crate::domain::order::check_claim_filing(&record.order, role, now, &state.rules).is_ok();
    Ok(OrderView {
        id,
        listing_id: record.listing_id,
        title: record.listing_title.clone(),
        quantity: record.order.quantity,
        unit_price: record.unit_price,
        amount: record.order.amount,
        held: record.order.held,
        state: record.order.state,
        side,
        counterpart,
        shipping_address: record.shipping_address.clone(),
        shipment: record.order.shipment.clone(),
        deadline: run::deadline_text(&record.order),
        confirm_extended: record.order.confirm_extended,
        refund: record.order.refund.clone(),
        placed_on: context::format_datetime(record.created_at),
        timeline,
        wallet,
        awaiting_bank,
        form_key: context::new_form_key(),
        refund_photos,
        dispute_photos,
        messages,
        reviews,
        can_rate,
        claim,
        can_claim,
        arbiter_view,
    })
}

/// The signed-in member's purchases, newest first.
#[server(endpoint = "my_orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    use crate::server::store;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let mut summaries = Vec::new();
    for record in store::orders::for_buyer(&state.db, member.id).await? {
        let seller = store::members::find(&state.db, record.order.seller).await?.map(|m| m.display_name);
        summaries.push(run::summary(&record, seller.unwrap_or_default()));
    }
    Ok(summaries)
}

#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardView, AppError> {
    use crate::domain::ledger::Account;
    use crate::server::store;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let mut to_ship = Vec::new();
    let mut sales = Vec::new();
    let mut awaiting_release = Total::ZERO;
    for record in store::orders::for_seller(&state.db, member.id).await? {
        let buyer = store::members::find(&state.db, record.order.buyer).await?.map(|m| m.display_name);
        let summary = run::summary(&record, buyer.unwrap_or_default());
        if !record.order.state.is_terminal() {
            awaiting_release = awaiting_release.checked_add(record.order.held).ok_or_else(|| {
                tracing::error!(seller = member.id, "the sum of open sales passed the 64-bit range");
                AppError::Internal
            })?;
        }
        if record.order.state == OrderState::Paid {
            to_ship.push(summary.clone());
        }
        sales.push(summary);
    }
    Ok(DashboardView {
        to_ship,
        sales,
        available: store::ledger::balance(&state.db, Account::Available(member.id)).await?,
        awaiting_release,
    })
}

#[server(endpoint = "pay_order")]
pub async fn pay_order(id: i64, form_key: String) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::Pay, Some(&form_key)).await
}

/// Tops up exactly the order amount from the bank; the order is paid when
/// the bank confirms.
#[server(endpoint = "pay_by_bank")]
pub async fn pay_by_bank(id: i64, form_key: String) -> Result<(), AppError> {
    use crate::domain::order::OrderState;
    use crate::server::store;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let record = store::orders::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if record.order.buyer != member.id {
        return Err(AppError::NotFound);
    }
    if record.order.state != OrderState::AwaitingPayment {
        return Err(AppError::Refused("This order is not awaiting payment".into()));
    }
    super::wallet::start_top_up(&state, member.id, record.order.amount, Some(id), &form_key).await?;
    leptos_axum::redirect(&format!("/orders/{id}"));
    Ok(())
}

#[server(endpoint = "cancel_order")]
pub async fn cancel_order(id: i64) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::Cancel, None).await
}

#[server(endpoint = "seller_cancel_order")]
pub async fn seller_cancel_order(id: i64) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::SellerCancel, None).await
}

#[server(endpoint = "ship_order")]
pub async fn ship_order(id: i64, carrier: String, tracking: String) -> Result<(), AppError> {
    use crate::domain::order::{Event, Shipment};
    let shipment = Shipment::parse(&carrier, &tracking)?;
    run::order_event(id, Event::Ship(shipment), None).await
}

/// Releases the money to the seller; the form makes the buyer tick a box
/// saying the item arrived as described.
#[server(endpoint = "confirm_receipt")]
pub async fn confirm_receipt(id: i64, received: Option<String>, form_key: String) -> Result<(), AppError> {
    if received.as_deref() != Some("yes") {
        return Err(AppError::field("received", "Tick the box to confirm the item arrived as described"));
    }
    run::order_event(id, crate::domain::order::Event::ConfirmReceipt, Some(&form_key)).await
}

#[server(endpoint = "extend_confirm")]
pub async fn extend_confirm(id: i64, days: u32) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::ExtendConfirm { days }, None).await
}
