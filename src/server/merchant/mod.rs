//! The merchant API under `/api/v1` (SPEC §7): escrows for other shops,
//! their events and webhook endpoints, the OpenAPI 3.1 document generated
//! from these handlers, and a page that shows it. Every change is a command
//! through the store's one door, so an API call and a page click are the
//! same step.

pub mod caller;
pub mod delivery;
pub mod docs;
pub mod problem;
pub mod setup;
pub mod wire;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::problem::{ApiError, ApiPath, ApiQuery, Problem};
use self::wire::{
    CreateEndpoint, CreateEscrow, DeliveryBody, EndpointBody, EscrowBody, EscrowStatusBody, EventBody,
    IdempotencyKeyHeader, ItemBody, Page, Redelivered, Refund, Ship,
};
use crate::domain::merchant::{EscrowStatus, NewEscrow};
use crate::domain::money::Money;
use crate::domain::order::{Event, Shipment};
use crate::server::state::AppState;
use crate::server::store::commands::{self, Actor, Command, MerchantChange, Outcome};
use crate::server::store::merchants::Caller;
use crate::server::store::{escrows, webhooks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Escrowmart merchant API",
        version = "1",
        description = "Escrow for every shop: create an escrow, send the buyer to its checkout_url, \
            ship through the API, and hear every step by signed webhook (Standard Webhooks). Amounts \
            are decimal strings in yuan; ids are opaque strings. Every POST needs an Idempotency-Key. \
            Errors are RFC 9457 problem documents."
    ),
    modifiers(&BearerKey),
    security(("bearer" = [])),
    components(schemas(Problem, EscrowStatusBody, ItemBody))
)]
struct ApiDoc;

/// API keys go in `Authorization: Bearer em_live_…` (or `em_test_…`).
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("em_live_…").build(),
            ),
        );
    }
}

/// The API's routes and its OpenAPI document, from the same handlers.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(create_escrow, list_escrows))
        .routes(routes!(get_escrow))
        .routes(routes!(ship_escrow))
        .routes(routes!(cancel_escrow))
        .routes(routes!(refund_escrow))
        .routes(routes!(list_events))
        .routes(routes!(event_deliveries))
        .routes(routes!(redeliver_event))
        .routes(routes!(create_endpoint, list_endpoints))
        .routes(routes!(delete_endpoint))
        .split_for_parts();
    api.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    // The nested router's own fallback answers unknown API paths with a
    // problem document instead of the site's HTML 404 page.
    (axum::Router::new().nest("/api/v1", router.fallback(not_found)), api)
}

fn public_url(state: &AppState) -> &str {
    &state.settings.public_url
}

fn body_of(state: &AppState, escrow: &escrows::Escrow) -> serde_json::Value {
    serde_json::to_value(EscrowBody::of(escrow, public_url(state))).unwrap_or_default()
}

fn read<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Malformed(format!("The body is not the expected JSON: {e}")))
}

