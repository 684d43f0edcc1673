//! `GET /v1/webhooks`: each subscription's delivery state (never its secret).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use dix_schema::types::Timestamp;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::node::Node;

pub async fn list(State(node): State<Arc<Node>>) -> Result<Json<Value>, ApiError> {
    let when = |t: i64| Timestamp::from_unix(t).map(|t| t.to_string());
    let mut out = Vec::new();
    for hook in &node.config.webhooks {
        let s = node
            .store
            .webhook_stats(&hook.url)
            .await
            .map_err(ApiError::internal)?;
        out.push(json!({
            "url": hook.url,
            "domains": hook.domains,
            "enqueued_through": s.cursor.to_string(),
            "pending": s.pending,
            "delivered": s.delivered,
            "last_delivered_at": s.last_delivered_at.and_then(when),
            "next": s.head.as_ref().map(|(id, attempts, next_at, error)| json!({
                "event_id": id.to_string(),
                "attempts": attempts,
                "next_attempt_at": when(*next_at),
                "last_error": error,
            })),
        }));
    }
    Ok(Json(json!({"webhooks": out})))
}
