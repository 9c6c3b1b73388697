use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub message: String,
    pub order_id: Option<i64>,
    pub at: String,
    pub unread: bool,
}

/// The newest notifications; reading them marks them read.
#[server(endpoint = "get_notifications")]
pub async fn get_notifications() -> Result<Vec<NotificationView>, AppError> {
    use crate::domain::notices::Notice;
    use crate::server::store;
    use crate::server_fns::context;
    let state = context::state()?;
    let member = context::require_member(&state).await?;
    let list = store::notifications::recent(&state.db, member.id, 100).await?;
    store::notifications::mark_all_read(&state.db, member.id, state.clock.now_ms()).await?;
    let l = context::locale();
    Ok(list
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            message: match (n.kind.parse::<Notice>(), &n.subject) {
                (Ok(kind), Some(subject)) => crate::labels::notice_line(l, kind, subject),
                _ => n.message,
            },
            order_id: n.order_id,
            at: context::format_datetime(n.created_at),
            unread: !n.read,
        })
        .collect())
}
