//! Ratings (SPEC §3): after an order ends, each side rates the other once,
//! within the rating window.

use serde::{Deserialize, Serialize};

use super::order::{Millis, Order, OrderState, Role};

pub const COMMENT_MAX_CHARS: usize = 500;

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
pub enum Score {
    Good,
    Neutral,
    Bad,
}

impl Score {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Score::Good => "Good",
            Score::Neutral => "Neutral",
            Score::Bad => "Bad",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("Only the buyer and the seller of an order can rate it")]
    NotAParty,
    #[error("An order can be rated once it has been completed")]
    NotEnded,
    #[error("The time to rate this order has passed")]
    TooLate,
    #[error("Choose good, neutral or bad")]
    NoScore,
    #[error("Keep the comment to {COMMENT_MAX_CHARS} characters")]
    CommentTooLong,
}

/// A rating whose rules hold: who rates whom, the score and the comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    pub rater: i64,
    pub ratee: i64,
    pub score: Score,
    pub comment: String,
}

/// Checks that `role` may rate `order` now, within `window` of its end, and
/// returns who is rated. Rating once is the store's unique key.
pub fn rate(
    order: &Order,
    role: Role,
    score: &str,
    comment: &str,
    now: Millis,
    window: Millis,
) -> Result<Rating, RatingError> {
    let (rater, ratee) = may_rate(order, role, now, window)?;
    let score = score.trim().parse::<Score>().map_err(|_| RatingError::NoScore)?;
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX_CHARS {
        return Err(RatingError::CommentTooLong);
    }
    Ok(Rating { rater, ratee, score, comment: comment.to_owned() })
}

/// Whether `role` may rate `order` now: (rater, ratee) if so.
pub fn may_rate(order: &Order, role: Role, now: Millis, window: Millis) -> Result<(i64, i64), RatingError> {
    let parties = match role {
        Role::Buyer => (order.buyer, order.seller),
        Role::Seller => (order.seller, order.buyer),
        _ => return Err(RatingError::NotAParty),
    };
    if !matches!(order.state, OrderState::Completed | OrderState::Resolved) {
        return Err(RatingError::NotEnded);
    }
    match order.ended_at {
        Some(ended) if now <= ended + window => Ok(parties),
        _ => Err(RatingError::TooLate),
    }
}

/// How many of each score a member received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub good: u64,
    pub neutral: u64,
    pub bad: u64,
}

impl Tally {
    pub fn add(&mut self, score: Score) {
        match score {
            Score::Good => self.good += 1,
            Score::Neutral => self.neutral += 1,
            Score::Bad => self.bad += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.good + self.neutral + self.bad
    }

    /// Share of good ratings in percent, rounded down; none without ratings.
    pub fn percent_good(&self) -> Option<u64> {
        (self.total() > 0).then(|| self.good * 100 / self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::order::{DAY, Rules};

    fn ended(state: OrderState, at: Millis) -> Order {
        let mut order = Order::place(1, 2, Money::from_fen(100).unwrap_or_default(), 1, 0, &Rules::default())
            .unwrap_or_else(|e| panic!("{e}"));
        order.state = state;
        order.ended_at = Some(at);
        order.deadline = None;
        order
    }

    #[test]
    fn each_side_rates_the_other() {
        let order = ended(OrderState::Completed, DAY);
        assert_eq!(
            rate(&order, Role::Buyer, "good", " Fast! ", DAY, 15 * DAY)
                .map(|r| (r.rater, r.ratee, r.comment)),
            Ok((1, 2, "Fast!".into()))
        );
        assert_eq!(
            rate(&order, Role::Seller, "neutral", "", DAY, 15 * DAY).map(|r| (r.rater, r.ratee)),
            Ok((2, 1))
        );
        assert_eq!(rate(&order, Role::Stranger, "good", "", DAY, 15 * DAY), Err(RatingError::NotAParty));
        assert_eq!(rate(&order, Role::Arbiter, "good", "", DAY, 15 * DAY), Err(RatingError::NotAParty));
    }

    #[test]
    fn only_ended_orders_within_fifteen_days_can_be_rated() {
        let order = ended(OrderState::Completed, DAY);
        assert!(rate(&order, Role::Buyer, "good", "", 16 * DAY, 15 * DAY).is_ok());
        assert_eq!(rate(&order, Role::Buyer, "good", "", 16 * DAY + 1, 15 * DAY), Err(RatingError::TooLate));
        for state in [OrderState::Shipped, OrderState::Cancelled, OrderState::Refunded] {
            assert_eq!(
                rate(&ended(state, DAY), Role::Buyer, "good", "", DAY, 15 * DAY),
                Err(RatingError::NotEnded)
            );
        }
        assert!(rate(&ended(OrderState::Resolved, DAY), Role::Buyer, "bad", "", DAY, 15 * DAY).is_ok());
    }

    #[test]
    fn the_score_must_be_one_of_three_and_the_comment_at_most_500_characters() {
        let order = ended(OrderState::Completed, 0);
        assert_eq!(rate(&order, Role::Buyer, "excellent", "", 0, DAY), Err(RatingError::NoScore));
        assert!(rate(&order, Role::Buyer, "good", &"好".repeat(500), 0, DAY).is_ok());
        assert_eq!(
            rate(&order, Role::Buyer, "good", &"好".repeat(501), 0, DAY),
            Err(RatingError::CommentTooLong)
        );
    }

    #[test]
    fn the_tally_counts_and_gives_the_share_of_good() {
        let mut tally = Tally::default();
        assert_eq!(tally.percent_good(), None);
        for score in [Score::Good, Score::Good, Score::Neutral, Score::Bad] {
            tally.add(score);
        }
        assert_eq!((tally.total(), tally.percent_good()), (4, Some(50)));
    }
}
