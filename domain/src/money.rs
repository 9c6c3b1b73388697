//! Amounts of money in CNY: exact decimals with at most two places, never
//! negative, stored as whole fen.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An amount in CNY with at most two decimal places, zero or more, and no
/// larger than [`Money::MAX_FEN`]. Held as whole fen, like the database; the
/// field is private so that an amount that breaks these rules cannot exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Money(i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MoneyError {
    #[error("Enter an amount")]
    Empty,
    #[error("Enter an amount as a number, like 12.50")]
    NotANumber,
    #[error("Use at most two decimal places (fen)")]
    TooManyDecimals,
    #[error("An amount cannot be negative")]
    Negative,
    #[error("That amount is too large")]
    TooLarge,
}

impl Money {
    /// One hundred million yuan: far above any single purchase, and far enough
    /// below `i64::MAX` fen that sums of many amounts cannot overflow.
    pub const MAX_FEN: i64 = 100_000_000 * 100;

    pub const ZERO: Money = Money(0);

    /// Parses what a person typed: surrounding whitespace is ignored, an
    /// optional `¥` sign is allowed, thousands separators are not.
    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_prefix('¥').unwrap_or(trimmed).trim_start();
        if trimmed.is_empty() {
            return Err(MoneyError::Empty);
        }
        // Decimal::from_str accepts forms like "1_000" or "1e5"; a price field should not.
        let well_formed = trimmed
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')));
        if !well_formed || trimmed.matches('.').count() > 1 {
            return Err(MoneyError::NotANumber);
        }
        let digits = trimmed.trim_start_matches(['-', '+']);
        if digits.is_empty() || digits == "." {
            return Err(MoneyError::NotANumber);
        }
        if trimmed.starts_with('-') && digits.chars().any(|c| c.is_ascii_digit() && c != '0') {
            return Err(MoneyError::Negative);
        }
        if let Some((_, fraction)) = digits.split_once('.')
            && fraction.len() > 2
        {
            return Err(MoneyError::TooManyDecimals);
        }
        let value: Decimal = digits.parse().map_err(|_| {
            // Only overflow of the 96-bit mantissa gets here: the characters are checked above.
            MoneyError::TooLarge
        })?;
        Self::try_from(value)
    }

    /// Builds an amount from whole fen, as stored in the database.
    pub fn from_fen(fen: i64) -> Result<Self, MoneyError> {
        if fen < 0 {
            return Err(MoneyError::Negative);
        }
        if fen > Self::MAX_FEN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self(fen))
    }

    /// The amount in whole fen.
    pub fn fen(&self) -> i64 {
        self.0
    }

    /// The amount in yuan, always with two decimals (`88.00`), so the server
    /// and the browser write it the same way.
    pub fn amount(&self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// The plain amount with two decimals and no sign or grouping (`1234.50`),
    /// as a form field or a URL holds it.
    pub fn amount_text(&self) -> String {
        let fen = self.fen();
        format!("{}.{:02}", fen / 100, fen % 100)
    }

    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_fen(self.fen().checked_add(other.fen())?).ok()
    }

    /// `None` when the result would be negative.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Money::from_fen(self.fen().checked_sub(other.fen())?).ok()
    }

    /// Multiplies by a whole count (a unit price by a quantity).
    pub fn checked_mul(self, count: u32) -> Option<Money> {
        Money::from_fen(self.fen().checked_mul(i64::from(count))?).ok()
    }
}

/// The platform's fee on released money, a fraction such as 0.006 (0.6%).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRate(Decimal);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("A fee rate is a fraction from 0 to 0.5, like 0.006 for 0.6%")]
pub struct FeeRateError;

impl FeeRate {
    pub const DEFAULT: FeeRate = FeeRate(Decimal::from_parts(6, 0, 0, false, 3));

    pub fn new(rate: Decimal) -> Result<Self, FeeRateError> {
        if rate.is_sign_negative() || rate > Decimal::new(5, 1) {
            return Err(FeeRateError);
        }
        Ok(Self(rate))
    }

    pub fn parse(input: &str) -> Result<Self, FeeRateError> {
        Self::new(input.trim().parse().map_err(|_| FeeRateError)?)
    }

    /// The fee on an amount, rounded half-up to the fen. Never more than
    /// the amount, because the rate is at most one half (a proptest pins it).
    pub fn fee_on(&self, amount: Money) -> Result<Money, MoneyError> {
        let fee =
            (amount.amount() * self.0).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        Money::try_from(fee)
    }

