use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    /// None for an escrow created through the merchant API.
    pub listing_id: Option<i64>,
    pub listing_title: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    pub amount_fen: i64,
    pub held_fen: i64,
    pub state: String,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub shipping_address: String,
    pub ship_carrier: Option<String>,
    pub ship_tracking: Option<String>,
    pub deadline_kind: Option<String>,
    pub deadline_at: Option<i64>,
    pub paused_kind: Option<String>,
    pub paused_remaining_ms: Option<i64>,
    pub confirm_extended: bool,
    pub refund_kind: Option<String>,
    pub refund_amount_fen: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub refund_reason: Option<String>,
    pub refund_from: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub refund_refusal: Option<String>,
    pub return_carrier: Option<String>,
    pub return_tracking: Option<String>,
    pub ended_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
