//! A seller's public page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::listings::ListingSummary;
use super::orders::ReviewView;
use crate::domain::rating::Tally;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerProfile {
    pub id: i64,
    pub name: String,
    pub member_since: String,
    /// Why the seller is suspended, if they are.
    pub suspension: Option<String>,
    pub tally: Tally,
    pub reviews: Vec<ReviewView>,
    /// One page of what they have on sale, newest first.
    pub listings: Vec<ListingSummary>,
    pub page: u64,
    pub pages: u64,
    /// How many listings they have on sale in all.
    pub on_sale: u64,
}

/// Listings per page of a seller's page; the rest are a page link away.
pub const SELLER_PAGE_LISTINGS: u64 = 24;

/// What buyers see of a seller: ratings and what they still sell.
#[server(endpoint = "get_seller_profile")]
pub async fn get_seller_profile(id: i64, page: u64) -> Result<SellerProfile, AppError> {
    use crate::server::store;
    use crate::server_fns::context;
    let state = context::state()?;
    let db = context::read_db(&state);
    let seller = store::members::find(&db, id).await?.ok_or(AppError::NotFound)?;
    let reviews = store::ratings::recent(&db, id, 20).await?.into_iter().map(ReviewView::from).collect();
    let page = page.clamp(1, crate::domain::search::PAGE_MAX);
    let offset = (page - 1) * SELLER_PAGE_LISTINGS;
    let on_sale = store::listings::on_sale_by_seller(&db, id, offset, SELLER_PAGE_LISTINGS).await?;
    let listings = super::listings::summaries(&db, on_sale.items).await?;
    Ok(SellerProfile {
        id,
        name: seller.display_name,
        member_since: context::format_date(seller.created_at),
        suspension: seller.suspension,
        tally: store::ratings::tally(&db, id).await?,
        reviews,
        listings,
        page,
        pages: on_sale.total.div_ceil(SELLER_PAGE_LISTINGS).max(1),
        on_sale: on_sale.total,
    })
}
