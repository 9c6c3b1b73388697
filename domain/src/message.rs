//! Messages between buyer and seller on an order.

use crate::effects::{Effect, Transition};
use crate::notices::{Notice, Party};
use crate::order::{Role, TransitionError};

pub const BODY_MAX_CHARS: usize = 2_000;
pub const PHOTOS_PER_MESSAGE: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("Write a message or attach a photo")]
    Empty,
    #[error("Keep a message to {BODY_MAX_CHARS} characters")]
    TooLong,
    #[error("Attach at most {PHOTOS_PER_MESSAGE} photos to a message")]
    TooManyPhotos,
}

/// The text of a message, trimmed; empty is allowed only with a photo.
pub fn parse_body(body: &str, photos: usize) -> Result<String, MessageError> {
    let body = body.trim().replace("\r\n", "\n");
    if photos > PHOTOS_PER_MESSAGE {
        return Err(MessageError::TooManyPhotos);
    }
    if body.is_empty() && photos == 0 {
        return Err(MessageError::Empty);
    }
    if body.chars().count() > BODY_MAX_CHARS {
        return Err(MessageError::TooLong);
    }
    Ok(body)
}

/// A message on the order from one of its two parties: its text, and the
/// other party is told. Nobody else may write on an order.
pub fn post(role: Role, body: &str, photos: usize) -> Result<Transition<String>, TransitionError> {
    let recipient = match role {
        Role::Buyer => Party::Seller,
        Role::Seller => Party::Buyer,
        _ => return Err(TransitionError::NotYourRole),
    };
    let body = parse_body(body, photos).map_err(crate::order::Refusal::Message)?;
    Ok(Transition { next: body, effects: vec![Effect::Notify(recipient, Notice::NewMessage)] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_needs_text_or_a_photo_and_at_most_2000_characters() {
        assert_eq!(parse_body("  hello \r\n there ", 0), Ok("hello \n there".to_owned()));
        assert_eq!(parse_body("   ", 0), Err(MessageError::Empty));
        assert_eq!(parse_body("", 1), Ok(String::new()));
        assert!(parse_body(&"字".repeat(2_000), 0).is_ok());
        assert_eq!(parse_body(&"字".repeat(2_001), 0), Err(MessageError::TooLong));
        assert_eq!(parse_body("five photos", 5), Err(MessageError::TooManyPhotos));
    }
}
