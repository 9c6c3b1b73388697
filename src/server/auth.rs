//! Passwords and who is signed in.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;
use tower_sessions::Session;

use super::state::AppState;
use super::store::members::Member;
use crate::domain::account::{SessionCheck, SignedIn};

/// The session key holding who is signed in ([`SignedIn`]). A session of
/// the time before it (a bare `member_id`) counts as signed out.
pub const SIGNED_IN_KEY: &str = "signed_in";

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

/// Hashes running at once: one per core. Each takes ~20 MB of memory and
/// tens of milliseconds of CPU; unbounded, 64 members signing up at once
/// took the server's peak RSS to 1,253 MB (16 at once: 345 MB), and the
/// allocator keeps most of that after the hashes end. More hashes at once
/// than cores would not finish sooner anyway.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)));

/// Runs password work on the blocking pool (it would otherwise stall every
/// request sharing the async worker), after waiting for a free core.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    let _core = HASHING.acquire().await.map_err(|e| AuthError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AuthError::Hash(e.to_string()))?
}

pub async fn hash_password(password: String) -> Result<String, AuthError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AuthError::Hash(e.to_string()))
    })
    .await
}

/// Checks a password against a stored hash, or against a throwaway hash when
/// the email is unknown, so that both cases take the same time and an
/// attacker cannot tell which emails have accounts. The hash is verified
/// before `known` is looked at: `known && verify(…)` once skipped the work
/// for unknown emails and answered in 1.5 ms instead of 20–25 ms.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> Result<bool, AuthError> {
    hashing(move || {
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
pub async fn sign_in(session: &Session, member: &Member, now: i64) -> Result<(), AuthError> {
    sign_in_under(session, member.id, member.session_generation, now).await
}

/// Signs in under a given session generation: the one a password change
/// has just raised, so the session making the change goes on.
pub async fn sign_in_under(
    session: &Session,
    member_id: i64,
    generation: i32,
    now: i64,
) -> Result<(), AuthError> {
    session.cycle_id().await?;
    let signed_in = SignedIn { member_id, generation, signed_in_at: now, last_seen_at: now };
    session.insert(SIGNED_IN_KEY, signed_in).await?;
    Ok(())
}

/// Ends a session that should no longer stand — its member signed out
/// everywhere or changed their password, it sat idle for a week, it is a
/// month old, its member is gone — before anything reads who is signed in,
/// so every route sees the same answer. One query by primary key per
/// signed-in request; "last seen" is written at most once a minute.
pub async fn end_stale_sessions(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if let Some(session) = request.extensions().get::<Session>().cloned()
        && let Err(e) = check_session(&state, &session).await
    {
        // Whether the session still stands is unknown (the database is
        // unreachable): nothing this request could do would work anyway.
        return super::http::internal_error(&e);
    }
    next.run(request).await
}

async fn check_session(
    state: &AppState,
    session: &Session,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Some(signed_in) = session.get::<SignedIn>(SIGNED_IN_KEY).await? else {
        return Ok(());
    };
    let now = state.clock.now_ms();
    let generation = super::store::accounts::session_generation(&state.db, signed_in.member_id).await?;
    match generation.map(|g| signed_in.check(g, now)) {
        Some(SessionCheck::Live { touch: false }) => {}
        Some(SessionCheck::Live { touch: true }) => {
            session.insert(SIGNED_IN_KEY, SignedIn { last_seen_at: now, ..signed_in }).await?;
        }
        ended => {
            tracing::info!(member_id = signed_in.member_id, ?ended, "session ended");
            session.flush().await?;
        }
    }
    Ok(())
}

/// Ends the session: its row is deleted and the cookie cleared, so the old id
/// is dead and the next visit gets a new one.
pub async fn sign_out(session: &Session) -> Result<(), AuthError> {
    session.flush().await?;
    Ok(())
}

/// Who is signed in (sessions that should have ended are gone by now:
/// [`end_stale_sessions`] runs first).
pub async fn signed_in_member_id(session: &Session) -> Result<Option<i64>, AuthError> {
    Ok(session.get::<SignedIn>(SIGNED_IN_KEY).await?.map(|s| s.member_id))
}
