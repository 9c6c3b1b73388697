use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub to_address: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i32,
    pub next_attempt_at: i64,
    /// Held by the instance sending it until then.
    pub claimed_until: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Given up: the server refused it for good, or every retry failed.
    pub failed_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
