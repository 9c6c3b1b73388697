//! How fast one address or one member may ask for things: failed sign-ins
//! per account and per address, sign-ups per address, and state-changing
//! posts per member (or per address before signing in).
//!
//! The limits live in this process. Several instances each keep their own,
//! so behind a load balancer an attacker gets the limit once per instance;
//! the numbers are chosen so that this still stops guessing at scale.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::server::clock::Millis;

/// Where a request came from, as the socket saw it. Requests that arrive
/// without a socket (the in-process tests) count as one unspecified address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddress(pub IpAddr);

impl Default for ClientAddress {
    fn default() -> Self {
        Self(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// Who a post is counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Poster {
    Member(i64),
    Address(IpAddr),
}

/// The numbers behind the limits; flags and environment set them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitSettings {
    /// Failed sign-ins to one account before each further try must wait.
    pub free_failures_per_account: u32,
    /// Failed sign-ins from one address before each further try must wait.
    pub free_failures_per_address: u32,
    /// Sign-ups from one address per hour (also the burst).
    pub sign_ups_per_hour: u32,
    /// State-changing posts per member (or address) per minute (also the burst).
    pub posts_per_minute: u32,
    /// Merchant API calls per key, and per address, per minute.
    pub api_calls_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            free_failures_per_account: 5,
            free_failures_per_address: 20,
            sign_ups_per_hour: 20,
            posts_per_minute: 120,
            api_calls_per_minute: 600,
        }
    }
}

/// Links mailed for one account in an hour: enough for a member who lost
/// a mail or two, too few to flood their mailbox.
const ACCOUNT_MAILS_PER_HOUR: u32 = 5;

/// A request refused for going too fast: try again after this many seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooFast {
    pub retry_after_secs: u64,
}

/// Every limit the app applies, shared by all requests.
#[derive(Debug)]
pub struct Limits {
    failed_sign_ins_per_account: FailureThrottle<String>,
    failed_sign_ins_per_address: FailureThrottle<IpAddr>,
    sign_ups: DefaultKeyedRateLimiter<IpAddr>,
    account_mails: DefaultKeyedRateLimiter<String>,
    posts: DefaultKeyedRateLimiter<Poster>,
    api_keys: DefaultKeyedRateLimiter<i64>,
    api_addresses: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        let per = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            failed_sign_ins_per_account: FailureThrottle::new(settings.free_failures_per_account),
            failed_sign_ins_per_address: FailureThrottle::new(settings.free_failures_per_address),
            sign_ups: RateLimiter::keyed(Quota::per_hour(per(settings.sign_ups_per_hour))),
            account_mails: RateLimiter::keyed(Quota::per_hour(per(ACCOUNT_MAILS_PER_HOUR))),
            posts: RateLimiter::keyed(Quota::per_minute(per(settings.posts_per_minute))),
            api_keys: RateLimiter::keyed(Quota::per_minute(per(settings.api_calls_per_minute))),
            // An address may carry several keys (a shop's live and test servers
            // behind one NAT): its allowance is four keys' worth, there to stop
            // key guessing rather than to meter.
            api_addresses: RateLimiter::keyed(Quota::per_minute(per(settings
                .api_calls_per_minute
                .saturating_mul(4)))),
        }
    }

    /// Lets a sign-in to this account from this address be tried, or says
    /// how long to wait. The try counts as failed until
    /// [`Limits::sign_in_succeeded`] says otherwise, so a burst of parallel
    /// guesses cannot all slip in before the first failure is counted. It
    /// is asked before the password is checked, so a locked account answers
    /// the same whether or not the password was right.
    pub fn begin_sign_in(&self, email: &str, from: ClientAddress, now: Millis) -> Result<(), TooFast> {
        let account = account_key(email);
        self.failed_sign_ins_per_account.attempt(&account, now).map_err(TooFast::after_ms)?;
        if let Err(wait_ms) = self.failed_sign_ins_per_address.attempt(&from.0, now) {
            self.failed_sign_ins_per_account.undo(&account);
            return Err(TooFast::after_ms(wait_ms));
        }
        Ok(())
    }

    /// A right password clears the account's failures; the address only
    /// gets this one try back, so one good account cannot unlock guessing
    /// at others.
    pub fn sign_in_succeeded(&self, email: &str, from: ClientAddress) {
        self.failed_sign_ins_per_account.forget(&account_key(email));
        self.failed_sign_ins_per_address.undo(&from.0);
    }

    pub fn sign_up(&self, from: ClientAddress) -> Result<(), TooFast> {
        Self::take(&self.sign_ups, &from.0)
    }

    /// A mailed link (reset, confirmation) asked for this account from this
    /// address: counted against the address like a sign-up, and against
    /// the account, so nobody can fill a member's mailbox with them.
    pub fn account_mail(&self, email: &str, from: ClientAddress) -> Result<(), TooFast> {
        Self::take(&self.sign_ups, &from.0)?;
        Self::take(&self.account_mails, &account_key(email))
    }

    pub fn post(&self, poster: Poster) -> Result<(), TooFast> {
        Self::take(&self.posts, &poster)
    }

    /// One merchant API call, counted against its address (before the key
    /// is even looked up, so guessing keys is limited too) and its key.
    /// A merchant API call from this address, before its key is known.
    pub fn api_address(&self, from: ClientAddress) -> Result<(), TooFast> {
        Self::take(&self.api_addresses, &from.0)
    }

    /// A merchant API call made with this key.
    pub fn api_key(&self, key_id: i64) -> Result<(), TooFast> {
        Self::take(&self.api_keys, &key_id)
    }

    fn take<K: Clone + Hash + Eq>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), TooFast> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            TooFast { retry_after_secs: wait.as_secs().max(1) }
        })?;
        // The keyed state grows with every new key; drop what has recovered.
        if limiter.len() > HOUSEKEEPING_AT {
            limiter.retain_recent();
        }
        Ok(())
    }
}

