use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::listing::{Listing, ListingForm};
use crate::error::AppError;

pub const LISTINGS_PER_PAGE: u64 = 24;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPage {
    pub listings: Vec<Listing>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingDetail {
    pub listing: Listing,
    pub listed_on: String,
    /// The asking member is the seller: show edit and delist.
    pub is_mine: bool,
    /// Someone is signed in (and may buy, unless it is theirs).
    pub signed_in: bool,
    /// For the buy form, so a repeated submission orders once.
    pub form_key: String,
    pub seller_tally: crate::domain::rating::Tally,
    pub seller_reviews: Vec<super::orders::ReviewView>,
    /// The seller may not sell now.
    pub seller_suspended: bool,
}

#[server(endpoint = "listings_page")]
pub async fn listings_page(page: u64) -> Result<ListingPage, AppError> {
    let state = super::context::state()?;
    let page = page.max(1);
    let found = crate::server::store::listings::active_page(&state.db, page, LISTINGS_PER_PAGE).await?;
    Ok(ListingPage {
        listings: found.items,
        page,
        pages: found.total.div_ceil(LISTINGS_PER_PAGE).max(1),
        total: found.total,
    })
}

#[server(endpoint = "get_listing")]
pub async fn get_listing(id: i64) -> Result<ListingDetail, AppError> {
    let state = super::context::state()?;
    let listing = crate::server::store::listings::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let viewer = super::context::member(&state).await?;
    use crate::server::store;
    let seller = store::members::find(&state.db, listing.seller_id).await?;
    let seller_reviews = store::ratings::recent(&state.db, listing.seller_id, 3)
        .await?
        .into_iter()
        .map(|r| super::orders::ReviewView {
            rater: r.rater_name,
            score: r.score,
            comment: r.comment,
            at: super::context::format_date(r.created_at),
        })
        .collect();
    Ok(ListingDetail {
        seller_tally: store::ratings::tally(&state.db, listing.seller_id).await?,
        seller_reviews,
        seller_suspended: seller.is_some_and(|s| s.suspension.is_some()),
        listed_on: super::context::format_date(listing.created_at),
        is_mine: viewer.as_ref().is_some_and(|m| m.id == listing.seller_id),
        signed_in: viewer.is_some(),
        form_key: super::context::new_form_key(),
        listing,
    })
}

/// The listing's current fields for its seller's edit form.
#[server(endpoint = "listing_for_edit")]
pub async fn listing_for_edit(id: i64) -> Result<ListingForm, AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let listing = crate::server::store::listings::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if listing.seller_id != member.id {
        return Err(AppError::Forbidden);
    }
    Ok(listing.to_form())
}

#[server(endpoint = "my_listings")]
pub async fn my_listings() -> Result<Vec<Listing>, AppError> {
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    Ok(crate::server::store::listings::by_seller(&state.db, member.id).await?)
}

#[server(endpoint = "create_listing")]
pub async fn create_listing(
    title: String,
    description: String,
    category: String,
    condition: String,
    price: String,
    stock: String,
) -> Result<(), AppError> {
    use crate::domain::listing::ListingDraft;

    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    if member.suspension.is_some() {
        return Err(AppError::Refused("Your account is suspended: you cannot list items".into()));
    }
    let draft = ListingDraft::parse(&ListingForm { title, description, category, condition, price, stock })?;
    let id =
        crate::server::store::listings::create(&state.db, member.id, &draft, state.clock.now_ms()).await?;
    leptos_axum::redirect(&format!("/item/{id}"));
    Ok(())
}

#[server(endpoint = "update_listing")]
#[allow(clippy::too_many_arguments)]
pub async fn update_listing(
    id: i64,
    title: String,
    description: String,
    category: String,
    condition: String,
    price: String,
    stock: String,
) -> Result<(), AppError> {
    use crate::domain::listing::ListingDraft;
    use crate::server::store;

    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let draft = ListingDraft::parse(&ListingForm { title, description, category, condition, price, stock })?;
    let listing = store::listings::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if listing.seller_id != member.id {
        return Err(AppError::Forbidden);
    }
    store::listings::update(&state.db, id, member.id, &draft, state.clock.now_ms()).await?;
    leptos_axum::redirect(&format!("/item/{id}"));
    Ok(())
}

/// Takes a listing off the market (`active = false`) or puts it back.
#[server(endpoint = "set_listing_active")]
pub async fn set_listing_active(id: i64, active: bool) -> Result<(), AppError> {
    use crate::domain::listing::ListingStatus;
    use crate::server::store;

    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let listing = store::listings::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if listing.seller_id != member.id {
        return Err(AppError::Forbidden);
    }
    if active && member.suspension.is_some() {
        return Err(AppError::Refused("Your account is suspended: you cannot list items".into()));
    }
    let status = if active { ListingStatus::Active } else { ListingStatus::Delisted };
    store::listings::set_status(&state.db, id, member.id, status, state.clock.now_ms()).await?;
    leptos_axum::redirect(&format!("/item/{id}"));
    Ok(())
}
