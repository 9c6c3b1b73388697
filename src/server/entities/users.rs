use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: i64,
    pub is_arbiter: bool,
    pub suspended_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub suspension_reason: Option<String>,
    /// The language the member last used (`zh-CN`, `en`), for e-mails.
    #[sea_orm(column_type = "Text", nullable)]
    pub locale: Option<String>,
    /// When the member followed the link mailed to their address.
    pub email_verified_at: Option<i64>,
    /// Raised to end every session signed in before (see `auth`).
    pub session_generation: i32,
}

impl ActiveModelBehavior for ActiveModel {}
