//! Sends the webhook outbox, after the Standard Webhooks spec: each event
//! is posted with `webhook-id` (the same on every retry), `webhook-timestamp`
//! (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">` under the endpoint's `whsec_` secret. Only a 2xx
//! counts; 410 disables the endpoint; anything else waits for the next
//! step of the retry schedule. Deliveries are claimed, so several app
//! instances send each attempt once.

use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::wire::EventBody;
use crate::server::state::AppState;
use crate::server::store::StoreError;
use crate::server::store::webhooks::{self, Attempt, DueDelivery};

const LEASE_MS: i64 = 60_000;
const BATCH: u64 = 50;
/// How long one attempt may take before it counts as failed (the
/// default of `Settings::webhook_timeout`).
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// `v1,<base64 signature>` of `id.timestamp.body`, or none for a secret
/// that is not `whsec_` and base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())))
}

/// Sends every due delivery once; returns how many were attempted.
pub async fn deliver_due(state: &AppState, client: &reqwest::Client) -> Result<usize, StoreError> {
    let mut attempted = 0;
    loop {
        let now = state.clock.now_ms();
        let due = webhooks::claim_due(&state.db, now, LEASE_MS, BATCH).await?;
        if due.is_empty() {
            return Ok(attempted);
        }
        for delivery in due {
            let started = Instant::now();
            let attempt = send(state, client, &delivery).await;
            let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            let schedule = &state.settings.webhook_retry_ms;
            webhooks::record_attempt(
                &state.db,
                &delivery,
                &attempt,
                latency_ms,
                state.clock.now_ms(),
                schedule,
            )
            .await?;
            attempted += 1;
        }
    }
}

async fn send(state: &AppState, client: &reqwest::Client, delivery: &DueDelivery) -> Attempt {
    let event = EventBody::of(&delivery.event, &state.settings.public_url);
    let Ok(body) = serde_json::to_vec(&event.payload()) else {
        return Attempt::Failed { status: None, error: "the event could not be written".into() };
    };
    let timestamp = state.clock.now_ms() / 1000;
    let Some(signature) = sign(&delivery.endpoint.secret, &event.id, timestamp, &body) else {
        return Attempt::Failed { status: None, error: "the endpoint's secret is unusable".into() };
    };
    let sent = client
        .post(&delivery.endpoint.url)
        .timeout(state.settings.webhook_timeout)
        .header("content-type", "application/json")
        .header("webhook-id", &event.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            Attempt::Delivered { status: response.status().as_u16() }
        }
        Ok(response) if response.status() == reqwest::StatusCode::GONE => Attempt::Gone,
        Ok(response) => Attempt::Failed {
            status: Some(response.status().as_u16()),
            error: format!("answered {}", response.status()),
        },
        Err(e) if e.is_timeout() => Attempt::Failed { status: None, error: "timed out".into() },
        Err(e) => Attempt::Failed { status: None, error: format!("could not be reached: {e}") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_verified_by_the_standard_webhooks_library() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"type":"escrow.paid"}"#;
        let signature = sign(secret, "msg_1", 1_700_000_000, body).unwrap_or_default();
        let verifier = standardwebhooks::Webhook::new(secret).unwrap_or_else(|e| panic!("{e:?}"));
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", http::HeaderValue::from_static("msg_1"));
        headers.insert("webhook-timestamp", http::HeaderValue::from_static("1700000000"));
        headers.insert(
            "webhook-signature",
            http::HeaderValue::from_str(&signature).unwrap_or_else(|e| panic!("{e}")),
        );
        // The library also checks the timestamp is recent; this one is old, so
        // only the signature is compared here.
        let expected = verifier.sign("msg_1", 1_700_000_000, body).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(signature, expected);
        assert!(sign("not a secret", "msg_1", 1, body).is_none());
    }
}
