//! `/healthz`, `/metrics` and `/v1/openapi.json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::node::Node;

pub async fn healthz(State(node): State<Arc<Node>>) -> Result<Json<Value>, ApiError> {
    node.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: database unreachable");
        ApiError::unavailable("database_unavailable", "the database does not answer")
    })?;
    Ok(Json(json!({"status": "ok"})))
}

pub async fn metrics(State(node): State<Arc<Node>>) -> Result<Response, ApiError> {
    let incidents = node
        .store
        .incident_count()
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        node.metrics.render(incidents),
    )
        .into_response())
}

pub async fn openapi() -> Response {
    (StatusCode::OK, Json(super::openapi::document())).into_response()
}
