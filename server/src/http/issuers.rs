//! `GET /v1/issuers/{domain}`: keys seen, verification, equivocation evidence.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use dix_schema::types::{Domain, Timestamp};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::http::incidents::raw;
use crate::node::Node;

pub async fn one(
    State(node): State<Arc<Node>>,
    Path(domain): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let issuer = Domain::parse_lenient(&domain).map_err(|e| {
        ApiError::bad_request("invalid_parameter", format!("issuer: {e}")).with_field("domain")
    })?;
    let (count, max_seq) = node
        .store
        .issuer_summary(issuer.as_str())
        .await
        .map_err(ApiError::internal)?;
    let keys = node
        .store
        .issuer_keys(issuer.as_str())
        .await
        .map_err(ApiError::internal)?;
    let pinned = node.keys.pinned_selectors(&issuer);
    if count == 0 && pinned.is_empty() {
        return Err(ApiError::not_found(format!(
            "this node has no notices from {issuer} and no pinned key for it"
        )));
    }
    let equivocations = node
        .store
        .equivocations(issuer.as_str())
        .await
        .map_err(ApiError::internal)?;
    let when = |t: i64| Timestamp::from_unix(t).map(|t| t.to_string());
    Ok(Json(json!({
        "issuer": issuer,
        "flagged": !equivocations.is_empty(),
        "notices": count,
        "max_seq": max_seq,
        "pinned_selectors": pinned,
        "keys": keys.iter().map(|k| json!({
            "selector": k.selector, "public_key": k.public_key, "source": k.source,
            "first_seen": when(k.first_seen), "last_seen": when(k.last_seen),
        })).collect::<Vec<_>>(),
        "equivocations": equivocations.iter().map(|e| Ok(json!({
            "seq": e.seq,
            "detected_at": when(e.detected_at),
            "notices": [
                {"cursor": e.first.cursor.to_string(), "notice": raw(&e.first.bytes)?},
                {"cursor": e.second.cursor.to_string(), "notice": raw(&e.second.bytes)?},
            ],
        }))).collect::<Result<Vec<_>, ApiError>>()?,
    })))
}
