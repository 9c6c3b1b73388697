//! What a listing is made of and the rules its fields must meet (SPEC §5).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::money::{Money, MoneyError};
use super::validation::{FieldErrors, Problem};

pub const TITLE_MAX_CHARS: usize = 120;
pub const DESCRIPTION_MAX_CHARS: usize = 5_000;
pub const STOCK_MAX: u32 = 100_000;
/// The first one is the cover.
pub const PHOTOS_PER_LISTING: usize = 8;
/// The longest side of a photo as stored for display, and of its thumbnail;
/// pages offer both to the browser (`srcset`) with these widths.
pub const PHOTO_DISPLAY_SIDE: u32 = 1_600;
pub const PHOTO_THUMB_SIDE: u32 = 400;

/// The width of a photo's thumbnail, given the stored display size: the
/// photo is shrunk to fit a `PHOTO_THUMB_SIDE` square, never enlarged.
pub fn thumb_width(width: u32, height: u32) -> u32 {
    let longest = width.max(height);
    if longest <= PHOTO_THUMB_SIDE {
        return width;
    }
    // Rounded to nearest, as the image crate sizes its thumbnails.
    let scaled =
        (u64::from(width) * u64::from(PHOTO_THUMB_SIDE) + u64::from(longest) / 2) / u64::from(longest);
    u32::try_from(scaled).unwrap_or(PHOTO_THUMB_SIDE).max(1)
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Category {
    Digital,
    HomeAppliances,
    DailyGoods,
    Cars,
    Clothing,
    Books,
    Other,
}

impl Category {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Digital => "Digital",
            Category::HomeAppliances => "Home appliances",
            Category::DailyGoods => "Daily goods",
            Category::Cars => "Cars",
            Category::Clothing => "Clothing",
            Category::Books => "Books",
            Category::Other => "Other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Condition {
    New,
    LikeNew,
    Used,
    ForParts,
}

impl Condition {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Condition::New => "New",
            Condition::LikeNew => "Like new",
            Condition::Used => "Used",
            Condition::ForParts => "For parts or not working",
        }
    }
}

/// Whether buyers can find and buy a listing.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum ListingStatus {
    Active,
    Delisted,
}

impl ListingStatus {
    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// A listing as stored, with its seller's public name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub id: i64,
    pub seller_id: i64,
    pub seller_name: String,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub condition: Condition,
    pub price: Money,
    pub stock: u32,
    pub status: ListingStatus,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl Listing {
    pub fn is_sold_out(&self) -> bool {
        self.stock == 0
    }

    /// The form pre-filled with this listing, for editing.
    pub fn to_form(&self) -> ListingForm {
        ListingForm {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.slug().to_owned(),
            condition: self.condition.slug().to_owned(),
            price: self.price.amount_text(),
            stock: self.stock.to_string(),
        }
    }
}

/// The listing form as submitted: every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingForm {
    pub title: String,
    pub description: String,
    pub category: String,
    pub condition: String,
    pub price: String,
    pub stock: String,
}

/// A listing's fields once every rule holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingDraft {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub condition: Condition,
    pub price: Money,
    pub stock: u32,
}

impl ListingDraft {
    /// Checks every field and reports every problem at once, each against its
    /// field, so the form can show all messages beside their inputs.
    pub fn parse(form: &ListingForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();

        let title = collapse_whitespace(&form.title);
        let title_chars = title.chars().count();
        if title_chars == 0 {
            errors.add_problem("title", Problem::TitleMissing);
        } else if title_chars > TITLE_MAX_CHARS {
            errors.add_problem("title", Problem::TitleTooLong { max: TITLE_MAX_CHARS, has: title_chars });
        }

        let description = form.description.trim().replace("\r\n", "\n");
        let description_chars = description.chars().count();
        if description_chars > DESCRIPTION_MAX_CHARS {
            errors.add_problem(
                "description",
                Problem::DescriptionTooLong { max: DESCRIPTION_MAX_CHARS, has: description_chars },
            );
        }

        let category = form.category.trim().parse::<Category>().ok();
        if category.is_none() {
            errors.add_problem("category", Problem::CategoryMissing);
        }
        let condition = form.condition.trim().parse::<Condition>().ok();
        if condition.is_none() {
            errors.add_problem("condition", Problem::ConditionMissing);
        }

        let price = match Money::parse(&form.price) {
            Ok(price) if price.is_zero() => {
                errors.add_problem("price", Problem::PriceZero);
                None
            }
            Ok(price) => Some(price),
            Err(MoneyError::Empty) => {
                errors.add_problem("price", Problem::PriceMissing);
                None
            }
            Err(e) => {
                errors.add_problem("price", Problem::Money(e));
                None
            }
        };

        let stock = match parse_stock(&form.stock) {
            Ok(stock) => Some(stock),
            Err(problem) => {
                errors.add_problem("stock", problem);
                None
            }
        };

        match (category, condition, price, stock) {
            (Some(category), Some(condition), Some(price), Some(stock)) if errors.is_empty() => {
                Ok(Self { title, description, category, condition, price, stock })
            }
            _ => Err(errors),
        }
    }
}

