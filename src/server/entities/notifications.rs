use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// What the notice is about ("Kindle × 1"), so the headline is worded
    /// in the reader's language; none on rows from before.
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
