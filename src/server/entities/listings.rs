use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub category: String,
    pub condition: String,
    pub price_fen: i64,
    pub stock: i32,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// What search looks up: `escrowmart_domain::tokens::index_text` of the
    /// title and description, written with them.
    #[sea_orm(column_type = "Text")]
    pub search_tokens: String,
}

impl ActiveModelBehavior for ActiveModel {}
