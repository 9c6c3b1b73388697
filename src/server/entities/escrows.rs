use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escrows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub merchant_id: i64,
    pub mode: String,
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub items: String,
    pub buyer_email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub return_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_url: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub metadata: String,
    pub status: String,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
