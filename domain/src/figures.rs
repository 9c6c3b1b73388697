//! The platform's public figures (`/stats`): days, shares and series,
//! from counts the store takes.

use crate::time::{DAY, Millis};

/// The start (UTC midnight) of the day `at` falls in.
pub fn day_start(at: Millis) -> Millis {
    at.div_euclid(DAY) * DAY
}

/// The first day of a window of `days` days ending with the day of `now`.
pub fn window_start(now: Millis, days: u32) -> Millis {
    day_start(now) - (i64::from(days.max(1)) - 1) * DAY
}

/// Per-day sums keyed by day number from `from` (as the store groups them)
/// spread over every day of the window, oldest first, missing days as zero.
/// Days outside the window are ignored.
pub fn series(days: u32, by_day: impl IntoIterator<Item = (i64, i64)>) -> Vec<i64> {
    let mut series = vec![0; days as usize];
    for (day, total) in by_day {
        if let Some(slot) = usize::try_from(day).ok().and_then(|day| series.get_mut(day)) {
            *slot += total;
        }
    }
    series
}

/// `part` of `whole` as a percentage with one decimal (`"12.5%"`), rounded
/// half up; none of nothing reads `"0.0%"`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0%".into();
    }
    let per_mille = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    format!("{}.{}%", per_mille / 10, per_mille % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_28_1400: Millis = 1_795_874_400_000; // 2026-11-28 14:00 UTC

    #[test]
    fn a_day_starts_at_utc_midnight() {
        assert_eq!(day_start(NOV_28_1400), 1_795_824_000_000);
        assert_eq!(day_start(1_795_824_000_000), 1_795_824_000_000);
        assert_eq!(day_start(-1), -DAY, "before 1970 still rounds down");
    }

    #[test]
    fn a_thirty_day_window_ends_with_today() {
        assert_eq!(window_start(NOV_28_1400, 30), 1_795_824_000_000 - 29 * DAY);
        assert_eq!(window_start(NOV_28_1400, 1), 1_795_824_000_000);
        assert_eq!(window_start(NOV_28_1400, 0), 1_795_824_000_000, "no window is today alone");
    }

    #[test]
    fn a_series_has_every_day_with_zero_where_nothing_happened() {
        assert_eq!(series(4, [(0, 5), (2, 7), (2, 1)]), vec![5, 0, 8, 0]);
        assert_eq!(series(2, [(-1, 9), (2, 9), (1, 3)]), vec![0, 3], "days outside are left out");
    }

    #[test]
    fn shares_round_half_up_to_a_tenth_of_a_percent() {
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(1, 2000), "0.1%", "0.05% rounds up");
        assert_eq!(percent(1, 2001), "0.0%");
        assert_eq!(percent(5, 5), "100.0%");
        assert_eq!(percent(0, 0), "0.0%");
        assert_eq!(percent(u64::MAX, u64::MAX), "100.0%", "no overflow");
    }
}
