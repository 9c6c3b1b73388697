use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fraud_claims")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub order_id: i64,
    pub buyer_id: i64,
    pub seller_id: i64,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    pub state: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
