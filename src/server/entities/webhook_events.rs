use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub public_id: String,
    pub merchant_id: i64,
    pub mode: String,
    pub kind: String,
    pub escrow_id: i64,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
