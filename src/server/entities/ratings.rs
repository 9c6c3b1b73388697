use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub rater_id: i64,
    pub ratee_id: i64,
    pub score: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
