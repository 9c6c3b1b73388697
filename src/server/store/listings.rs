use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};

use super::photos::{self, Purpose, StoredFile};
use super::{Refused, StoreError};
use crate::domain::listing::{Category, Condition, Listing, ListingDraft, ListingStatus, PHOTOS_PER_LISTING};
use crate::domain::money::Money;
use crate::domain::tokens::index_text;
use crate::server::clock::Millis;
use crate::server::entities::{listings, users};

/// One page of results and how many there are in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// More than `total` match; counting stopped there.
    pub capped: bool,
}

pub async fn create(
    db: &impl ConnectionTrait,
    seller_id: i64,
    draft: &ListingDraft,
    now: Millis,
) -> Result<i64, StoreError> {
    let row = listings::ActiveModel {
        seller_id: Set(seller_id),
        title: Set(draft.title.clone()),
        description: Set(draft.description.clone()),
        search_tokens: Set(index_text(&draft.title, &draft.description)),
        category: Set(draft.category.slug().to_owned()),
        condition: Set(draft.condition.slug().to_owned()),
        price_fen: Set(draft.price.fen()),
        stock: Set(stock_column(draft.stock)),
        status: Set(ListingStatus::Active.slug().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// A listing for [`create_many`]: already within the rules (demo data).
#[derive(Clone, Debug)]
pub struct BulkListing {
    pub seller_id: i64,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub condition: Condition,
    pub price_fen: i64,
    pub stock: i32,
    pub listed_at: Millis,
}

/// Adds many listings in one statement and returns their ids in order. Ids
/// are read back as those above the largest before the insert, which holds
/// because seeding runs inside one write transaction on an idle database.
pub async fn create_many(db: &impl ConnectionTrait, rows: &[BulkListing]) -> Result<Vec<i64>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let before: Option<Option<i64>> = listings::Entity::find()
        .select_only()
        .column_as(listings::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?;
    let models = rows.iter().map(|row| listings::ActiveModel {
        seller_id: Set(row.seller_id),
        title: Set(row.title.clone()),
        description: Set(row.description.clone()),
        search_tokens: Set(index_text(&row.title, &row.description)),
        category: Set(row.category.slug().to_owned()),
        condition: Set(row.condition.slug().to_owned()),
        price_fen: Set(row.price_fen),
        stock: Set(row.stock),
        status: Set(ListingStatus::Active.slug().to_owned()),
        created_at: Set(row.listed_at),
        updated_at: Set(row.listed_at),
        ..Default::default()
    });
    listings::Entity::insert_many(models).exec(db).await?;
    Ok(listings::Entity::find()
        .select_only()
        .column(listings::Column::Id)
        .filter(listings::Column::Id.gt(before.flatten().unwrap_or(0)))
        .order_by_asc(listings::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Replaces the fields of a seller's own listing. The seller is part of the
/// condition, so a listing of someone else's is never touched.
pub async fn update(
    db: &impl ConnectionTrait,
    listing_id: i64,
    seller_id: i64,
    draft: &ListingDraft,
    now: Millis,
) -> Result<(), StoreError> {
    let result = listings::Entity::update_many()
        .col_expr(listings::Column::Title, Expr::value(draft.title.clone()))
        .col_expr(listings::Column::Description, Expr::value(draft.description.clone()))
        .col_expr(listings::Column::SearchTokens, Expr::value(index_text(&draft.title, &draft.description)))
        .col_expr(listings::Column::Category, Expr::value(draft.category.slug()))
        .col_expr(listings::Column::Condition, Expr::value(draft.condition.slug()))
        .col_expr(listings::Column::PriceFen, Expr::value(draft.price.fen()))
        .col_expr(listings::Column::Stock, Expr::value(stock_column(draft.stock)))
        .col_expr(listings::Column::UpdatedAt, Expr::value(now))
        .filter(listings::Column::Id.eq(listing_id))
        .filter(listings::Column::SellerId.eq(seller_id))
        .exec(db)
        .await?;
    if result.rows_affected == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    listing_id: i64,
    seller_id: i64,
    status: ListingStatus,
    now: Millis,
) -> Result<(), StoreError> {
    let result = listings::Entity::update_many()
        .col_expr(listings::Column::Status, Expr::value(status.slug()))
        .col_expr(listings::Column::UpdatedAt, Expr::value(now))
        .filter(listings::Column::Id.eq(listing_id))
        .filter(listings::Column::SellerId.eq(seller_id))
        .exec(db)
        .await?;
    if result.rows_affected == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

pub async fn find(db: &impl ConnectionTrait, listing_id: i64) -> Result<Option<Listing>, StoreError> {
    let Some(row) = listings::Entity::find_by_id(listing_id).one(db).await? else {
        return Ok(None);
    };
    Ok(with_seller_names(db, vec![row]).await?.pop())
}

/// Every listing of one seller, active and delisted, newest first.
pub async fn by_seller(db: &impl ConnectionTrait, seller_id: i64) -> Result<Vec<Listing>, StoreError> {
    let rows = listings::Entity::find()
        .filter(listings::Column::SellerId.eq(seller_id))
        .order_by_desc(listings::Column::CreatedAt)
        .order_by_desc(listings::Column::Id)
        .all(db)
        .await?;
    with_seller_names(db, rows).await
}

/// One page of a seller's listings on sale, newest first, and how many
/// they have on sale in all; the seller's public page pages through them.
pub async fn on_sale_by_seller(
    db: &impl ConnectionTrait,
    seller_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Page<Listing>, StoreError> {
    let on_sale = listings::Entity::find()
        .filter(listings::Column::SellerId.eq(seller_id))
        .filter(listings::Column::Status.eq(ListingStatus::Active.slug()));
    let total = on_sale.clone().count(db).await?;
    let rows = on_sale
        .order_by_desc(listings::Column::CreatedAt)
        .order_by_desc(listings::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok(Page { items: with_seller_names(db, rows).await?, total, capped: false })
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(listings::Entity::find().count(db).await?)
}

/// Listing rows whose stored fields break the listing rules; the audit
/// reports them.
pub async fn invalid_rows(db: &impl ConnectionTrait) -> Result<Vec<(i64, String)>, StoreError> {
    // Every member's id, not an IN list of every seller: that would pass
    // SQLite's limit on bound values at marketplace scale.
    let sellers: std::collections::HashSet<i64> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    // A thousand rows at a time, by id: all 100,000 listings at once (their
    // descriptions and search tokens) took a server that audits every hour
    // from 41 MB to 248 MB, and glibc kept it.
    const BATCH: u64 = 1_000;
    let mut invalid = Vec::new();
    let mut after = i64::MIN;
    loop {
        let rows = listings::Entity::find()
            .filter(listings::Column::Id.gt(after))
            .order_by_asc(listings::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        invalid.extend(rows.into_iter().filter_map(|row| {
            let id = row.id;
            if !sellers.contains(&row.seller_id) {
                return Some((id, "seller does not exist".to_owned()));
            }
            to_listing(row, String::new()).err().map(|e| (id, e.to_string()))
        }));
    }
    Ok(invalid)
}

fn stock_column(stock: u32) -> i32 {
    // Validation caps stock at 100,000, so this never saturates.
    i32::try_from(stock).unwrap_or(i32::MAX)
}

pub(super) async fn with_seller_names(
    db: &impl ConnectionTrait,
    rows: Vec<listings::Model>,
) -> Result<Vec<Listing>, StoreError> {
    let names = super::members::names(db, rows.iter().map(|r| r.seller_id)).await?;
    rows.into_iter()
        .map(|row| {
            let name = names.get(&row.seller_id).cloned().unwrap_or_default();
            to_listing(row, name)
        })
        .collect()
}

fn to_listing(row: listings::Model, seller_name: String) -> Result<Listing, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("listing {}: {what}", row.id));
    Ok(Listing {
        id: row.id,
        seller_id: row.seller_id,
        seller_name,
        category: row.category.parse::<Category>().map_err(|_| corrupt("unknown category"))?,
        condition: row.condition.parse::<Condition>().map_err(|_| corrupt("unknown condition"))?,
        price: Money::from_fen(row.price_fen).map_err(|e| corrupt(&format!("price: {e}")))?,
        stock: u32::try_from(row.stock).map_err(|_| corrupt("negative stock"))?,
        status: row.status.parse::<ListingStatus>().map_err(|_| corrupt("unknown status"))?,
        created_at: row.created_at,
        title: row.title,
        description: row.description,
    })
}

/// A change a seller makes to their listings, through `commands::execute`.
/// Only the listing's seller changes it, and a suspended seller puts
/// nothing (back) on the market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Create(ListingDraft),
    Update(i64, ListingDraft),
    SetActive(i64, bool),
    AddPhotos(i64, Vec<StoredFile>),
    MovePhoto {
        listing_id: i64,
        photo_id: i64,
        earlier: bool,
    },
    /// Returns the removed photo's file, to delete once the change commits
    /// (if no other record uses it).
    RemovePhoto {
        listing_id: i64,
        photo_id: i64,
    },
}

/// Carries out a seller's change; returns the listing and, for a removed
/// photo, its file.
pub(super) async fn change(
    txn: &DatabaseTransaction,
    member: i64,
    change: Change,
    now: Millis,
) -> Result<(i64, Option<String>), StoreError> {
    let suspended = || async {
        let who = super::members::find(txn, member).await?.ok_or(StoreError::NotFound)?;
        match who.suspension {
            Some(_) => Err(StoreError::Invalid(Refused::SuspendedCannotList)),
            None => Ok(()),
        }
    };
    let owned = |listing_id: i64| async move {
        let listing = find(txn, listing_id).await?.ok_or(StoreError::NotFound)?;
        if listing.seller_id != member {
            return Err(StoreError::Rule(crate::domain::order::TransitionError::NotYourRole));
        }
        Ok(listing_id)
    };
    Ok(match change {
        Change::Create(draft) => {
            suspended().await?;
            super::accounts::require_confirmed_email(txn, member).await?;
            (create(txn, member, &draft, now).await?, None)
        }
        Change::Update(listing_id, draft) => {
            update(txn, owned(listing_id).await?, member, &draft, now).await?;
            (listing_id, None)
        }
        Change::SetActive(listing_id, active) => {
            owned(listing_id).await?;
            if active {
                suspended().await?;
            }
            let status = if active { ListingStatus::Active } else { ListingStatus::Delisted };
            set_status(txn, listing_id, member, status, now).await?;
            (listing_id, None)
        }
        Change::AddPhotos(listing_id, stored) => {
            owned(listing_id).await?;
            // Counted inside the write: two uploads at once cannot pass eight.
            let had = photos::count(txn, Purpose::Listing, listing_id).await?;
            let room = PHOTOS_PER_LISTING.saturating_sub(usize::try_from(had).unwrap_or(usize::MAX));
            if stored.is_empty() {
                return Err(Refused::NoPhotoChosen.into());
            }
            if stored.len() > room {
                return Err(Refused::ListingPhotosFull { had }.into());
            }
            photos::add(txn, member, Purpose::Listing, listing_id, &stored, now).await?;
            (listing_id, None)
        }
        Change::MovePhoto { listing_id, photo_id, earlier } => {
            photos::shift(txn, Purpose::Listing, owned(listing_id).await?, photo_id, earlier).await?;
            (listing_id, None)
        }
        Change::RemovePhoto { listing_id, photo_id } => {
            let file = photos::remove(txn, Purpose::Listing, owned(listing_id).await?, photo_id).await?;
            (listing_id, Some(file))
        }
    })
}
