use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::listing::{Category, Listing, ListingForm};
use crate::domain::search::{Search, SearchForm};
use crate::error::AppError;

pub const LISTINGS_PER_PAGE: u64 = 24;

/// A listing as a card shows it: with its cover photo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingSummary {
    pub listing: Listing,
    pub cover: Option<ListingPhoto>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPage {
    pub listings: Vec<ListingSummary>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    /// More than `total` match (a search counts only so far).
    pub capped: bool,
    /// Active listings per category, for the category links.
    pub categories: Vec<(Category, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The search as understood, to fill the form and build page links.
    pub search: Search,
    /// What was wrong with the search as typed, instead of results.
    pub problem: Option<String>,
    pub found: ListingPage,
}

/// One photo of a listing, in the gallery and the seller's photo manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingPhoto {
    pub id: i64,
    pub thumb: String,
    pub full: String,
    /// The display size's; the thumbnail's follow from it.
    pub width: i32,
    pub height: i32,
}

impl ListingPhoto {
    /// Both stored sizes with their widths, so the browser fetches the
    /// thumbnail where it is enough (a card, a phone at density 1) and the
    /// display size where it is not.
    pub fn srcset(&self) -> String {
        let width = u32::try_from(self.width).unwrap_or(0);
        let height = u32::try_from(self.height).unwrap_or(0);
        let thumb_width = crate::domain::listing::thumb_width(width, height);
        if thumb_width >= width {
            return format!("{} {width}w", self.full);
        }
        format!("{} {thumb_width}w, {} {width}w", self.thumb, self.full)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::store::photos::Photo> for ListingPhoto {
    fn from(photo: crate::server::store::photos::Photo) -> Self {
        ListingPhoto {
            id: photo.id,
            thumb: super::context::thumb_url(&photo.file),
            full: super::context::photo_url(&photo.file),
            width: photo.width,
            height: photo.height,
        }
    }
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
    /// In order; the first is the cover.
    pub photos: Vec<ListingPhoto>,
}

/// The home page: everything on sale, newest first.
#[server(endpoint = "listings_page")]
pub async fn listings_page(page: u64) -> Result<ListingPage, AppError> {
    let search = Search { page: page.clamp(1, crate::domain::search::PAGE_MAX), ..Search::default() };
    let state = super::context::state()?;
    found_page(&state, &super::context::read_db(&state), &search).await
}

/// Search and category pages: the query comes straight from the URL.
#[server(endpoint = "search_listings")]
pub async fn search_listings(form: SearchForm) -> Result<SearchResults, AppError> {
    let state = super::context::state()?;
    let db = super::context::read_db(&state);
    match Search::parse(&form) {
        Ok(search) => {
            Ok(SearchResults { found: found_page(&state, &db, &search).await?, search, problem: None })
        }
        Err(problem) => {
            // Still show what there is, unfiltered, beside the message.
            let fallback = Search { terms: crate::domain::search::terms(&form.q), ..Search::default() };
            Ok(SearchResults {
                found: found_page(&state, &db, &fallback).await?,
                search: fallback,
                problem: Some(crate::labels::search_error(super::context::locale(), &problem)),
            })
        }
    }
}

#[cfg(feature = "ssr")]
async fn found_page(
    state: &crate::server::state::AppState,
    db: &sea_orm::DatabaseConnection,
    search: &Search,
) -> Result<ListingPage, AppError> {
    use crate::server::store;
    let categories = state.category_counts.get(db).await?;
    // Browsing takes its total from the category counts, which may lag a
    // new listing by their few seconds, like the counts beside the page.
    let known_total = store::search::browse_total(search, &categories);
    let found = store::search::search_counted(db, search, LISTINGS_PER_PAGE, known_total).await?;
    Ok(ListingPage {
        listings: summaries(db, found.items).await?,
        page: search.page,
        pages: found.total.div_ceil(LISTINGS_PER_PAGE).max(1),
        total: found.total,
        capped: found.capped,
        categories,
    })
}

/// Listings with their cover thumbnails, in one query for all the covers.
#[cfg(feature = "ssr")]
pub async fn summaries(
    db: &sea_orm::DatabaseConnection,
    listings: Vec<Listing>,
) -> Result<Vec<ListingSummary>, AppError> {
    use crate::server::store::photos::{self, Purpose};
    let mut photos = photos::of(db, Purpose::Listing, listings.iter().map(|l| l.id)).await?;
    Ok(listings
        .into_iter()
        .map(|listing| {
            let cover = photos.remove(&listing.id).and_then(|p| p.into_iter().next()).map(ListingPhoto::from);
            ListingSummary { listing, cover }
        })
        .collect())
}

#[cfg(feature = "ssr")]
async fn listing_photos(
    db: &sea_orm::DatabaseConnection,
    listing_id: i64,
) -> Result<Vec<ListingPhoto>, AppError> {
    use crate::server::store::photos::{self, Purpose};
    Ok(photos::of(db, Purpose::Listing, [listing_id])
        .await?
        .remove(&listing_id)
        .unwrap_or_default()
        .into_iter()
        .map(ListingPhoto::from)
        .collect())
}

/// The seller's own listing, or the reason they may not touch it.
#[cfg(feature = "ssr")]
async fn own_listing(
    state: &crate::server::state::AppState,
    id: i64,
) -> Result<(crate::server::store::members::Member, Listing), AppError> {
    let member = super::context::require_member(state).await?;
    let listing = crate::server::store::listings::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if listing.seller_id != member.id {
        return Err(AppError::Forbidden);
    }
    Ok((member, listing))
}

/// The photos of a listing, for its seller's photo manager.
#[server(endpoint = "get_listing_photos_for_edit")]
pub async fn get_listing_photos_for_edit(id: i64) -> Result<Vec<ListingPhoto>, AppError> {
    let state = super::context::state()?;
    own_listing(&state, id).await?;
    listing_photos(&state.db, id).await
}

/// Moves a photo one place earlier (towards the cover) or later.
#[server(endpoint = "move_listing_photo")]
pub async fn move_listing_photo(listing_id: i64, photo_id: i64, earlier: bool) -> Result<(), AppError> {
    use crate::server::store::listings::Change;
    change_listing(Change::MovePhoto { listing_id, photo_id, earlier }, "#photos").await
}

#[server(endpoint = "delete_listing_photo")]
pub async fn delete_listing_photo(listing_id: i64, photo_id: i64) -> Result<(), AppError> {
    use crate::server::store::listings::Change;
    change_listing(Change::RemovePhoto { listing_id, photo_id }, "#photos").await
}

/// A seller's change to a listing through the store's door; then the
/// browser goes to the listing (`edit` for the photo manager) and a removed
/// photo's file is deleted once no record uses it.
#[cfg(feature = "ssr")]
async fn change_listing(
    change: crate::server::store::listings::Change,
    anchor: &str,
) -> Result<(), AppError> {
    use crate::server::store::commands::{Actor, Command, Outcome};
    use crate::server::store::photos;
    let state = super::context::state()?;
    let member = super::context::require_member(&state).await?;
    let executed =
        super::context::execute(&state, Actor::Member(member.id), None, Command::Listing(change)).await?;
    let Outcome::Listing { listing_id, removed_file } = executed.outcome else {
        return Err(AppError::Internal);
    };
    if let Some(file) = removed_file
        && !photos::file_in_use(&state.db, &file).await?
    {
        state.media.delete(&file).await;
    }
    let page = if anchor.is_empty() {
        format!("/item/{listing_id}")
    } else {
        format!("/item/{listing_id}/edit{anchor}")
    };
    leptos_axum::redirect(&page);
    Ok(())
}

#[server(endpoint = "get_listing")]
pub async fn get_listing(id: i64) -> Result<ListingDetail, AppError> {
    let state = super::context::state()?;
    let db = super::context::read_db(&state);
    let listing = crate::server::store::listings::find(&db, id).await?.ok_or(AppError::NotFound)?;
    let viewer = super::context::member(&state).await?;
    use crate::server::store;
    let seller = store::members::find(&db, listing.seller_id).await?;
    let seller_reviews = store::ratings::recent(&db, listing.seller_id, 3)
        .await?
        .into_iter()
        .map(super::orders::ReviewView::from)
        .collect();
    Ok(ListingDetail {
        seller_tally: store::ratings::tally(&db, listing.seller_id).await?,
        seller_reviews,
        seller_suspended: seller.is_some_and(|s| s.suspension.is_some()),
        listed_on: super::context::format_date(listing.created_at),
        is_mine: viewer.as_ref().is_some_and(|m| m.id == listing.seller_id),
        signed_in: viewer.is_some(),
        form_key: super::context::new_form_key(),
        photos: listing_photos(&db, id).await?,
        listing,
    })
}

/// The listing's current fields for its seller's edit form.
#[server(endpoint = "listing_for_edit")]
pub async fn listing_for_edit(id: i64) -> Result<ListingForm, AppError> {
    let state = super::context::state()?;
    Ok(own_listing(&state, id).await?.1.to_form())
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
    use crate::server::store::listings::Change;
    let form = ListingForm { title, description, category, condition, price, stock };
    submit_listing_form(None, form, Change::Create).await
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
    use crate::server::store::listings::Change;
    let form = ListingForm { title, description, category, condition, price, stock };
    submit_listing_form(Some(id), form, |draft| Change::Update(id, draft)).await
}

/// What was typed into a listing form whose post without JavaScript failed:
/// the sell form (`id` none) or the edit form of listing `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedListingForm {
    pub id: Option<i64>,
    pub form: ListingForm,
}

/// The one session slot for both listing forms: a member fills one at a time.
#[cfg(feature = "ssr")]
const TYPED_LISTING: &str = "listing";

/// Checks and saves a listing form; when that fails, what was typed is kept
/// for the page the browser goes back to.
#[cfg(feature = "ssr")]
async fn submit_listing_form(
    id: Option<i64>,
    form: ListingForm,
    change: impl FnOnce(crate::domain::listing::ListingDraft) -> crate::server::store::listings::Change,
) -> Result<(), AppError> {
    use crate::domain::listing::ListingDraft;
    let saved = match ListingDraft::parse(&form) {
        Ok(draft) => change_listing(change(draft), "").await,
        Err(errors) => Err(errors.into()),
    };
    if saved.is_err() {
        super::context::keep_typed(TYPED_LISTING, &TypedListingForm { id, form }).await?;
    }
    saved
}

/// The listing form as typed before a failed post without JavaScript, once.
#[server(endpoint = "typed_listing")]
pub async fn typed_listing() -> Result<Option<TypedListingForm>, AppError> {
    super::context::take_typed(TYPED_LISTING).await
}

/// Takes a listing off the market (`active = false`) or puts it back.
#[server(endpoint = "set_listing_active")]
pub async fn set_listing_active(id: i64, active: bool) -> Result<(), AppError> {
    use crate::server::store::listings::Change;
    change_listing(Change::SetActive(id, active), "").await
}
