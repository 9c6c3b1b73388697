use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub purpose: String,
    pub subject_id: i64,
    pub position: i32,
    pub file: String,
    pub width: i32,
    pub height: i32,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
