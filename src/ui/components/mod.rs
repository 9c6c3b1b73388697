pub mod errors;
pub mod form;
pub mod layout;
pub mod listing_card;
pub mod listing_form;
pub mod order_list;
pub mod pager;