    pub fn rate(&self) -> Decimal {
        self.0
    }
}

impl Default for FeeRate {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        let value = value.normalize();
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        if value.scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        if value > Decimal::new(Self::MAX_FEN, 2) {
            return Err(MoneyError::TooLarge);
        }
        // At scale two the mantissa is the amount in fen ("-0" becomes 0).
        let mut fen = value.abs();
        fen.rescale(2);
        i64::try_from(fen.mantissa()).map(Self).map_err(|_| MoneyError::TooLarge)
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Self {
        value.amount()
    }
}

/// Shows the amount with exactly two decimals and a yuan sign: `¥1,234.50`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_yuan(f, self.fen())
    }
}

/// A sum of many amounts shown to people (what escrow holds for a member's
/// purchases, a seller's open sales). Each amount is at most
/// [`Money::MAX_FEN`], but many together may pass it, so a sum has only the
/// bounds of the fen column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Total(i64);

impl Total {
    pub const ZERO: Total = Total(0);

    pub fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub fn fen(&self) -> i64 {
        self.0
    }

    /// Adds an amount; `None` only past the 64-bit range.
    pub fn checked_add(self, amount: Money) -> Option<Total> {
        self.0.checked_add(amount.fen()).map(Total)
    }
}

impl From<Money> for Total {
    fn from(value: Money) -> Self {
        Self(value.fen())
    }
}

/// Like [`Money`]: `¥1,234.50`, and a minus sign before the yuan sign.
impl fmt::Display for Total {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_yuan(f, self.0)
    }
}

/// The plain signed amount with two decimals and no grouping (`-1234.50`),
/// for a statement line or a CSV cell; any fen value has one.
pub fn fen_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `¥1,234.50` for any whole number of fen.
fn write_yuan(f: &mut fmt::Formatter<'_>, fen: i64) -> fmt::Result {
    let abs = fen.unsigned_abs();
    let sign = if fen < 0 { "-" } else { "" };
    write!(f, "{sign}¥{}.{:02}", grouped(abs / 100), abs % 100)
}

