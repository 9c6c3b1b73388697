//! What each page reads, loaded by one function per page inside one read
//! snapshot, with the names, photos and claims of every row fetched in one
//! statement each, never one lookup per row: the number of statements a page
//! costs does not grow with what it shows (a test counts them).

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::bank::Operation;
use super::claims::Claim;
use super::members::Member;
use super::messages::Message;
use super::orders::{OrderRecord, TimelineEntry};
use super::photos::{Photo, Purpose};
use super::ratings::Review;
use super::{StoreError, bank, claims, ledger, members, messages, orders, photos, ratings};
use crate::domain::ledger::{Account, MemberId};
use crate::domain::money::Money;
use crate::domain::order::{OrderState, Role};
use crate::server::db::begin_snapshot;

/// Orders with the public names of everyone they mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderList {
    pub orders: Vec<OrderRecord>,
    pub names: HashMap<MemberId, String>,
}

impl OrderList {
    pub fn name(&self, member: MemberId) -> String {
        self.names.get(&member).cloned().unwrap_or_default()
    }

    async fn with_names(db: &impl ConnectionTrait, orders: Vec<OrderRecord>) -> Result<Self, StoreError> {
        let names = members::names(db, orders.iter().flat_map(|r| [r.order.buyer, r.order.seller])).await?;
        Ok(Self { orders, names })
    }
}

/// A member's purchases, newest first.
pub async fn purchases(db: &DatabaseConnection, buyer: MemberId) -> Result<OrderList, StoreError> {
    let snapshot = begin_snapshot(db).await?;
    let list = OrderList::with_names(&snapshot, orders::for_buyer(&snapshot, buyer).await?).await?;
    snapshot.commit().await?;
    Ok(list)
}

/// The seller dashboard: every sale, newest first, and the wallet.
pub struct Sales {
    pub sales: OrderList,
    pub available: Money,
}

pub async fn sales(db: &DatabaseConnection, seller: MemberId) -> Result<Sales, StoreError> {
    let snapshot = begin_snapshot(db).await?;
    let sales = OrderList::with_names(&snapshot, orders::for_seller(&snapshot, seller).await?).await?;
    let available = ledger::balance(&snapshot, Account::Available(seller)).await?;
    snapshot.commit().await?;
    Ok(Sales { sales, available })
}

/// The arbiter's desk: cases in arbitration, open fraud claims with their
/// orders and photos, and everyone's names.
pub struct ArbiterDesk {
    pub cases: Vec<OrderRecord>,
    pub claims: Vec<(Claim, OrderRecord)>,
    pub claim_photos: HashMap<i64, Vec<Photo>>,
    pub names: HashMap<MemberId, String>,
}

impl ArbiterDesk {
    pub fn name(&self, member: MemberId) -> String {
        self.names.get(&member).cloned().unwrap_or_default()
    }
}

pub async fn arbiter_desk(db: &DatabaseConnection) -> Result<ArbiterDesk, StoreError> {
    let snapshot = begin_snapshot(db).await?;
    let cases = orders::open_cases(&snapshot).await?;
    let open = claims::open(&snapshot).await?;
    let mut claimed = orders::find_many(&snapshot, open.iter().map(|c| c.order_id)).await?;
    let claims: Vec<(Claim, OrderRecord)> =
        open.into_iter().filter_map(|c| claimed.remove(&c.order_id).map(|order| (c, order))).collect();
    let claim_photos = photos::of(&snapshot, Purpose::Claim, claims.iter().map(|(c, _)| c.id)).await?;
    let people =
        cases.iter().chain(claims.iter().map(|(_, o)| o)).flat_map(|r| [r.order.buyer, r.order.seller]);
    let names = members::names(&snapshot, people).await?;
    snapshot.commit().await?;
    Ok(ArbiterDesk { cases, claims, claim_photos, names })
}

/// Everything the order page shows to one viewer.
pub struct OrderPage {
    pub record: OrderRecord,
    pub role: Role,
    /// An arbiter who is not a party, seeing a case or a claimed order.
    pub arbiter_view: bool,
    pub counterpart: String,
    pub timeline: Vec<TimelineEntry>,
    pub wallet: Money,
    pub awaiting_bank: Option<Operation>,
    pub refund_photos: Vec<Photo>,
    pub dispute_photos: Vec<Photo>,
    pub messages: Vec<Message>,
    pub reviews: Vec<Review>,
    pub claim: Option<Claim>,
    pub claim_photos: Vec<Photo>,
}

/// The order page as `viewer` may see it: its buyer, its seller, or an
/// arbiter once the order has come before them (a case, decided or not, or
/// a fraud claim). Anyone else finds nothing.
pub async fn order_page(
    db: &DatabaseConnection,
    order_id: i64,
    viewer: &Member,
) -> Result<Option<OrderPage>, StoreError> {
    let snapshot = begin_snapshot(db).await?;
    let Some(record) = orders::find(&snapshot, order_id).await? else {
        return Ok(None);
    };
    let claim = claims::of_order(&snapshot, order_id).await?;
    let role = record.order.role_of(viewer.id);
    let arbiter_view = role == Role::Stranger
        && viewer.is_arbiter
        && (matches!(record.order.state, OrderState::InArbitration | OrderState::Resolved)
            || claim.is_some());
    if role == Role::Stranger && !arbiter_view {
        return Ok(None);
    }
    let counterpart_id = if role == Role::Buyer { record.order.seller } else { record.order.buyer };
    let counterpart =
        members::names(&snapshot, [counterpart_id]).await?.remove(&counterpart_id).unwrap_or_default();
    let refund_photos = photos::of(&snapshot, Purpose::Refund, [order_id]).await?.remove(&order_id);
    let dispute_photos = photos::of(&snapshot, Purpose::Dispute, [order_id]).await?.remove(&order_id);
    let claim_photos = match &claim {
        Some(c) => photos::of(&snapshot, Purpose::Claim, [c.id]).await?.remove(&c.id).unwrap_or_default(),
        None => Vec::new(),
    };
    let page = OrderPage {
        timeline: orders::timeline(&snapshot, order_id).await?,
        wallet: ledger::balance(&snapshot, Account::Available(viewer.id)).await?,
        awaiting_bank: bank::pending_for_order(&snapshot, order_id).await?,
        refund_photos: refund_photos.unwrap_or_default(),
        dispute_photos: dispute_photos.unwrap_or_default(),
        messages: messages::thread(&snapshot, order_id).await?,
        reviews: ratings::of_order(&snapshot, order_id).await?,
        record,
        role,
        arbiter_view,
        counterpart,
        claim,
        claim_photos,
    };
    snapshot.commit().await?;
    Ok(Some(page))
}
