//! Messages about what is wrong with submitted input, each tied to the form
//! field it belongs to so the page can show it beside that field.

use serde::{Deserialize, Serialize};

/// What is wrong with a field, as data, so each page can word it in its
/// reader's language; `Display` is the English. Problems the rules find in
/// what shoppers type; other messages travel as plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Problem {
    #[error("Give the listing a title")]
    TitleMissing,
    #[error("Keep the title to {max} characters (it has {has})")]
    TitleTooLong { max: usize, has: usize },
    #[error("Keep the description to {max} characters (it has {has})")]
    DescriptionTooLong { max: usize, has: usize },
    #[error("Choose a category")]
    CategoryMissing,
    #[error("Choose the item's condition")]
    ConditionMissing,
    #[error("Enter a price")]
    PriceMissing,
    #[error("The price must be more than ¥0.00")]
    PriceZero,
    #[error(transparent)]
    Money(#[from] crate::money::MoneyError),
    #[error("Enter how many you have")]
    StockMissing,
    #[error("Stock cannot be negative")]
    StockNegative,
    #[error("Stock can be at most {0}")]
    StockTooLarge(u32),
    #[error("Enter stock as a whole number")]
    StockNotANumber,
    #[error("Enter your email address")]
    EmailMissing,
    #[error("That email address is too long")]
    EmailTooLong,
    #[error("Enter an email address like name@example.com")]
    EmailMalformed,
    #[error("Enter the name other members will see")]
    NameMissing,
    #[error("Keep the name to {0} characters")]
    NameTooLong(usize),
    #[error("Use at least {0} characters for the password")]
    PasswordTooShort(usize),
    #[error("Use at most {0} characters for the password")]
    PasswordTooLong(usize),
}

/// One field's message, and the problem behind it when the rules found one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FieldError {
    field: String,
    message: String,
    problem: Option<Problem>,
}

/// Field name → message, in the order the problems were found. A field name
/// of [`FieldErrors::FORM`] is a message about the form as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub const FORM: &'static str = "_form";

    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    /// Keeps the first message for a field: it is the most basic problem.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.push(field, message.into(), None);
    }

    /// Like [`FieldErrors::add`], keeping the problem for wording it later.
    pub fn add_problem(&mut self, field: &str, problem: Problem) {
        self.push(field, problem.to_string(), Some(problem));
    }

    fn push(&mut self, field: &str, message: String, problem: Option<Problem>) {
        if self.get(field).is_none() {
            self.0.push(FieldError { field: field.to_owned(), message, problem });
        }
    }

    /// The English message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// The problem behind a field's message, when the rules found one.
    pub fn problem(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|e| e.field == field).and_then(|e| e.problem.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|e| (e.field.as_str(), e.message.as_str()))
    }

    /// Field names with their problem (when there is one) and message.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&Problem>, &str)> {
        self.0.iter().map(|e| (e.field.as_str(), e.problem.as_ref(), e.message.as_str()))
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("; "))
    }
}