/// A whole number with commas between thousands (`1,000`), as amounts and
/// counts are shown in both languages.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sums_past_the_largest_amount_still_read_as_money() {
        let largest = Money::from_fen(Money::MAX_FEN).unwrap_or_default();
        let twice = Total::from(largest).checked_add(largest);
        assert_eq!(twice.map(|t| t.to_string()), Some("¥200,000,000.00".to_owned()));
        assert_eq!(Total::from_fen(-123_456).to_string(), "-¥1,234.56");
        assert_eq!(Total::from_fen(i64::MIN).fen(), i64::MIN, "any fen value has a text");
        assert_eq!(fen_text(-5), "-0.05");
        assert_eq!(fen_text(Money::MAX_FEN * 3), "300000000.00");
        assert!(!Total::from_fen(i64::MIN).to_string().is_empty());
    }

    #[test]
    fn a_plain_amount_is_parsed_exactly() {
        assert_eq!(Money::parse("12.5").map(|m| m.fen()), Ok(1250));
        assert_eq!(Money::parse("12.05").map(|m| m.fen()), Ok(1205));
        assert_eq!(Money::parse("7").map(|m| m.fen()), Ok(700));
        assert_eq!(Money::parse("0.01").map(|m| m.fen()), Ok(1));
        assert_eq!(Money::parse(".5").map(|m| m.fen()), Ok(50));
    }

    #[test]
    fn surrounding_whitespace_and_a_yuan_sign_are_ignored() {
        assert_eq!(Money::parse("  99.90 \n").map(|m| m.fen()), Ok(9990));
        assert_eq!(Money::parse("¥ 3").map(|m| m.fen()), Ok(300));
    }

    #[test]
    fn a_price_with_three_decimals_is_rejected() {
        assert_eq!(Money::parse("1.005"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("0.001"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn trailing_zeros_beyond_two_places_are_still_too_many_decimals() {
        // A person who typed three places meant something; never round silently.
        assert_eq!(Money::parse("1.000"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn a_negative_amount_is_rejected() {
        assert_eq!(Money::parse("-5"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("-0.01"), Err(MoneyError::Negative));
        assert_eq!(Money::from_fen(-1), Err(MoneyError::Negative));
    }

    #[test]
    fn negative_zero_is_zero() {
        assert_eq!(Money::parse("-0"), Ok(Money::ZERO));
    }

    #[test]
    fn a_huge_amount_is_rejected() {
        assert_eq!(Money::parse("100000000.01"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("99999999999999999999999999999999999"), Err(MoneyError::TooLarge));
        assert_eq!(Money::from_fen(i64::MAX), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("100000000").map(|m| m.fen()), Ok(Money::MAX_FEN));
    }

    #[test]
    fn junk_is_not_a_number() {
        for junk in ["abc", "1,000", "1e5", "1_000", "12.3.4", "--1", ".", "+", "1 000", "NaN", "¥¥1"] {
            assert_eq!(Money::parse(junk), Err(MoneyError::NotANumber), "{junk:?}");
        }
    }

    #[test]
    fn blank_input_asks_for_an_amount() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("   "), Err(MoneyError::Empty));
    }

    #[test]
    fn display_groups_thousands_and_always_shows_fen() {
        let shown = |s: &str| Money::parse(s).map(|m| m.to_string());
        assert_eq!(shown("1234567.5"), Ok("¥1,234,567.50".into()));
        assert_eq!(shown("0"), Ok("¥0.00".into()));
        assert_eq!(shown("999.99"), Ok("¥999.99".into()));
        assert_eq!(shown("1000"), Ok("¥1,000.00".into()));
    }

    #[test]
    fn subtraction_below_zero_is_refused() {
        let one = Money::from_fen(100).ok();
        let two = Money::from_fen(200).ok();
        assert_eq!(one.zip(two).and_then(|(a, b)| a.checked_sub(b)), None);
    }

    #[test]
    fn serde_refuses_an_invalid_amount() {
        assert!(serde_json::from_str::<Money>("\"1.001\"").is_err());
        assert!(serde_json::from_str::<Money>("\"-1\"").is_err());
        assert_eq!(serde_json::from_str::<Money>("\"1.10\"").ok().map(|m| m.fen()), Some(110));
    }

    #[test]
    fn the_default_fee_is_six_tenths_of_a_percent_rounded_half_up() {
        let fee = |fen: i64| Money::from_fen(fen).and_then(|m| FeeRate::DEFAULT.fee_on(m)).map(|f| f.fen());
        assert_eq!(fee(10_000), Ok(60)); // ¥100.00 → ¥0.60
        assert_eq!(fee(12_850), Ok(77)); // ¥128.50 → 0.771 → ¥0.77
        assert_eq!(fee(2_500), Ok(15)); // ¥25.00 → exactly 0.15
        assert_eq!(fee(250), Ok(2)); // ¥2.50 → 0.015 → half-up → ¥0.02
        assert_eq!(fee(83), Ok(0)); // ¥0.83 → 0.00498 → ¥0.00
        assert_eq!(fee(0), Ok(0));
    }

    #[test]
    fn a_fee_rate_outside_zero_to_a_half_is_refused() {
        assert!(FeeRate::parse("-0.01").is_err());
        assert!(FeeRate::parse("0.6").is_err());
        assert!(FeeRate::parse("six").is_err());
        assert_eq!(FeeRate::parse("0.006"), Ok(FeeRate::DEFAULT));
    }

    proptest! {
        #[test]
        fn a_fee_never_exceeds_the_amount(fen in 0..=Money::MAX_FEN, rate_thousandths in 0u32..=500) {
            let rate = FeeRate::new(Decimal::new(i64::from(rate_thousandths), 3)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let amount = Money::from_fen(fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(rate.fee_on(amount).is_ok_and(|fee| fee <= amount));
        }

        #[test]
        fn fen_round_trips_through_text(fen in 0..=Money::MAX_FEN) {
            let money = Money::from_fen(fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = money.amount().to_string();
            prop_assert_eq!(Money::parse(&text).map(|m| m.fen()), Ok(fen));
        }

        #[test]
        fn addition_then_subtraction_is_identity(a in 0..=Money::MAX_FEN / 2, b in 0..=Money::MAX_FEN / 2) {
            let (a, b) = (Money::from_fen(a), Money::from_fen(b));
            let (a, b) = (a.map_err(|e| TestCaseError::fail(e.to_string()))?, b.map_err(|e| TestCaseError::fail(e.to_string()))?);
            prop_assert_eq!(a.checked_add(b).and_then(|s| s.checked_sub(b)), Some(a));
        }
    }
}
