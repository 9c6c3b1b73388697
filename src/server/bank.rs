//! The partner bank: a gateway trait, the simulated bank built in, and the
//! signed callback through which the bank reports back.
//!
//! The simulated bank behaves like a real one where it matters: it answers
//! later, over HTTP, to our callback URL; it signs each callback with the
//! shared secret; it retries a delivery that fails and sometimes delivers
//! one twice. It can be told to refuse everything or to be unreachable.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::clock::{Clock, SharedClock};
use super::state::AppState;
use super::store::commands::{Actor, Command, Executed, Outcome};
use super::store::{self, StoreError};
use crate::domain::bank::BankVerdict;
use crate::domain::money::Money;

pub const SIGNATURE_HEADER: &str = "x-bank-signature";
pub const TIMESTAMP_HEADER: &str = "x-bank-timestamp";
/// Callbacks older than this are refused even when correctly signed.
const MAX_CALLBACK_AGE_MS: i64 = 24 * 3_600_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankInstruction {
    pub reference: String,
    pub kind: crate::domain::bank::OperationKind,
    pub amount: Money,
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("the bank could not be reached")]
    Unreachable,
}

/// How money reaches the partner bank. The bank answers later through
/// [`callback`].
#[async_trait::async_trait]
pub trait BankGateway: Send + Sync + std::fmt::Debug {
    async fn submit(&self, instruction: BankInstruction) -> Result<(), BankError>;
}

/// What the simulated bank does with every instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BankMode {
    Confirm,
    Reject,
    Unreachable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackBody {
    pub reference: String,
    pub status: CallbackStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    Confirmed,
    Rejected,
}

#[derive(Debug)]
pub struct SimulatedBank {
    callback_url: String,
    secret: Arc<[u8]>,
    mode: BankMode,
    delay: Duration,
    /// Every n-th callback is delivered twice (0: never).
    duplicate_every: u32,
    sent: AtomicU32,
    client: reqwest::Client,
    /// The app's clock: the bank's timestamps live in the same world as the
    /// callback's freshness check (a test's manual clock included), so a
    /// test run on another day than its clock shows still works.
    clock: SharedClock,
}

impl SimulatedBank {
    pub fn new(
        callback_url: String,
        secret: Arc<[u8]>,
        mode: BankMode,
        delay: Duration,
        duplicate_every: u32,
        clock: SharedClock,
    ) -> Self {
        Self {
            callback_url,
            secret,
            mode,
            delay,
            duplicate_every,
            sent: AtomicU32::new(0),
            client: reqwest::Client::new(),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl BankGateway for SimulatedBank {
    async fn submit(&self, instruction: BankInstruction) -> Result<(), BankError> {
        let status = match self.mode {
            BankMode::Unreachable => return Err(BankError::Unreachable),
            BankMode::Confirm => CallbackStatus::Confirmed,
            BankMode::Reject => CallbackStatus::Rejected,
        };
        let n = self.sent.fetch_add(1, Ordering::Relaxed) + 1;
        let deliveries =
            if self.duplicate_every > 0 && n.is_multiple_of(self.duplicate_every) { 2 } else { 1 };
        let body = CallbackBody { reference: instruction.reference, status };
        let (client, url, secret, delay, clock) = (
            self.client.clone(),
            self.callback_url.clone(),
            self.secret.clone(),
            self.delay,
            self.clock.clone(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            for _ in 0..deliveries {
                deliver(&client, &url, &secret, &body, clock.as_ref()).await;
            }
        });
        Ok(())
    }
}

/// Posts one signed callback, retrying with backoff like a bank would.
async fn deliver(client: &reqwest::Client, url: &str, secret: &[u8], body: &CallbackBody, clock: &dyn Clock) {
    let Ok(json) = serde_json::to_vec(body) else {
        return;
    };
    let mut wait = Duration::from_millis(200);
    for attempt in 1..=6 {
        let timestamp = clock.now_ms().to_string();
        let signature = sign(secret, &timestamp, &json);
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature)
            .body(json.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() || response.status().is_client_error() => return,
            other => {
                tracing::warn!(attempt, reference = %body.reference, result = ?other.map(|r| r.status()), "bank callback not accepted; retrying")
            }
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

/// Hex HMAC-SHA256 over `timestamp.body`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks the signature in constant time.
fn signature_valid(secret: &[u8], timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// `POST /bank/callback`: the bank reports an operation's outcome. Applied
/// exactly once; a repeat answers 200 and changes nothing.
pub async fn callback(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (timestamp, signature) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER));
    if !signature_valid(&state.settings.bank_secret, &timestamp, &body, &signature) {
        tracing::warn!("bank callback with a bad signature refused");
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    let now = state.clock.now_ms();
    match timestamp.parse::<i64>() {
        Ok(sent_at) if (now - sent_at).abs() <= MAX_CALLBACK_AGE_MS => {}
        _ => return (StatusCode::UNAUTHORIZED, "stale or missing timestamp").into_response(),
    }
    let Ok(message) = serde_json::from_slice::<CallbackBody>(&body) else {
        return (StatusCode::BAD_REQUEST, "malformed callback").into_response();
    };
    let verdict = match message.status {
        CallbackStatus::Confirmed => BankVerdict::Confirmed,
        CallbackStatus::Rejected => BankVerdict::Rejected,
    };
    let command = Command::SettleBank { reference: message.reference.clone(), verdict };
    match store::commands::run(&state.db, Actor::Bank, None, command, now, &state.rules).await {
        Ok(Executed { outcome: Outcome::AlreadySettled, .. }) => {
            (StatusCode::OK, "already settled").into_response()
        }
        Ok(_) => (StatusCode::OK, "applied").into_response(),
        Err(StoreError::NotFound) => (StatusCode::NOT_FOUND, "unknown reference").into_response(),
        Err(e) => {
            tracing::error!(error = %e, reference = %message.reference, "bank callback failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_the_same_secret_timestamp_and_body() {
        let signature = sign(b"secret", "1700000000000", b"{\"a\":1}");
        assert!(signature_valid(b"secret", "1700000000000", b"{\"a\":1}", &signature));
        assert!(!signature_valid(b"other", "1700000000000", b"{\"a\":1}", &signature));
        assert!(!signature_valid(b"secret", "1700000000001", b"{\"a\":1}", &signature));
        assert!(!signature_valid(b"secret", "1700000000000", b"{\"a\":2}", &signature));
        assert!(!signature_valid(b"secret", "1700000000000", b"{\"a\":1}", "not hex"));
    }
}
