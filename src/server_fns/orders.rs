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
    /// None for an escrow another shop created.
    pub listing_id: Option<i64>,
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
    /// Until when a fraud claim may be filed, once the order has ended (the
    /// window is configured).
    pub claim_by: Option<String>,
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
    pub state: crate::domain::claims::ClaimState,
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
    use crate::domain::order::{Event, Role};
    use crate::server::state::AppState;
    use crate::server::store::{self, commands::Command, views};
    use crate::server_fns::context;

    /// Applies one event as the signed-in member, once per form key when a
    /// key is given, then sends the browser to the order page.
    pub async fn order_event(order_id: i64, event: Event, form_key: Option<&str>) -> Result<(), AppError> {
        context::execute_as_member(Command::Order { order_id, event, photos: Vec::new() }, form_key).await?;
        Ok(())
    }

    /// The order page as the viewer sees it.
    pub fn order_view(page: views::OrderPage, viewer: i64, state: &AppState) -> OrderView {
        use crate::domain::rating::may_rate;
        let views::OrderPage { record, role, arbiter_view, counterpart, .. } = page;
        let photo_views = |photos: Vec<store::photos::Photo>| -> Vec<PhotoView> {
            photos
                .iter()
                .map(|p| PhotoView { thumb: context::thumb_url(&p.file), full: context::photo_url(&p.file) })
                .collect()
        };
        let now = state.clock.now_ms();
        let can_rate = may_rate(&record.order, role, now, state.rules.deadlines.claim_window).is_ok()
            && !page.reviews.iter().any(|r| r.rater_id == viewer);
        let can_claim = page.claim.is_none()
            && crate::domain::claims::file(&record.order, role, now, &state.rules).is_ok();
        let claim = page.claim.map(|c| ClaimView {
            photos: photo_views(page.claim_photos),
            id: c.id,
            state: c.state,
            statement: c.statement,
            decision_reason: c.decision_reason,
        });
        OrderView {
            id: record.id,
            listing_id: record.listing_id,
            title: record.listing_title.clone(),
            quantity: record.order.quantity,
            unit_price: record.unit_price,
            amount: record.order.amount,
            held: record.order.held,
            state: record.order.state,
            side: match role {
                Role::Buyer => Side::Buyer,
                Role::Seller => Side::Seller,
                _ => Side::Arbiter,
            },
            counterpart,
            shipping_address: record.shipping_address.clone(),
            shipment: record.order.shipment.clone(),
            deadline: deadline_text(&record.order),
            confirm_extended: record.order.confirm_extended,
            refund: record.order.refund.clone(),
            placed_on: context::format_datetime(record.created_at),
            timeline: page
                .timeline
                .into_iter()
                .map(|e| TimelineLine {
                    at: context::format_datetime(e.at),
                    actor: e.actor,
                    description: match &e.told {
                        Some(told) => crate::labels::told(context::locale(), told),
                        None => e.description,
                    },
                })
                .collect(),
            wallet: page.wallet,
            awaiting_bank: page.awaiting_bank.is_some(),
            form_key: context::new_form_key(),
            refund_photos: photo_views(page.refund_photos),
            dispute_photos: photo_views(page.dispute_photos),
            messages: page
                .messages
                .into_iter()
                .map(|m| MessageView {
                    mine: m.author_id == viewer,
                    author: m.author_name,
                    body: m.body,
                    at: context::format_datetime(m.created_at),
                    photos: photo_views(m.photos),
                })
                .collect(),
            reviews: page.reviews.into_iter().map(ReviewView::from).collect(),
            can_rate,
            claim,
            can_claim,
            claim_by: record
                .order
                .ended_at
                .map(|ended| context::format_datetime(ended + state.rules.deadlines.claim_window)),
            arbiter_view,
        }
    }

    /// The seller dashboard: orders to ship, every sale, and what escrow
    /// holds for the open ones.
    pub fn dashboard_view(views: views::Sales) -> Result<DashboardView, AppError> {
        let mut awaiting_release = Total::ZERO;
        let mut to_ship = Vec::new();
        let mut sales = Vec::new();
        for record in &views.sales.orders {
            let summary = summary(record, views.sales.name(record.order.buyer));
            if !record.order.state.is_terminal() {
                awaiting_release = awaiting_release.checked_add(record.order.held).ok_or_else(|| {
                    tracing::error!("the sum of open sales passed the 64-bit range");
                    AppError::Internal
                })?;
            }
            if record.order.state == OrderState::Paid {
                to_ship.push(summary.clone());
            }
            sales.push(summary);
        }
        Ok(DashboardView { to_ship, sales, available: views.available, awaiting_release })
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
        let l = context::locale();
        order.deadline.map(|d| {
            let (what, at) = (crate::labels::deadline(l, d.kind), context::format_datetime(d.at));
            crate::i18n::td_string!(l, deadline.at, what = what, at = at)
        })
    }
}

#[server(endpoint = "place_order")]
pub async fn place_order(
    listing_id: i64,
    quantity: String,
    shipping_address: String,
    form_key: String,
) -> Result<(), AppError> {
    use crate::server::store::commands::Command;
    let quantity: u32 = quantity.trim().parse().map_err(|_| {
        AppError::field(
            "quantity",
            crate::i18n::td_string!(crate::language::of_request(), refusal.whole_quantity),
        )
    })?;
    let command = Command::PlaceOrder { listing_id, quantity, shipping_address };
    super::context::execute_as_member(command, Some(&form_key)).await?;
    Ok(())
}

#[server(endpoint = "get_order")]
pub async fn get_order(id: i64) -> Result<OrderView, AppError> {
    use crate::server::store::views;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let page = views::order_page(&state.db, id, &member).await?.ok_or(AppError::NotFound)?;
    Ok(run::order_view(page, member.id, &state))
}

/// The signed-in member's purchases, newest first.
#[server(endpoint = "my_orders")]
pub async fn my_orders() -> Result<Vec<OrderSummary>, AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let list = crate::server::store::views::purchases(&state.db, member.id).await?;
    Ok(list.orders.iter().map(|record| run::summary(record, list.name(record.order.seller))).collect())
}

#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardView, AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let views = crate::server::store::views::sales(&state.db, member.id).await?;
    run::dashboard_view(views)
}

#[server(endpoint = "pay_order")]
pub async fn pay_order(id: i64, form_key: String) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::Pay, Some(&form_key)).await
}

/// Tops up exactly the order amount from the bank; the order is paid when
/// the bank confirms.
#[server(endpoint = "pay_by_bank")]
pub async fn pay_by_bank(id: i64, form_key: String) -> Result<(), AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    // The store checks, with the order locked, that it is this member's and
    // awaiting this amount.
    let record = crate::server::store::orders::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let kind = crate::domain::bank::OperationKind::TopUp;
    super::wallet::start_bank(&state, member.id, kind, record.order.amount, Some(id), &form_key).await
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
        return Err(AppError::field(
            "received",
            crate::i18n::td_string!(crate::language::of_request(), refusal.tick_received),
        ));
    }
    run::order_event(id, crate::domain::order::Event::ConfirmReceipt, Some(&form_key)).await
}

#[server(endpoint = "extend_confirm")]
pub async fn extend_confirm(id: i64, days: u32) -> Result<(), AppError> {
    run::order_event(id, crate::domain::order::Event::ExtendConfirm { days }, None).await
}
