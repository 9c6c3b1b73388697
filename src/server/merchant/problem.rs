//! Every API error is an RFC 9457 problem document with a stable `type` and
//! `code`, so a shop can branch on them without reading English.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::validation::FieldErrors;
use crate::server::store::StoreError;

/// An RFC 9457 problem document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "/api/docs#validation",
    "title": "The request is not valid",
    "status": 422,
    "code": "validation",
    "detail": "amount: Use at most two decimal places (fen)",
    "errors": {"amount": "Use at most two decimal places (fen)"}
}))]
pub struct Problem {
    /// A stable reference for this kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// The same kind of problem as a short machine name.
    pub code: String,
    pub detail: String,
    /// Validation problems: the message for each field.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub errors: Option<BTreeMap<String, String>>,
    /// A duplicate: the escrow that already has this order number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub existing_id: Option<String>,
}

/// What went wrong with an API call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No key, an unknown one, or a revoked one.
    InvalidKey,
    /// The key's merchant may not do this.
    WrongParty,
    NotFound,
    /// The escrow's state does not allow this step.
    IllegalState(String),
    Validation(FieldErrors),
    /// An escrow with this order number exists.
    Duplicate(String),
    IdempotencyKeyMissing,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    Malformed(String),
    RateLimited {
        retry_after_secs: u64,
    },
    Internal,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::InvalidKey => {
                (StatusCode::UNAUTHORIZED, "invalid_key", "The API key is missing, unknown or revoked")
            }
            ApiError::WrongParty => (StatusCode::FORBIDDEN, "wrong_party", "This key may not do that"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "No such resource for this key"),
            ApiError::IllegalState(_) => {
                (StatusCode::CONFLICT, "illegal_state", "The escrow cannot take this step now")
            }
            ApiError::Validation(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "validation", "The request is not valid")
            }
            ApiError::Duplicate(_) => {
                (StatusCode::CONFLICT, "duplicate_out_trade_no", "An escrow already has this order number")
            }
            ApiError::IdempotencyKeyMissing => (
                StatusCode::BAD_REQUEST,
                "idempotency_key_missing",
                "Send an Idempotency-Key header with every POST",
            ),
            ApiError::IdempotencyInFlight => (
                StatusCode::CONFLICT,
                "idempotency_in_flight",
                "A request with this Idempotency-Key is still running",
            ),
            ApiError::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request",
            ),
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed", "The request could not be read"),
            ApiError::RateLimited { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests")
            }
            ApiError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side")
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.parts();
        let (detail, errors, existing_id) = match self {
            ApiError::Validation(errors) => {
                let all: BTreeMap<String, String> =
                    errors.iter().map(|(f, m)| (f.to_owned(), m.to_owned())).collect();
                let detail = all.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; ");
                (detail, Some(all), None)
            }
            ApiError::Duplicate(existing) => {
                (format!("The escrow {existing} already has this out_trade_no"), None, Some(existing.clone()))
            }
            ApiError::IllegalState(detail) | ApiError::Malformed(detail) => (detail.clone(), None, None),
            ApiError::RateLimited { retry_after_secs } => {
                (format!("Try again in {retry_after_secs} s"), None, None)
            }
            _ => (title.to_owned(), None, None),
        };
        Problem {
            kind: format!("/api/docs#{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail,
            errors,
            existing_id,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let ApiError::RateLimited { retry_after_secs } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        use crate::domain::order::TransitionError as T;
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Duplicate(existing) => ApiError::Duplicate(existing),
            StoreError::Rule(T::NotYourRole) => ApiError::WrongParty,
            StoreError::Rule(T::NotNow(state)) => {
                ApiError::IllegalState(format!("The escrow's order is {}", state.slug()))
            }
            StoreError::Rule(other) => ApiError::Validation(FieldErrors::one("request", other.to_string())),
            StoreError::WrongState(detail) => ApiError::IllegalState(detail),
            StoreError::Invalid(refused) => {
                ApiError::Validation(FieldErrors::one("request", refused.to_string()))
            }
            StoreError::Conflict => {
                ApiError::IllegalState("The escrow changed meanwhile; read it and try again".into())
            }
            StoreError::InsufficientFunds | StoreError::SoldOut | StoreError::Taken(_) => {
                ApiError::IllegalState(error.to_string())
            }
            StoreError::BalanceLimit(_) => ApiError::IllegalState(crate::server::wallet_full()),
            StoreError::Corrupt(_) | StoreError::Db(_) => {
                tracing::error!(error = %error, "merchant API store error");
                ApiError::Internal
            }
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        StoreError::Db(error).into()
    }
}

/// A path segment that does not parse (an id out of range) names nothing.
impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        ApiError::NotFound
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::Validation(FieldErrors::one("query", rejection.body_text()))
    }
}

/// `Path`, answering a bad segment with a problem document.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query`, answering a bad parameter with a problem document.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
