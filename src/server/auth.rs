//! Passwords and who is signed in.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tower_sessions::Session;

use super::store::members::Member;

/// The session key holding the signed-in member's id.
pub const MEMBER_ID_KEY: &str = "member_id";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("session store failed: {0}")]
    Session(#[from] tower_sessions::session::Error),
}

/// argon2id with m=19456 KiB, t=2, p=1 (OWASP's recommendation).
fn hasher() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes on the blocking pool: ~20 MB and tens of milliseconds of CPU would
/// otherwise stall every request sharing the async worker.
pub async fn hash_password(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AuthError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))?
}

/// Checks a password against a stored hash, or against a throwaway hash when
/// the email is unknown, so that both cases take the same time and an
/// attacker cannot tell which emails have accounts. The hash is verified
/// before `known` is looked at: `known && verify(…)` once skipped the work
/// for unknown emails and answered in 1.5 ms instead of 20–25 ms.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> Result<bool, AuthError> {
    tokio::task::spawn_blocking(move || {
        let hasher = hasher()?;
        let known = stored_hash.is_some();
        let hash = match stored_hash {
            Some(hash) => hash,
            None => dummy_hash(&hasher)?.to_owned(),
        };
        let parsed = PasswordHash::new(&hash).map_err(|e| AuthError::Hash(e.to_string()))?;
        let matches = hasher.verify_password(password.as_bytes(), &parsed).is_ok();
        VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(matches && known)
    })
    .await
    .map_err(|e| AuthError::Hash(e.to_string()))?
}

static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// How many password hashes this process has verified, the throwaway one
/// included; lets a test see that an unknown email costs a verification.
pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

/// Made once, so an unknown email costs one verification like a known one.
fn dummy_hash(hasher: &Argon2<'_>) -> Result<&'static str, AuthError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher
        .hash_password(b"no such member", &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(DUMMY.get_or_init(|| hash))
}

/// Starts a signed-in session under a fresh id, so an id planted before
/// sign-in (session fixation) is worthless afterwards.
pub async fn sign_in(session: &Session, member: &Member) -> Result<(), AuthError> {
    session.cycle_id().await?;
    session.insert(MEMBER_ID_KEY, member.id).await?;
    Ok(())
}

/// Ends the session: its row is deleted and the cookie cleared, so the old id
/// is dead and the next visit gets a new one.
pub async fn sign_out(session: &Session) -> Result<(), AuthError> {
    session.flush().await?;
    Ok(())
}

pub async fn signed_in_member_id(session: &Session) -> Result<Option<i64>, AuthError> {
    Ok(session.get::<i64>(MEMBER_ID_KEY).await?)
}
