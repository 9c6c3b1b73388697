use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub kind: String,
    pub from_state: String,
    pub to_state: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// What the line tells, as data (`labels::Told` in JSON), so it is
    /// worded in the reader's language; none on lines from before.
    #[sea_orm(column_type = "Text", nullable)]
    pub told: Option<String>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