/// The caller's escrow; another merchant's, or one of the other mode, is
/// not found.
async fn escrow_of(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<escrows::Escrow, ApiError> {
    escrows::find_for(db, caller.merchant_id, caller.mode, id).await?.ok_or(ApiError::NotFound)
}

/// An event on the escrow's order, as its seller.
async fn order_step(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    caller: &Caller,
    id: &str,
    event: Event,
) -> Result<(StatusCode, serde_json::Value), ApiError> {
    let escrow = escrow_of(txn, caller, id).await?;
    let order_id =
        escrow.order_id.ok_or_else(|| ApiError::IllegalState("The buyer has not paid yet".into()))?;
    let command = Command::Order { order_id, event, photos: Vec::new() };
    commands::execute(
        txn,
        Actor::Member(caller.merchant_id),
        None,
        command,
        state.clock.now_ms(),
        &state.rules,
    )
    .await?;
    let escrow = escrow_of(txn, caller, id).await?;
    Ok((StatusCode::OK, body_of(state, &escrow)))
}

/// Create an escrow
///
/// Creates an escrow awaiting payment and answers with its `checkout_url`,
/// where the buyer signs in and pays. A second escrow with the same
/// `out_trade_no` is refused with 409, naming the first in `existing_id`.
#[utoipa::path(
    post,
    path = "/escrows",
    tag = "escrows",
    request_body = CreateEscrow,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created", body = EscrowBody, links(
            ("GetEscrow" = (operation_id = "get_escrow", parameters(("id" = "$response.body#/id")))),
            ("ShipEscrow" = (operation_id = "ship_escrow", parameters(("id" = "$response.body#/id")))),
            ("CancelEscrow" = (operation_id = "cancel_escrow", parameters(("id" = "$response.body#/id")))),
            ("RefundEscrow" = (operation_id = "refund_escrow", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, description = "No Idempotency-Key, or a body that is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Bad key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate out_trade_no, or the same key still in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_escrow(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    caller::once(&state, &caller, "POST", "/escrows", &headers, &body, async |txn| {
        let request: CreateEscrow = read(&body)?;
        let escrow = NewEscrow::parse(&request.request()).map_err(ApiError::Validation)?;
        let command = Command::CreateEscrow { mode: caller.mode, escrow };
        let now = state.clock.now_ms();
        let outcome =
            commands::execute(txn, Actor::Member(caller.merchant_id), None, command, now, &state.rules)
                .await?;
        let Outcome::Escrow { public_id, .. } = outcome.outcome else { return Err(ApiError::Internal) };
        let escrow = escrow_of(txn, &caller, &public_id).await?;
        Ok((StatusCode::CREATED, body_of(&state, &escrow)))
    })
    .await
}