/// Keys kept before forgotten ones are swept out (a few MB at most).
const HOUSEKEEPING_AT: usize = 100_000;

impl TooFast {
    fn after_ms(ms: i64) -> Self {
        let secs = u64::try_from(ms.max(0)).unwrap_or(0).div_ceil(1000);
        Self { retry_after_secs: secs.max(1) }
    }
}

/// The same account however its email was typed.
fn account_key(email: &str) -> String {
    crate::domain::account::normalize_email(email)
}

/// Counts failures per key: the first `free` cost nothing; after that each
/// try waits, from the last failure, one minute doubled per further failure,
/// at most an hour. A success forgets the key; a day without failures too.
///
/// Written here rather than with `governor`: a rate limiter counts every
/// request and can neither look without taking nor forget one key, while
/// this must count only failures, clear on success and grow its wait.
#[derive(Debug)]
struct FailureThrottle<K> {
    free: u32,
    strikes: Mutex<HashMap<K, Strikes>>,
}

#[derive(Clone, Copy, Debug)]
struct Strikes {
    failures: u32,
    last_ms: Millis,
}

const FIRST_WAIT_MS: i64 = 60_000;
const LONGEST_WAIT_MS: i64 = 3_600_000;
const FORGET_AFTER_MS: i64 = 86_400_000;

impl<K: Hash + Eq> FailureThrottle<K> {
    fn new(free: u32) -> Self {
        Self { free, strikes: Mutex::new(HashMap::new()) }
    }

    fn strikes(&self) -> std::sync::MutexGuard<'_, HashMap<K, Strikes>> {
        // A panic elsewhere while holding the lock leaves counts that are
        // still counts; keep using them.
        self.strikes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a try as a failure, or refuses it with how long the key must
    /// still wait (in ms); a refused try counts for nothing.
    fn attempt(&self, key: &K, now: Millis) -> Result<(), i64>
    where
        K: Clone,
    {
        let mut all = self.strikes();
        if all.len() > HOUSEKEEPING_AT {
            all.retain(|_, s| now - s.last_ms < FORGET_AFTER_MS);
        }
        let strikes = all.entry(key.clone()).or_insert(Strikes { failures: 0, last_ms: now });
        if now - strikes.last_ms >= FORGET_AFTER_MS {
            strikes.failures = 0;
        }
        if strikes.failures >= self.free {
            let doublings = (strikes.failures - self.free).min(16);
            let wait = (FIRST_WAIT_MS << doublings).min(LONGEST_WAIT_MS);
            let left = strikes.last_ms + wait - now;
            if left > 0 {
                return Err(left);
            }
        }
        strikes.failures = strikes.failures.saturating_add(1);
        strikes.last_ms = now;
        Ok(())
    }

    /// Takes back one counted try.
    fn undo(&self, key: &K) {
        if let Some(strikes) = self.strikes().get_mut(key) {
            strikes.failures = strikes.failures.saturating_sub(1);
        }
    }

