//! Rules for member accounts: what a valid sign-up looks like.

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
        let password_chars = password.chars().count();
        if password_chars < PASSWORD_MIN_CHARS {
            errors.add_problem("password", Problem::PasswordTooShort(PASSWORD_MIN_CHARS));
        } else if password_chars > PASSWORD_MAX_CHARS {
            errors.add_problem("password", Problem::PasswordTooLong(PASSWORD_MAX_CHARS));
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

#[cfg(test)]
mod tests {
    use super::*;

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