/// Get an escrow
#[utoipa::path(
    get,
    path = "/escrows/{id}",
    tag = "escrows",
    params(("id" = String, Path, description = "The escrow's id")),
    responses(
        (status = 200, description = "The escrow", body = EscrowBody),
        (status = 401, description = "Bad key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not this key's escrow", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_escrow(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EscrowBody>, ApiError> {
    let escrow = escrow_of(&state.db, &caller, &id).await?;
    Ok(Json(EscrowBody::of(&escrow, public_url(&state))))
}

/// Filters and the page of `GET /escrows`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EscrowQuery {
    /// Only the escrow with this order number.
    #[param(max_length = 64)]
    out_trade_no: Option<String>,
    /// Only escrows in this status.
    status: Option<EscrowStatusBody>,
    /// The `id` of the last escrow of the previous page (its
    /// `next_cursor`); the page starts after it. An id this key does not
    /// know answers 404.
    #[param(max_length = 64)]
    cursor: Option<String>,
    /// 1 to 100; 20 by default.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
}

fn page_size(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit.unwrap_or(20) {
        n @ 1..=100 => Ok(n),
        _ => Err(ApiError::Validation(crate::domain::validation::FieldErrors::one("limit", "1 to 100"))),
    }
}

/// List escrows
///
/// Newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/escrows",
    tag = "escrows",
    params(EscrowQuery),
    responses(
        (status = 200, description = "A page of escrows", body = Page<EscrowBody>),
        (status = 401, description = "Bad key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The cursor names no escrow of this key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_escrows(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EscrowQuery>,
) -> Result<Json<Page<EscrowBody>>, ApiError> {
    let limit = page_size(query.limit)?;
    if query
        .out_trade_no
        .as_ref()
        .is_some_and(|n| n.chars().count() > crate::domain::merchant::OUT_TRADE_NO_MAX_CHARS)
    {
        let message = format!("At most {} characters", crate::domain::merchant::OUT_TRADE_NO_MAX_CHARS);
        return Err(ApiError::Validation(crate::domain::validation::FieldErrors::one(
            "out_trade_no",
            message,
        )));
    }
    let status = query.status.map(EscrowStatus::from);
    let before = match query.cursor.as_deref() {
        Some(cursor) => Some(escrow_of(&state.db, &caller, cursor).await?.id),
        None => None,
    };
    let found = escrows::page(
        &state.db,
        caller.merchant_id,
        caller.mode,
        query.out_trade_no.as_deref(),
        status,
        before,
        limit + 1,
    )
    .await?;
    let more = found.len() as u64 > limit;
    let data: Vec<EscrowBody> =
        found.iter().take(limit as usize).map(|e| EscrowBody::of(e, public_url(&state))).collect();
    let next_cursor = if more { found.get(limit as usize - 1).map(|e| e.public_id.clone()) } else { None };
    Ok(Json(Page { data, next_cursor }))
}

/// Ship an escrow
///
/// The merchant says the goods left, with the carrier and tracking number;
/// the buyer's confirm-by deadline starts.
#[utoipa::path(
    post,
    path = "/escrows/{id}/ship",
    tag = "escrows",
    request_body = Ship,
    params(("id" = String, Path, description = "The escrow's or event's id"), IdempotencyKeyHeader),
    responses(
        (status = 200, description = "Shipped", body = EscrowBody),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid, or already shipped", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn ship_escrow(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/escrows/{id}/ship");
    caller::once(&state, &caller, "POST", &path, &headers, &body, async |txn| {
        let ship: Ship = read(&body)?;
        let shipment = Shipment::parse(&ship.carrier, &ship.tracking_no).map_err(|e| {
            ApiError::Validation(crate::domain::validation::FieldErrors::one("tracking_no", e.to_string()))
        })?;
        order_step(&state, txn, &caller, &id, Event::Ship(shipment)).await
    })
    .await
}

/// Cancel an escrow
///
/// Only an escrow nobody has paid.
#[utoipa::path(
    post,
    path = "/escrows/{id}/cancel",
    tag = "escrows",
    params(("id" = String, Path, description = "The escrow's or event's id"), IdempotencyKeyHeader),
    responses(
        (status = 200, description = "Cancelled", body = EscrowBody),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already paid", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn cancel_escrow(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/escrows/{id}/cancel");
    caller::once(&state, &caller, "POST", &path, &headers, &body, async |txn| {
        let command = Command::CancelEscrow { mode: caller.mode, public_id: id.clone() };
        let now = state.clock.now_ms();
        commands::execute(txn, Actor::Member(caller.merchant_id), None, command, now, &state.rules).await?;
        let escrow = escrow_of(txn, &caller, &id).await?;
        Ok((StatusCode::OK, body_of(&state, &escrow)))
    })
    .await
}

/// Refund an escrow
///
/// Gives back part or all of what escrow holds, at once and without fee;
/// the rest stays held until the buyer confirms. A full refund ends it.
#[utoipa::path(
    post,
    path = "/escrows/{id}/refunds",
    tag = "escrows",
    request_body = Refund,
    params(("id" = String, Path, description = "The escrow's or event's id"), IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Refunded", body = EscrowBody),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paid, or already ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than is held", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn refund_escrow(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/escrows/{id}/refunds");
    caller::once(&state, &caller, "POST", &path, &headers, &body, async |txn| {
        let refund: Refund = read(&body)?;
        let amount = Money::parse(&refund.amount).map_err(|e| {
            ApiError::Validation(crate::domain::validation::FieldErrors::one("amount", e.to_string()))
        })?;
        let (_, escrow) = order_step(&state, txn, &caller, &id, Event::SellerRefund { amount }).await?;
        Ok((StatusCode::CREATED, escrow))
    })
    .await
}

/// The page of `GET /events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventQuery {
    /// The `id` of the last event of the previous page (its `next_cursor`).
    #[param(max_length = 64)]
    cursor: Option<String>,
    /// 1 to 100; 20 by default.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
}

/// List events
///
/// What the key's merchant was told by webhook, newest first.
#[utoipa::path(
    get,
    path = "/events",
    tag = "webhooks",
    params(EventQuery),
    responses(
        (status = 200, body = Page<EventBody>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The cursor names no event of this key", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<Page<EventBody>>, ApiError> {
    let limit = page_size(query.limit)?;
    let before = match query.cursor.as_deref() {
        Some(cursor) => Some(
            webhooks::event(&state.db, caller.merchant_id, Some(caller.mode), cursor)
                .await?
                .ok_or(ApiError::NotFound)?
                .id,
        ),
        None => None,
    };
    let found = webhooks::events(&state.db, caller.merchant_id, caller.mode, before, limit + 1).await?;
    let more = found.len() as u64 > limit;
    let data = found.iter().take(limit as usize).map(|e| EventBody::of(e, public_url(&state))).collect();
    let next_cursor = if more { found.get(limit as usize - 1).map(|e| e.public_id.clone()) } else { None };
    Ok(Json(Page { data, next_cursor }))
}

/// List an event's deliveries
#[utoipa::path(
    get,
    path = "/events/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Vec<DeliveryBody>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn event_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<DeliveryBody>>, ApiError> {
    let event = webhooks::event(&state.db, caller.merchant_id, Some(caller.mode), &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let deliveries = webhooks::deliveries(&state.db, event.id).await?;
    Ok(Json(deliveries.iter().map(DeliveryBody::from).collect()))
}

/// Redeliver an event
///
/// Sends the event again to every live endpoint.
#[utoipa::path(
    post,
    path = "/events/{id}/redeliver",
    tag = "webhooks",
    params(("id" = String, Path, description = "The escrow's or event's id"), IdempotencyKeyHeader),
    responses(
        (status = 202, body = Redelivered),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn redeliver_event(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/events/{id}/redeliver");
    caller::once(&state, &caller, "POST", &path, &headers, &body, async |txn| {
        let event = webhooks::event(txn, caller.merchant_id, Some(caller.mode), &id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let queued = webhooks::redeliver(txn, &event, state.clock.now_ms()).await?;
        Ok((StatusCode::ACCEPTED, serde_json::to_value(Redelivered { queued }).unwrap_or_default()))
    })
    .await
}

fn endpoint_body(endpoint: &webhooks::Endpoint, secret: Option<String>) -> EndpointBody {
    EndpointBody {
        id: endpoint.id,
        url: endpoint.url.clone(),
        enabled: endpoint.disabled_at.is_none(),
        secret,
        disabled_reason: endpoint.disabled_reason.clone(),
    }
}

/// Add a webhook endpoint
///
/// The answer carries the endpoint's signing secret, once.
#[utoipa::path(
    post,
    path = "/webhook_endpoints",
    tag = "webhooks",
    request_body = CreateEndpoint,
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, body = EndpointBody, links(
            ("DeleteEndpoint" = (operation_id = "delete_endpoint", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    caller::once(&state, &caller, "POST", "/webhook_endpoints", &headers, &body, async |txn| {
        let request: CreateEndpoint = read(&body)?;
        let command = Command::Merchant(MerchantChange::AddEndpoint(request.url));
        let now = state.clock.now_ms();
        let done =
            commands::execute(txn, Actor::Member(caller.merchant_id), None, command, now, &state.rules)
                .await?;
        let Outcome::Merchant { secret } = done.outcome else { return Err(ApiError::Internal) };
        let endpoint = webhooks::endpoints(txn, caller.merchant_id)
            .await?
            .into_iter()
            .next_back()
            .ok_or(ApiError::Internal)?;
        Ok((StatusCode::CREATED, serde_json::to_value(endpoint_body(&endpoint, secret)).unwrap_or_default()))
    })
    .await
}

/// List webhook endpoints
#[utoipa::path(
    get,
    path = "/webhook_endpoints",
    tag = "webhooks",
    responses(
        (status = 200, body = Vec<EndpointBody>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_endpoints(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<EndpointBody>>, ApiError> {
    let endpoints = webhooks::endpoints(&state.db, caller.merchant_id).await?;
    Ok(Json(endpoints.iter().map(|e| endpoint_body(e, None)).collect()))
}

/// Remove a webhook endpoint
#[utoipa::path(
    delete,
    path = "/webhook_endpoints/{id}",
    tag = "webhooks",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let command = Command::Merchant(MerchantChange::DisableEndpoint(id));
    commands::run(
        &state.db,
        Actor::Member(caller.merchant_id),
        None,
        command,
        state.clock.now_ms(),
        &state.rules,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Keeps the API's answer to a wrong path in its own shape.
pub async fn not_found() -> impl IntoResponse {
    ApiError::NotFound
}
