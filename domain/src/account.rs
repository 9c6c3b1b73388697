//! Rules for member accounts: what a valid sign-up looks like, how long a
//! session lasts, and when a mailed link still works.

use super::validation::{FieldErrors, Problem};

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const DISPLAY_NAME_MAX_CHARS: usize = 60;
const EMAIL_MAX_CHARS: usize = 254;

/// A sign-up whose fields all hold. The email is trimmed and lower-cased, so
/// `Ann@Example.com` and `ann@example.com` are the same member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMember {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

impl NewMember {
    pub fn parse(email: &str, display_name: &str, password: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = normalize_email(email);
        if let Err(problem) = check_email(&email) {
            errors.add_problem("email", problem);
        }
        let display_name = display_name.split_whitespace().collect::<Vec<_>>().join(" ");
        let name_chars = display_name.chars().count();
        if name_chars == 0 {
            errors.add_problem("display_name", Problem::NameMissing);
        } else if name_chars > DISPLAY_NAME_MAX_CHARS {
            errors.add_problem("display_name", Problem::NameTooLong(DISPLAY_NAME_MAX_CHARS));
        }
        if let Err(problem) = check_password(password) {
            errors.add_problem("password", problem);
        }
        if errors.is_empty() {
            Ok(Self { email, display_name, password: password.to_owned() })
        } else {
            Err(errors)
        }
    }
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Deliberately loose: the only real test of an address is a mail to it. This
/// catches typing mistakes (no `@`, no domain, spaces) without refusing
/// unusual but valid addresses.
pub fn check_email(email: &str) -> Result<(), Problem> {
    if email.is_empty() {
        return Err(Problem::EmailMissing);
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(Problem::EmailTooLong);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(Problem::EmailMalformed);
    };
    let domain_ok =
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
    if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
        return Err(Problem::EmailMalformed);
    }
    Ok(())
}

/// A new password alone (a change or a reset): the same length rules as
/// at sign-up.
pub fn check_password(password: &str) -> Result<(), Problem> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(Problem::PasswordTooShort(PASSWORD_MIN_CHARS))
    } else if chars > PASSWORD_MAX_CHARS {
        Err(Problem::PasswordTooLong(PASSWORD_MAX_CHARS))
    } else {
        Ok(())
    }
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A session not used for this long is over (OWASP: idle timeouts of days
/// for low-risk sites; a week keeps a shopper signed in between visits).
pub const SESSION_IDLE_MS: i64 = 7 * DAY_MS;
/// However busy, a session ends this long after signing in.
pub const SESSION_LIFETIME_MS: i64 = 30 * DAY_MS;
/// How stale the session's "last seen" may get before it is written again:
/// a write on every request would cost each page a database write.
pub const SESSION_TOUCH_MS: i64 = 60_000;

/// What a signed-in session remembers about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedIn {
    pub member_id: i64,
    /// The member's session generation when they signed in.
    pub generation: i32,
    pub signed_in_at: i64,
    pub last_seen_at: i64,
}

/// Whether a session still stands, and why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionCheck {
    /// Still signed in; `touch` when "last seen" should be written again.
    Live {
        touch: bool,
    },
    /// The member signed out everywhere, changed or reset their password.
    Revoked,
    Idle,
    TooOld,
}

impl SignedIn {
    pub fn check(&self, member_generation: i32, now: i64) -> SessionCheck {
        if self.generation != member_generation {
            SessionCheck::Revoked
        } else if now - self.signed_in_at >= SESSION_LIFETIME_MS {
            SessionCheck::TooOld
        } else if now - self.last_seen_at >= SESSION_IDLE_MS {
            SessionCheck::Idle
        } else {
            SessionCheck::Live { touch: now - self.last_seen_at >= SESSION_TOUCH_MS }
        }
    }
}

/// What a mailed single-use link is for, and how long it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum LinkPurpose {
    VerifyEmail,
    ResetPassword,
}

impl LinkPurpose {
    /// A reset link signs its holder in, so it is short-lived (OWASP's
    /// forgot-password advice); confirming an address may wait for the
    /// member to find the mail.
    pub fn lifetime_ms(self) -> i64 {
        match self {
            LinkPurpose::VerifyEmail => 2 * DAY_MS,
            LinkPurpose::ResetPassword => HOUR_MS,
        }
    }

    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// Why a mailed link did not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("This link is not one of ours, or it was cut short")]
    Unknown,
    #[error("This link has already been used")]
    Used,
    #[error("This link has expired")]
    Expired,
}

/// A link's token as stored: when it was made, when it was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IssuedLink {
    pub purpose: LinkPurpose,
    pub created_at: i64,
    pub used_at: Option<i64>,
}

