//! SeaORM models, one per table. Kept by hand to match `migrations/`.

pub mod listings;
pub mod sessions;
pub mod users;
