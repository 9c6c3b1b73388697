//! Sends the webhook outbox, after the Standard Webhooks spec: each event
//! is posted with `webhook-id` (the same on every retry), `webhook-timestamp`
//! (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">` under the endpoint's `whsec_` secret. Only a 2xx
//! counts; 410 disables the endpoint; anything else waits for the next
//! step of the retry schedule. Deliveries are claimed, so several app
//! instances send each attempt once.

use std::net::{IpAddr, SocketAddr};
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

/// The HTTP client deliveries go out with. Endpoint addresses are typed by
/// merchants, so unless `allow_private` (tests, a shop on the same machine)
/// no delivery reaches a loopback, private, link-local or other internal
/// address — not by an IP in the URL (checked in `send`), not by a name
/// that resolves to one (this resolver), not by a redirect (none are
/// followed: only a 2xx counts anyway).
pub fn client(allow_private: bool) -> reqwest::Client {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let builder = if allow_private { builder } else { builder.dns_resolver(PublicOnly) };
    builder.build().unwrap_or_default()
}

/// Resolves names to their public addresses only.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An address on the public internet, not one of ours or a neighbour's.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
                || (a == 198 && (18..20).contains(&b))) // benchmarking
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local
                    || (first & 0xffc0) == 0xfe80) // link local
            }
        },
    }
}

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
            let outcome = match attempt {
                Attempt::Delivered { .. } => "delivered",
                Attempt::Gone => "gone",
                Attempt::Failed { .. } => "failed",
            };
            metrics::counter!(crate::server::metrics::WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
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
    if !state.settings.webhook_allow_private && names_a_private_address(&delivery.endpoint.url) {
        return Attempt::Failed { status: None, error: "not sent: the address is not public".into() };
    }
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

/// A URL whose host is an IP literal that is not public.
fn names_a_private_address(url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)) else {
        return true;
    };
    // An IPv6 host comes in brackets.
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => false,
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

    #[test]
    fn only_public_addresses_count_as_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap_or_else(|e| panic!("{private}: {e}"))), "{private}");
        }
        for public in ["1.1.1.1", "203.0.114.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap_or_else(|e| panic!("{public}: {e}"))), "{public}");
        }
        assert!(names_a_private_address("http://127.0.0.1:9/hooks"));
        assert!(names_a_private_address("http://[::1]/hooks"));
        assert!(!names_a_private_address("https://shop.example/hooks"));
    }
}