impl IssuedLink {
    /// Whether the link may be used now for `purpose`.
    pub fn check(&self, purpose: LinkPurpose, now: i64) -> Result<(), LinkRefusal> {
        if self.purpose != purpose {
            Err(LinkRefusal::Unknown)
        } else if self.used_at.is_some() {
            Err(LinkRefusal::Used)
        } else if now >= self.created_at + purpose.lifetime_ms() {
            Err(LinkRefusal::Expired)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_651_200_000;

    fn session(generation: i32, signed_in_at: i64, last_seen_at: i64) -> SignedIn {
        SignedIn { member_id: 1, generation, signed_in_at, last_seen_at }
    }

    #[test]
    fn a_session_ends_when_revoked_idle_or_too_old_and_is_touched_once_a_minute() {
        let fresh = session(3, NOW, NOW);
        assert_eq!(fresh.check(3, NOW), SessionCheck::Live { touch: false });
        assert_eq!(fresh.check(3, NOW + SESSION_TOUCH_MS - 1), SessionCheck::Live { touch: false });
        assert_eq!(fresh.check(3, NOW + SESSION_TOUCH_MS), SessionCheck::Live { touch: true });
        assert_eq!(fresh.check(4, NOW), SessionCheck::Revoked);
        assert_eq!(fresh.check(3, NOW + SESSION_IDLE_MS - 1), SessionCheck::Live { touch: true });
        assert_eq!(fresh.check(3, NOW + SESSION_IDLE_MS), SessionCheck::Idle);
        // Used every day, it still ends after thirty days.
        let busy = session(3, NOW, NOW + SESSION_LIFETIME_MS - 1);
        assert_eq!(busy.check(3, NOW + SESSION_LIFETIME_MS - 1), SessionCheck::Live { touch: false });
        assert_eq!(busy.check(3, NOW + SESSION_LIFETIME_MS), SessionCheck::TooOld);
        // Revocation is told before age: the member asked for it.
        assert_eq!(busy.check(9, NOW + SESSION_LIFETIME_MS), SessionCheck::Revoked);
    }

    #[test]
    fn a_link_works_once_for_its_purpose_within_its_lifetime() {
        let reset = IssuedLink { purpose: LinkPurpose::ResetPassword, created_at: NOW, used_at: None };
        assert_eq!(reset.check(LinkPurpose::ResetPassword, NOW), Ok(()));
        assert_eq!(reset.check(LinkPurpose::ResetPassword, NOW + HOUR_MS - 1), Ok(()));
        assert_eq!(reset.check(LinkPurpose::ResetPassword, NOW + HOUR_MS), Err(LinkRefusal::Expired));
        assert_eq!(reset.check(LinkPurpose::VerifyEmail, NOW), Err(LinkRefusal::Unknown));
        let used = IssuedLink { used_at: Some(NOW + 1), ..reset };
        assert_eq!(used.check(LinkPurpose::ResetPassword, NOW + 2), Err(LinkRefusal::Used));
        let verify = IssuedLink { purpose: LinkPurpose::VerifyEmail, created_at: NOW, used_at: None };
        assert_eq!(verify.check(LinkPurpose::VerifyEmail, NOW + 2 * DAY_MS - 1), Ok(()));
        assert_eq!(verify.check(LinkPurpose::VerifyEmail, NOW + 2 * DAY_MS), Err(LinkRefusal::Expired));
    }

    #[test]
    fn a_new_password_follows_the_sign_up_lengths() {
        assert_eq!(check_password("123456789"), Err(Problem::PasswordTooShort(PASSWORD_MIN_CHARS)));
        assert_eq!(check_password("1234567890"), Ok(()));
        assert_eq!(check_password(&"x".repeat(257)), Err(Problem::PasswordTooLong(PASSWORD_MAX_CHARS)));
    }

    #[test]
    fn a_valid_sign_up_is_normalised() {
        let member = NewMember::parse("  Ann@Example.COM ", " Ann   Li ", "correct horse");
        assert_eq!(
            member,
            Ok(NewMember {
                email: "ann@example.com".into(),
                display_name: "Ann Li".into(),
                password: "correct horse".into()
            })
        );
    }

    #[test]
    fn a_password_of_nine_characters_is_too_short_and_ten_is_enough() {
        let short = NewMember::parse("a@b.cn", "A", "123456789").err().unwrap_or_default();
        assert_eq!(short.get("password"), Some("Use at least 10 characters for the password"));
        assert!(NewMember::parse("a@b.cn", "A", "1234567890").is_ok());
        // Characters, not bytes: ten Chinese characters are ten.
        assert!(NewMember::parse("a@b.cn", "A", &"密".repeat(10)).is_ok());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for email in ["", "ann", "ann@", "@example.com", "ann@example", "ann@.com", "a b@c.com", "ann@c..com"]
        {
            let errors = NewMember::parse(email, "Ann", "long enough pw").err().unwrap_or_default();
            assert!(errors.get("email").is_some(), "{email:?} was accepted");
        }
    }

    #[test]
    fn a_blank_display_name_is_refused() {
        let errors = NewMember::parse("a@b.cn", "   ", "long enough pw").err().unwrap_or_default();
        assert!(errors.get("display_name").is_some());
    }
}
