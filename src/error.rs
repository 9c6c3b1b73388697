//! The one error type that server functions return and pages show.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::validation::FieldErrors;

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
    #[error("Too many attempts; please wait {} and try again", wait_in_words(*retry_after_secs))]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Something went wrong on our side; please try again")]
    Internal,
    /// The request itself could not be carried (network, encoding).
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

/// What a request that could not be read as the form it claims to be gets.
pub const MALFORMED_FORM: &str = "The form was malformed or incomplete; reload the page and try again";

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
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(field).map(str::to_owned),
            _ => None,
        }
    }

    /// What to show at the top of a form: anything not tied to one field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(FieldErrors::FORM).map(str::to_owned),
            other => Some(other.to_string()),
        }
    }
}

/// "40 seconds", "3 minutes", "1 hour": rounded up, so nobody comes back early.
fn wait_in_words(secs: u64) -> String {
    let (count, unit) = match secs {
        0..=90 => (secs.max(1), "second"),
        91..=5400 => (secs.div_ceil(60), "minute"),
        _ => (secs.div_ceil(3600), "hour"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
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
            AppError::Refused(MALFORMED_FORM.into())
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
        assert_eq!(wait_in_words(1), "1 second");
        assert_eq!(wait_in_words(45), "45 seconds");
        assert_eq!(wait_in_words(91), "2 minutes");
        assert_eq!(wait_in_words(3600), "60 minutes");
        assert_eq!(wait_in_words(5401), "2 hours");
    }
}
