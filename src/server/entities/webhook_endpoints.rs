use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub merchant_id: i64,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub secret: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