    fn forget(&self, key: &K) {
        self.strikes().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn five_failures_are_free_then_each_waits_twice_as_long_as_the_last() {
        let throttle = FailureThrottle::new(5);
        for _ in 0..5 {
            assert_eq!(throttle.attempt(&"ann", 0), Ok(()));
        }
        assert_eq!(throttle.attempt(&"ann", 0), Err(MINUTE));
        assert_eq!(throttle.attempt(&"ann", MINUTE - 1), Err(1), "a refused try counts for nothing");
        assert_eq!(throttle.attempt(&"ann", MINUTE), Ok(()));
        assert_eq!(throttle.attempt(&"ann", MINUTE), Err(2 * MINUTE));
        assert_eq!(throttle.attempt(&"ann", 3 * MINUTE), Ok(()));
        assert_eq!(throttle.attempt(&"ann", 3 * MINUTE), Err(4 * MINUTE));
        let mut now = 3 * MINUTE;
        for _ in 0..20 {
            now += 60 * MINUTE;
            assert_eq!(throttle.attempt(&"ann", now), Ok(()));
        }
        assert_eq!(throttle.attempt(&"ann", now), Err(60 * MINUTE), "an hour at most");
        assert_eq!(throttle.attempt(&"bob", now), Ok(()), "other keys are not affected");
    }

    #[test]
    fn a_success_or_a_quiet_day_forgets_the_failures() {
        let throttle = FailureThrottle::new(1);
        assert_eq!(throttle.attempt(&"ann", 0), Ok(()));
        assert_eq!(throttle.attempt(&"bob", 0), Ok(()));
        assert!(throttle.attempt(&"ann", 0).is_err());
        throttle.forget(&"ann");
        assert_eq!(throttle.attempt(&"ann", 0), Ok(()));
        // Bob's single failure has long since waited out its minute, but it
        // still counts: his next failure waits two.
        assert_eq!(throttle.attempt(&"bob", FORGET_AFTER_MS - 1), Ok(()));
        assert!(throttle.attempt(&"bob", FORGET_AFTER_MS - 1).is_err());
        assert_eq!(
            throttle.attempt(&"bob", 2 * FORGET_AFTER_MS),
            Ok(()),
            "a quiet day: counting starts afresh"
        );
        assert!(
            throttle.attempt(&"bob", 2 * FORGET_AFTER_MS).is_err(),
            "and the first wait is a minute again"
        );
        assert_eq!(throttle.attempt(&"bob", 2 * FORGET_AFTER_MS + MINUTE), Ok(()));
    }

    #[test]
    fn the_account_is_the_same_however_the_email_is_typed() {
        let limits = Limits::new(LimitSettings { free_failures_per_account: 1, ..Default::default() });
        let from = ClientAddress::default();
        assert!(limits.begin_sign_in(" Ann@Example.com ", from, 0).is_ok());
        assert!(limits.begin_sign_in("ann@example.com", from, 0).is_err());
        limits.sign_in_succeeded("ANN@example.com", from);
        assert!(limits.begin_sign_in("ann@example.com", from, 0).is_ok());
    }

    #[test]
    fn an_address_that_fails_often_waits_for_every_account() {
        let limits = Limits::new(LimitSettings { free_failures_per_address: 3, ..Default::default() });
        let from = ClientAddress::default();
        for who in ["a@x.test", "b@x.test", "c@x.test"] {
            assert!(limits.begin_sign_in(who, from, 0).is_ok());
        }
        assert!(limits.begin_sign_in("d@x.test", from, 0).is_err());
        // The refused try was not counted against d: all five are left.
        for last in 0..5 {
            let elsewhere = ClientAddress(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)));
            assert!(limits.begin_sign_in("d@x.test", elsewhere, 0).is_ok());
        }
        let sixth = ClientAddress(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99)));
        assert!(limits.begin_sign_in("d@x.test", sixth, 0).is_err());
    }

    #[test]
    fn sign_ups_beyond_the_hourly_number_wait() {
        let limits = Limits::new(LimitSettings { sign_ups_per_hour: 3, ..Default::default() });
        let here = ClientAddress(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        let there = ClientAddress(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)));
        for _ in 0..3 {
            assert!(limits.sign_up(here).is_ok());
        }
        let refused = limits.sign_up(here).expect_err("the fourth within the hour");
        assert!((1..=1200).contains(&refused.retry_after_secs), "{refused:?}");
        assert!(limits.sign_up(there).is_ok());
    }
}
