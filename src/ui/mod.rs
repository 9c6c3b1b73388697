//! Everything people see. Never reaches the database: data comes from
//! server functions through resources and actions.

pub mod components;
pub mod pages;
