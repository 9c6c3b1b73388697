//! Forms that carry photos (a listing's photos, a refund request, a message,
//! a disputed return, a fraud claim). They are plain multipart posts handled
//! here rather than server functions, so they work the same with JavaScript
//! on or off: on success the browser goes back to the order, on failure too,
//! with the message in the address (`?error=…`, signed by
//! `redirect_errors`) for the page to show. Who may do what is decided by
//! the command, as for every other caller of the store's door.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::media::{MAX_BYTES, PhotoError};
use super::state::AppState;
use super::store::commands::{self, Actor, Command};
use super::store::listings::Change;
use super::store::photos::StoredFile;
use super::store::{self};
use crate::domain::listing::PHOTOS_PER_LISTING;
use crate::domain::message::PHOTOS_PER_MESSAGE;
use crate::domain::money::Money;
use crate::domain::order::{Event, RefundKind};
use crate::error::AppError;

/// A form's text fields and its uploaded files.
struct Submitted {
    fields: HashMap<String, String>,
    files: Vec<Vec<u8>>,
}

impl Submitted {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or_default()
    }
}

async fn read_form(mut multipart: Multipart, max_files: usize) -> Result<Submitted, AppError> {
    let mut submitted = Submitted { fields: HashMap::new(), files: Vec::new() };
    let l = crate::language::of_request();
    let broken = |_| AppError::Refused(crate::i18n::td_string!(l, refusal.form_broken).into());
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() {
            let bytes = field.bytes().await.map_err(broken)?;
            // A file input left empty still sends a nameless, empty part.
            if bytes.is_empty() {
                continue;
            }
            if bytes.len() > MAX_BYTES {
                return Err(AppError::Refused(PhotoError::TooLarge.message(l)));
            }
            submitted.files.push(bytes.to_vec());
        } else {
            submitted.fields.insert(name, field.text().await.map_err(broken)?);
        }
    }
    if submitted.files.len() > max_files {
        return Err(AppError::Refused(crate::i18n::td_string!(l, refusal.too_many_photos, max = max_files)));
    }
    Ok(submitted)
}

/// Writes every photo, or none: when one is refused, those already written
/// are removed.
async fn store_photos(state: &AppState, files: Vec<Vec<u8>>) -> Result<Vec<StoredFile>, AppError> {
    let mut stored: Vec<StoredFile> = Vec::new();
    for bytes in files {
        match state.media.store(bytes).await {
            Ok(photo) => stored.push(photo),
            Err(e) => {
                for photo in &stored {
                    state.media.delete(&photo.file).await;
                }
                return Err(AppError::Refused(e.message(crate::language::of_request())));
            }
        }
    }
    Ok(stored)
}

async fn signed_in(session: &Session) -> Result<i64, AppError> {
    super::auth::signed_in_member_id(session).await?.ok_or(AppError::SignInRequired)
}

/// Back to the order page, with the error to show if there is one.
fn back_to_order(order_id: i64, result: Result<(), AppError>, anchor: &str) -> Response {
    back_to(&format!("/orders/{order_id}"), &format!("/orders/{order_id}"), result, anchor)
}

/// Back to the listing's photo manager, with the error if there is one.
fn back_to_listing_photos(listing_id: i64, result: Result<(), AppError>) -> Response {
    back_to(&format!("/item/{listing_id}/edit"), &format!("/item/{listing_id}/edit"), result, "photos")
}

/// Where a photo form returns: `page` on success or with the error in the
/// address, or sign-in first (then `next`).
fn back_to(page: &str, next: &str, result: Result<(), AppError>, anchor: &str) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("{page}#{anchor}")).into_response(),
        Err(AppError::SignInRequired) => Redirect::to(&format!("/signin?next={next}")).into_response(),
        Err(error) => {
            let message = error.form_message(crate::language::of_request()).unwrap_or_default();
            let query =
                form_urlencoded::Serializer::new(String::new()).append_pair("error", &message).finish();
            Redirect::to(&format!("{page}?{query}#{anchor}")).into_response()
        }
    }
}

