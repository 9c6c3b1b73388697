pub mod edit_listing;
pub mod home;
pub mod item;
pub mod my_listings;
pub mod not_found;
pub mod sell;
pub mod sign_in;
pub mod sign_up;