fn parse_stock(input: &str) -> Result<u32, Problem> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Problem::StockMissing);
    }
    if input.starts_with('-') {
        return Err(Problem::StockNegative);
    }
    match input.parse::<u64>() {
        Ok(n) if n <= u64::from(STOCK_MAX) => Ok(n as u32),
        Ok(_) => Err(Problem::StockTooLarge(STOCK_MAX)),
        Err(_) if input.bytes().all(|b| b.is_ascii_digit()) => Err(Problem::StockTooLarge(STOCK_MAX)),
        Err(_) => Err(Problem::StockNotANumber),
    }
}

/// Titles are one line: runs of whitespace (newlines, tabs) become one space.
fn collapse_whitespace(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_form() -> ListingForm {
        ListingForm {
            title: "Kindle Paperwhite 5".into(),
            description: "Barely used, with cover.".into(),
            category: "digital".into(),
            condition: "like-new".into(),
            price: "499.00".into(),
            stock: "1".into(),
        }
    }

    #[test]
    fn a_valid_form_becomes_a_draft() {
        let draft = ListingDraft::parse(&valid_form());
        assert_eq!(
            draft.map(|d| (d.title, d.category, d.condition, d.price.fen(), d.stock)),
            Ok(("Kindle Paperwhite 5".to_string(), Category::Digital, Condition::LikeNew, 49900, 1))
        );
    }

    #[test]
    fn a_blank_title_is_refused_with_a_message_on_the_title() {
        let form = ListingForm { title: "  \t ".into(), ..valid_form() };
        let errors = ListingDraft::parse(&form).err().unwrap_or_default();
        assert_eq!(errors.get("title"), Some("Give the listing a title"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn a_title_of_120_chinese_characters_is_accepted_and_121_is_not() {
        let ok = ListingForm { title: "书".repeat(120), ..valid_form() };
        assert!(ListingDraft::parse(&ok).is_ok());
        let long = ListingForm { title: "书".repeat(121), ..valid_form() };
        let errors = ListingDraft::parse(&long).err().unwrap_or_default();
        assert!(errors.get("title").is_some_and(|m| m.contains("120")));
    }

    #[test]
    fn whitespace_inside_a_title_is_collapsed() {
        let form = ListingForm { title: " Old \n  bike ".into(), ..valid_form() };
        assert_eq!(ListingDraft::parse(&form).map(|d| d.title), Ok("Old bike".to_string()));
    }

    #[test]
    fn a_description_over_5000_characters_is_refused() {
        let form = ListingForm { description: "a".repeat(5_001), ..valid_form() };
        let errors = ListingDraft::parse(&form).err().unwrap_or_default();
        assert!(errors.get("description").is_some());
        let ok = ListingForm { description: "a".repeat(5_000), ..valid_form() };
        assert!(ListingDraft::parse(&ok).is_ok());
    }

    #[test]
    fn an_unknown_category_or_condition_is_refused() {
        let form = ListingForm { category: "weapons".into(), condition: "".into(), ..valid_form() };
        let errors = ListingDraft::parse(&form).err().unwrap_or_default();
        assert_eq!(errors.get("category"), Some("Choose a category"));
        assert_eq!(errors.get("condition"), Some("Choose the item's condition"));
    }

    #[test]
    fn prices_follow_the_money_rules_and_must_be_positive() {
        for (price, expected) in [
            ("0", "The price must be more than ¥0.00"),
            ("", "Enter a price"),
            ("1.999", "Use at most two decimal places (fen)"),
            ("-3", "An amount cannot be negative"),
            ("ten", "Enter an amount as a number, like 12.50"),
            ("1000000000", "That amount is too large"),
        ] {
            let form = ListingForm { price: price.into(), ..valid_form() };
            let errors = ListingDraft::parse(&form).err().unwrap_or_default();
            assert_eq!(errors.get("price"), Some(expected), "price {price:?}");
        }
    }

    #[test]
    fn stock_is_a_whole_number_from_0_to_100000() {
        for ok in ["0", "100000", " 7 "] {
            let form = ListingForm { stock: ok.into(), ..valid_form() };
            assert!(ListingDraft::parse(&form).is_ok(), "{ok:?}");
        }
        for (bad, expected) in [
            ("100001", "Stock can be at most 100000"),
            ("99999999999999999999999", "Stock can be at most 100000"),
            ("-1", "Stock cannot be negative"),
            ("1.5", "Enter stock as a whole number"),
            ("", "Enter how many you have"),
        ] {
            let form = ListingForm { stock: bad.into(), ..valid_form() };
            let errors = ListingDraft::parse(&form).err().unwrap_or_default();
            assert_eq!(errors.get("stock"), Some(expected), "stock {bad:?}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = ListingDraft::parse(&ListingForm::default()).err().unwrap_or_default();
        for field in ["title", "category", "condition", "price", "stock"] {
            assert!(errors.get(field).is_some(), "{field} has no message");
        }
    }

    #[test]
    fn category_slugs_round_trip() {
        for &category in Category::ALL {
            assert_eq!(category.slug().parse::<Category>().ok(), Some(category));
        }
        for &condition in Condition::ALL {
            assert_eq!(condition.slug().parse::<Condition>().ok(), Some(condition));
        }
    }
}