/// `POST /item/{id}/photos`: the seller adds photos to their listing, up to
/// eight in all; the first one is the cover.
pub async fn add_listing_photos(
    State(state): State<AppState>,
    Path(listing_id): Path<i64>,
    session: Session,
    multipart: Multipart,
) -> Response {
    let result = async {
        let member = signed_in(&session).await?;
        // Refused before reading the files when the listing is not theirs.
        let listing = store::listings::find(&state.db, listing_id).await?.ok_or(AppError::NotFound)?;
        if listing.seller_id != member {
            return Err(AppError::Forbidden);
        }
        let form = read_form(multipart, PHOTOS_PER_LISTING).await?;
        if form.files.is_empty() {
            return Err(AppError::Refused(
                crate::i18n::td_string!(crate::language::of_request(), refusal.choose_photo).into(),
            ));
        }
        with_photos(&state, member, form.files, |photos| {
            Command::Listing(Change::AddPhotos(listing_id, photos))
        })
        .await
    }
    .await;
    back_to_listing_photos(listing_id, result)
}

/// Stores a form's photos, then runs the command they belong to through
/// the store's one door. The files are written first, so the rows that
/// name them commit with the step; if the step is refused, they are removed
/// again, so a refused request leaves no file behind.
async fn with_photos(
    state: &AppState,
    member: i64,
    files: Vec<Vec<u8>>,
    command: impl FnOnce(Vec<StoredFile>) -> Command,
) -> Result<(), AppError> {
    let photos = store_photos(state, files).await?;
    let names: Vec<String> = photos.iter().map(|p| p.file.clone()).collect();
    let now = state.clock.now_ms();
    let result =
        commands::run(&state.db, Actor::Member(member), None, command(photos), now, &state.rules).await;
    if let Err(error) = result {
        for name in &names {
            state.media.delete(name).await;
        }
        return Err(error.into());
    }
    Ok(())
}

/// `POST /orders/{id}/refund`: the buyer asks for money back.
pub async fn request_refund(
    State(state): State<AppState>,
    Path(order_id): Path<i64>,
    session: Session,
    multipart: Multipart,
) -> Response {
    let result = async {
        let member = signed_in(&session).await?;
        let form = read_form(multipart, PHOTOS_PER_MESSAGE).await?;
        let kind = form
            .field("kind")
            .parse::<RefundKind>()
            .map_err(|_| AppError::Refused("Choose refund only, or return and refund".into()))?;
        let amount =
            Money::parse(form.field("amount")).map_err(|e| AppError::Refused(format!("Amount: {e}")))?;
        let event = Event::RequestRefund { kind, amount, reason: form.field("reason").to_owned() };
        with_photos(&state, member, form.files, |photos| Command::Order { order_id, event, photos }).await
    }
    .await;
    back_to_order(order_id, result, "refund")
}

/// `POST /orders/{id}/dispute-return`: the seller says the returned goods
/// are not as they should be; the order goes to the arbiter.
pub async fn dispute_return(
    State(state): State<AppState>,
    Path(order_id): Path<i64>,
    session: Session,
    multipart: Multipart,
) -> Response {
    let result = async {
        let member = signed_in(&session).await?;
        let form = read_form(multipart, PHOTOS_PER_MESSAGE).await?;
        let event = Event::DisputeReturn { reason: form.field("reason").to_owned() };
        with_photos(&state, member, form.files, |photos| Command::Order { order_id, event, photos }).await
    }
    .await;
    back_to_order(order_id, result, "refund")
}

/// `POST /orders/{id}/messages`: a message, with photos, to the other side.
pub async fn post_message(
    State(state): State<AppState>,
    Path(order_id): Path<i64>,
    session: Session,
    multipart: Multipart,
) -> Response {
    let result = async {
        let member = signed_in(&session).await?;
        let form = read_form(multipart, PHOTOS_PER_MESSAGE).await?;
        let body = form.field("body").to_owned();
        with_photos(&state, member, form.files, |photos| Command::PostMessage { order_id, body, photos })
            .await
    }
    .await;
    back_to_order(order_id, result, "messages")
}

/// `POST /orders/{id}/claim`: the buyer reports a fraud after the order ended.
pub async fn file_claim(
    State(state): State<AppState>,
    Path(order_id): Path<i64>,
    session: Session,
    multipart: Multipart,
) -> Response {
    let result = async {
        let member = signed_in(&session).await?;
        let form = read_form(multipart, PHOTOS_PER_MESSAGE).await?;
        let statement = form.field("statement").to_owned();
        with_photos(&state, member, form.files, |photos| Command::FileClaim { order_id, statement, photos })
            .await
    }
    .await;
    back_to_order(order_id, result, "claim")
}
