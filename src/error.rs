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

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // A form field missing or of the wrong shape is the caller's mistake.
            ServerFnErrorErr::Args(message) => {
                AppError::Refused(format!("The form was incomplete: {message}"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}
