//! The OpenAPI document as JSON, and a page that shows it. The page is
//! written here from the same document rather than with a browsable-docs
//! crate: those load their viewer from a CDN at run time, which the
//! content security policy (rightly) blocks and an offline machine lacks.

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::encode_text as text;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Operation;

/// `GET /api/v1/openapi.json`.
pub fn json(api: &Arc<OpenApi>) -> Response {
    match api.to_json() {
        Ok(body) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "OpenAPI document could not be written");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Problem codes, each with the anchor its `type` points at.
const PROBLEMS: [(&str, u16, &str); 12] = [
    ("invalid_key", 401, "No key, an unknown key, or a revoked key."),
    ("wrong_party", 403, "The key's merchant may not do this."),
    ("not_found", 404, "No such escrow or event for this key (another merchant's, or the other mode)."),
    ("illegal_state", 409, "The escrow cannot take this step now (not paid yet, already shipped, ended)."),
    ("duplicate_out_trade_no", 409, "An escrow already has this out_trade_no; existing_id names it."),
    ("idempotency_in_flight", 409, "A request with this Idempotency-Key is still running; retry later."),
    ("idempotency_key_missing", 400, "Every POST needs an Idempotency-Key header."),
    ("idempotency_key_reused", 422, "The Idempotency-Key was used with a different body."),
    ("validation", 422, "Fields are wrong; errors maps each field to its message."),
    ("malformed", 400, "The body is not the JSON this endpoint reads."),
    ("rate_limited", 429, "Too many calls for this key or address; see Retry-After."),
    ("internal", 500, "Our fault; the request changed nothing. Retry with the same Idempotency-Key."),
];

/// `GET /api/docs`; `stylesheet` is the site's `<link>` to its CSS.
pub fn page(api: &Arc<OpenApi>, stylesheet: &str) -> Html<String> {
    let mut out = String::new();
    let description = api.info.description.as_deref().unwrap_or_default();
    out.push_str(&format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{} · Escrowmart</title>\
         {stylesheet}</head><body><main class=\"page api-docs\">\
         <h1>{}</h1><p>{}</p><p><a href=\"/api/v1/openapi.json\">OpenAPI 3.1 document (JSON)</a></p>",
        text(&api.info.title),
        text(&api.info.title),
        text(description)
    ));
    out.push_str(
        "<h2 id=\"webhooks\">Webhooks</h2><p>Each event is posted as JSON <code>{\"type\", \"timestamp\", \"data\"}</code> \
         with the headers <code>webhook-id</code> (the same on every retry), <code>webhook-timestamp</code> (Unix \
         seconds) and <code>webhook-signature: v1,&lt;base64 HMAC-SHA256 of id.timestamp.body&gt;</code>, keyed by \
         the base64 after <code>whsec_</code> in the endpoint's secret (Standard Webhooks). Only a 2xx answer \
         counts; 410 disables the endpoint; otherwise the delivery is retried after about 5 s, 5 min, 30 min, 2 h, \
         5 h, 10 h, 14 h, 20 h and 24 h. Events: escrow.paid, escrow.shipped, escrow.completed, \
         escrow.refund_requested, escrow.disputed, escrow.refunded, escrow.cancelled.</p>",
    );
    out.push_str(
        "<h2 id=\"statuses\">Statuses</h2><table class=\"table\"><tr><th>status</th><th>Alipay</th></tr>",
    );
    for status in crate::domain::merchant::EscrowStatus::ALL {
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
            status.slug(),
            status.alipay()
        ));
    }
    out.push_str("</table><h2 id=\"problems\">Errors</h2><p>RFC 9457 <code>application/problem+json</code>.</p><table class=\"table\"><tr><th>code</th><th>status</th><th>meaning</th></tr>");
    for (code, status, meaning) in PROBLEMS {
        out.push_str(&format!(
            "<tr id=\"{code}\"><td><code>{code}</code></td><td>{status}</td><td>{}</td></tr>",
            text(meaning)
        ));
    }
    out.push_str("</table><h2 id=\"endpoints\">Endpoints</h2>");
    let base = api.servers.as_ref().and_then(|s| s.first()).map(|s| s.url.clone()).unwrap_or_default();
    for (path, item) in &api.paths.paths {
        let operations: [(&str, &Option<Operation>); 4] =
            [("GET", &item.get), ("POST", &item.post), ("DELETE", &item.delete), ("PUT", &item.put)];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            out.push_str(&format!(
                "<section class=\"endpoint\"><h3><code>{method} {}{}</code></h3>",
                text(&base),
                text(path)
            ));
            if let Some(summary) = &operation.summary {
                out.push_str(&format!("<p><strong>{}</strong></p>", text(summary)));
            }
            if let Some(description) = &operation.description {
                out.push_str(&format!("<p>{}</p>", text(description)));
            }
            if let Some(parameters) = &operation.parameters {
                out.push_str("<ul>");
                for parameter in parameters {
                    let utoipa::openapi::RefOr::T(parameter) = parameter else { continue };
                    out.push_str(&format!(
                        "<li><code>{}</code> ({}){}</li>",
                        text(&parameter.name),
                        match parameter.parameter_in {
                            utoipa::openapi::path::ParameterIn::Path => "path",
                            utoipa::openapi::path::ParameterIn::Query
                            | utoipa::openapi::path::ParameterIn::QueryString => "query",
                            utoipa::openapi::path::ParameterIn::Header => "header",
                            utoipa::openapi::path::ParameterIn::Cookie => "cookie",
                        },
                        parameter
                            .description
                            .as_deref()
                            .map(|d| format!(": {}", text(d)))
                            .unwrap_or_default()
                    ));
                }
                out.push_str("</ul>");
            }
            out.push_str("<p>Answers: ");
            let statuses: Vec<String> = operation
                .responses
                .responses
                .keys()
                .map(|status| format!("<code>{}</code>", text(status)))
                .collect();
            out.push_str(&statuses.join(", "));
            out.push_str("</p></section>");
        }
    }
    out.push_str("</main></body></html>");
    Html(out)
}
