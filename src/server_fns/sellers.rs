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
    pub listings: Vec<ListingSummary>,
}

/// The newest this many are shown; a big seller's page stays small.
pub const SELLER_PAGE_LISTINGS: usize = 48;

/// What buyers see of a seller: ratings and what they still sell.
#[server(endpoint = "get_seller_profile")]
pub async fn get_seller_profile(id: i64) -> Result<SellerProfile, AppError> {
    use crate::domain::listing::ListingStatus;
    use crate::server::store;
    use crate::server_fns::context;
    let state = context::state()?;
    let seller = store::members::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let reviews =
        store::ratings::recent(&state.db, id, 20).await?.into_iter().map(ReviewView::from).collect();
    let listings = store::listings::by_seller(&state.db, id)
        .await?
        .into_iter()
        .filter(|l| l.status == ListingStatus::Active)
        .take(SELLER_PAGE_LISTINGS)
        .collect();
    let listings = super::listings::summaries(&state, listings).await?;
    Ok(SellerProfile {
        id,
        name: seller.display_name,
        member_since: context::format_date(seller.created_at),
        suspension: seller.suspension,
        tally: store::ratings::tally(&state.db, id).await?,
        reviews,
        listings,
    })
}
