use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub debit_account_id: i64,
    pub credit_account_id: i64,
    pub amount_fen: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    pub bank_operation_id: Option<i64>,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
