use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_operations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub kind: String,
    pub amount_fen: i64,
    pub status: String,
    #[sea_orm(unique)]
    pub reference: String,
    pub pay_order_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub failure: Option<String>,
    pub created_at: i64,
    pub settled_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
