//! Who is calling the API, and the Idempotency-Key every POST carries.
//!
//! Only `Authorization: Bearer em_…` authenticates: a session cookie never
//! does. Idempotency follows the IETF draft: the key is scoped to (merchant,
//! method, path) and kept in the same table as the app's form keys (under a
//! hash of all four); a repeat with the same body replays the stored answer
//! (`Idempotent-Replayed: true`), with another body is refused (422), while
//! the first still runs is refused (409); without a key, 400.

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::problem::ApiError;
use crate::server::clock::Millis;
use crate::server::entities::form_submissions;
use crate::server::limits::ClientAddress;
use crate::server::state::AppState;
use crate::server::store::merchants::{self, Caller};

/// How long a key is remembered, and how long a first request may run
/// before a repeat may take its place (it crashed).
const KEPT_FOR_MS: Millis = 24 * 3_600_000;
const IN_FLIGHT_FOR_MS: Millis = 60_000;
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let from = parts.extensions.get::<ClientAddress>().copied().unwrap_or_default();
        let too_fast = |t: crate::server::limits::TooFast| ApiError::RateLimited {
            retry_after_secs: t.retry_after_secs,
        };
        state.limits.api_address(from).map_err(too_fast)?;
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|s| s.starts_with("em_live_") || s.starts_with("em_test_"))
            .ok_or(ApiError::InvalidKey)?;
        let caller = merchants::authenticate(&state.db, secret, state.clock.now_ms())
            .await?
            .ok_or(ApiError::InvalidKey)?;
        state.limits.api_key(caller.key_id).map_err(too_fast)?;
        Ok(caller)
    }
}

/// A claimed key: the request runs, then its answer is recorded with it.
pub struct Slot {
    merchant: i64,
    key: String,
}

/// What claiming a key found.
pub enum Claimed {
    Fresh(Slot),
    /// The stored answer to send again.
    Replay(Response),
}

/// Claims the request's key in its own short transaction, so a concurrent
/// repeat sees it in flight.
pub async fn claim(
    state: &AppState,
    caller: &Caller,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Claimed, ApiError> {
    let key = headers.get(IDEMPOTENCY_KEY).ok_or(ApiError::IdempotencyKeyMissing)?;
    // Exactly what the OpenAPI document's pattern says: 1 to 255 visible
    // ASCII characters.
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::Malformed("The Idempotency-Key must be 1 to 255 visible ASCII characters".into())
        })?;
    let scoped = hex::encode(Sha256::digest(format!("{}\n{method}\n{path}\n{key}", caller.merchant_id)));
    let request_hash = hex::encode(Sha256::digest(body));
    let now = state.clock.now_ms();
    let txn = crate::server::db::begin_write(&state.db).await?;
    let inserted = form_submissions::Entity::insert(form_submissions::ActiveModel {
        member_id: Set(caller.merchant_id),
        key: Set(scoped.clone()),
        outcome: Set(String::new()),
        created_at: Set(now),
        request_hash: Set(Some(request_hash.clone())),
        response_status: Set(None),
    })
    .on_conflict(
        OnConflict::columns([form_submissions::Column::MemberId, form_submissions::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let slot = Slot { merchant: caller.merchant_id, key: scoped.clone() };
    if inserted == 1 {
        txn.commit().await?;
        return Ok(Claimed::Fresh(slot));
    }
    let row = form_submissions::Entity::find_by_id((caller.merchant_id, scoped.clone()))
        .one(&txn)
        .await?
        .ok_or(ApiError::Internal)?;
    let expired = now - row.created_at > KEPT_FOR_MS;
    let abandoned = row.response_status.is_none() && now - row.created_at > IN_FLIGHT_FOR_MS;
    if expired || abandoned {
        // A new life for the key: the old answer is forgotten.
        form_submissions::Entity::update_many()
            .col_expr(form_submissions::Column::CreatedAt, Expr::value(now))
            .col_expr(form_submissions::Column::RequestHash, Expr::value(request_hash))
            .col_expr(form_submissions::Column::ResponseStatus, Expr::value(Option::<i32>::None))
            .col_expr(form_submissions::Column::Outcome, Expr::value(""))
            .filter(form_submissions::Column::MemberId.eq(caller.merchant_id))
            .filter(form_submissions::Column::Key.eq(&scoped))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        return Ok(Claimed::Fresh(slot));
    }
    txn.commit().await?;
    if row.request_hash.as_deref() != Some(request_hash.as_str()) {
        return Err(ApiError::IdempotencyKeyReused);
    }
    let Some(status) = row.response_status else {
        return Err(ApiError::IdempotencyInFlight);
    };
    Ok(Claimed::Replay(stored_response(status, row.outcome)))
}

fn stored_response(status: i32, body: String) -> Response {
    let status =
        u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

impl Slot {
    /// Records the answer in the transaction of the change it answers.
    pub async fn record(
        &self,
        db: &impl ConnectionTrait,
        status: StatusCode,
        body: &str,
    ) -> Result<(), ApiError> {
        form_submissions::Entity::update_many()
            .col_expr(form_submissions::Column::ResponseStatus, Expr::value(i32::from(status.as_u16())))
            .col_expr(form_submissions::Column::Outcome, Expr::value(body))
            .filter(form_submissions::Column::MemberId.eq(self.merchant))
            .filter(form_submissions::Column::Key.eq(&self.key))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Forgets the key after a failure of ours, so a retry can run.
    pub async fn release(&self, state: &AppState) {
        let deleted = form_submissions::Entity::delete_many()
            .filter(form_submissions::Column::MemberId.eq(self.merchant))
            .filter(form_submissions::Column::Key.eq(&self.key))
            .exec(&state.db)
            .await;
        if let Err(e) = deleted {
            tracing::error!(error = %e, "could not release an idempotency key");
        }
    }
}

/// Runs a POST once per Idempotency-Key: claims the key, runs `work` in a
/// write transaction, records the answer in the same transaction (refusals
/// too, so a repeat gets the same refusal), and commits.
pub async fn once<W>(
    state: &AppState,
    caller: &Caller,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
    work: W,
) -> Response
where
    W: AsyncFnOnce(&DatabaseTransaction) -> Result<(StatusCode, serde_json::Value), ApiError>,
{
    let slot = match claim(state, caller, method, path, headers, body).await {
        Ok(Claimed::Fresh(slot)) => slot,
        Ok(Claimed::Replay(response)) => return response,
        Err(error) => return error.into_response(),
    };
    let answered = async {
        let txn = crate::server::db::begin_write(&state.db).await?;
        match work(&txn).await {
            Ok((status, value)) => {
                let text = serde_json::to_string(&value).map_err(|_| ApiError::Internal)?;
                slot.record(&txn, status, &text).await?;
                txn.commit().await?;
                Ok((status, text))
            }
            Err(error) if !error.status().is_server_error() => {
                txn.rollback().await?;
                let text = serde_json::to_string(&error.problem()).map_err(|_| ApiError::Internal)?;
                slot.record(&state.db, error.status(), &text).await?;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }
    .await;
    match answered {
        Ok((status, text)) => {
            let mut response = (status, text).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => {
            if error.status().is_server_error() {
                slot.release(state).await;
            }
            error.into_response()
        }
    }
}
