//! `GET /v1/peers`: each peer this node pulls from — cursor, last success,
//! last error with its code, failures in a row, next attempt, notices
//! received and rejected by code, checkpoint state, and the evidence when
//! its log was found inconsistent.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::node::Node;

pub async fn list(State(node): State<Arc<Node>>) -> Json<Value> {
    Json(json!({
        "node": {
            "origin": node.log.origin(),
            "node_key": node.log.public_key().to_base64(),
        },
        "peers": node.peers.statuses(),
    }))
}
