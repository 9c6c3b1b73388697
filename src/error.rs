//! The one error type that server functions return and pages show.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::validation::FieldErrors;
use crate::i18n::td_string;
use crate::language::Locale;

/// What went wrong, in words fit to show the person who asked. Internal
/// details never travel in here: they are logged on the server with the
/// request id and replaced by [`AppError::Internal`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Please correct the highlighted fields: {0}")]
    Invalid(FieldErrors),
    #[error("Please sign in first")]
    SignInRequired,
    #[error("You are not allowed to do that")]
    Forbidden,
    #[error("That page or item does not exist")]
    NotFound,
    #[error("This changed while you were looking at it; reload and try again")]
    Conflict,
    #[error("{0}")]
    Refused(String),
    /// Asked too often; the same request may succeed after the wait.
    #[error("Too many attempts; please wait {} and try again", wait_in_words(Locale::en, *retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Something went wrong on our side; please try again")]
    Internal,
    /// The request itself could not be carried (network, encoding).
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::one(field, message))
    }

    /// The HTTP status that says what kind of failure this is.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Invalid(_) | AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message for one form field, if this error is about that field.
    pub fn field_message(&self, field: &str, l: Locale) -> Option<String> {
        match self {
            AppError::Invalid(errors) => match errors.problem(field) {
                Some(problem) => Some(crate::labels::problem(l, problem)),
                None => errors.get(field).map(str::to_owned),
            },
            _ => None,
        }
    }

    /// What to show at the top of a form: anything not tied to one field.
    pub fn form_message(&self, l: Locale) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(FieldErrors::FORM).map(str::to_owned),
            other => Some(other.message(l)),
        }
    }

    /// The whole message in a language. Texts that came from the server
    /// (field messages, refusals) were written in the asker's language
    /// there; the fixed kinds are worded here. `Display` stays English, for
    /// the logs.
    pub fn message(&self, l: Locale) -> String {
        match self {
            AppError::Invalid(errors) => {
                let fields = errors
                    .entries()
                    .map(|(_, problem, message)| match problem {
                        Some(problem) => crate::labels::problem(l, problem),
                        None => message.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                format!("{}: {fields}", td_string!(l, error.invalid))
            }
            AppError::SignInRequired => td_string!(l, error.sign_in_required).to_owned(),
            AppError::Forbidden => td_string!(l, error.forbidden).to_owned(),
            AppError::NotFound => td_string!(l, error.not_found).to_owned(),
            AppError::Conflict => td_string!(l, error.conflict).to_owned(),
            AppError::Refused(message) => message.clone(),
            AppError::TooManyRequests { retry_after_secs } => {
                td_string!(l, error.too_many, wait = wait_in_words(l, *retry_after_secs))
            }
            AppError::Internal => td_string!(l, error.internal).to_owned(),
            AppError::Transport(detail) => td_string!(l, error.transport, detail = detail),
        }
    }
}

/// "40 seconds", "3 minutes", "1 hour": rounded up, so nobody comes back early.
fn wait_in_words(l: Locale, secs: u64) -> String {
    let one = crate::language::is_singular;
    match secs {
        0..=90 => {
            let count = secs.max(1);
            if one(l, count) {
                td_string!(l, error.wait_seconds_1, count = count)
            } else {
                td_string!(l, error.wait_seconds_n, count = count)
            }
        }
        91..=5400 => {
            let count = secs.div_ceil(60);
            if one(l, count) {
                td_string!(l, error.wait_minutes_1, count = count)
            } else {
                td_string!(l, error.wait_minutes_n, count = count)
            }
        }
        _ => {
            let count = secs.div_ceil(3600);
            if one(l, count) {
                td_string!(l, error.wait_hours_1, count = count)
            } else {
                td_string!(l, error.wait_hours_n, count = count)
            }
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server this is a request that could not be read as the
        // function's arguments: the caller's mistake. What the parser said
        // names its own types ("could not convert Flat(…) to
        // QsDeserializer"), so it is logged, not shown.
        #[cfg(feature = "ssr")]
        {
            tracing::info!(detail = %value, "malformed server function request");
            let l = crate::language::of_request();
            AppError::Refused(td_string!(l, error.malformed_form).to_owned())
        }
        // In the browser it is the network or an answer that did not decode.
        #[cfg(not(feature = "ssr"))]
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_said_in_words_rounded_up() {
        let en = |secs| wait_in_words(Locale::en, secs);
        assert_eq!(en(1), "1 second");
        assert_eq!(en(45), "45 seconds");
        assert_eq!(en(91), "2 minutes");
        assert_eq!(en(3600), "60 minutes");
        assert_eq!(en(5401), "2 hours");
        assert_eq!(wait_in_words(Locale::zh_CN, 1), "1 秒");
        assert_eq!(wait_in_words(Locale::zh_CN, 5401), "2 小时");
    }
}
