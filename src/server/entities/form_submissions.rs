use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    pub created_at: i64,
    /// API keys only: the request's hash, and the status of the answer
    /// stored in `outcome` (none yet: the first request is in flight).
    pub request_hash: Option<String>,
    pub response_status: Option<i32>,
}

impl ActiveModelBehavior for ActiveModel {}
