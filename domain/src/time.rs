//! Time as the rules see it: Unix milliseconds, passed in, never read.

/// Unix milliseconds.
pub type Millis = i64;
pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;
