//! The feed as a transparency log (`tlog`):
//!
//! - `GET /v1/checkpoint`: the signed checkpoint note over the whole feed,
//!   with the node key and its fields for convenience (a peer verifies the
//!   note, not the fields);
//! - `GET /v1/proof/consistency?from=N&to=M`: the RFC 9162 consistency
//!   proof between the trees of N and M entries.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::node::Node;

pub async fn checkpoint(State(node): State<Arc<Node>>) -> Json<Value> {
    let (cp, note) = node.log.checkpoint();
    Json(json!({
        "origin": cp.origin,
        "size": cp.size,
        "root": STANDARD.encode(cp.root),
        "node_key": node.log.public_key().to_base64(),
        "note": note,
    }))
}

pub async fn consistency(
    State(node): State<Arc<Node>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    if let Some(unknown) = params.keys().find(|k| *k != "from" && *k != "to") {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("unknown parameter `{unknown}`; known: from, to"),
        )
        .with_field(unknown.as_str()));
    }
    let size = node.log.size();
    let number = |name: &str| -> Result<u64, ApiError> {
        params
            .get(name)
            .ok_or_else(|| {
                ApiError::bad_request("invalid_parameter", format!("`{name}` is required"))
                    .with_field(name)
            })?
            .parse()
            .map_err(|_| {
                ApiError::bad_request("invalid_parameter", format!("`{name}` must be a tree size"))
                    .with_field(name)
            })
    };
    let (from, to) = (number("from")?, number("to")?);
    let proof = node.log.consistency(from, to).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_range",
            format!("a consistency proof needs 0 < from <= to <= {size} (the log's size); got from={from}, to={to}"),
        )
    })?;
    Ok(Json(json!({
        "from": from,
        "to": to,
        "proof": proof.iter().map(|h| STANDARD.encode(h)).collect::<Vec<_>>(),
    })))
}
