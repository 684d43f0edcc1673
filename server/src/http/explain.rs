//! `POST /v1/match` (facts in, matching incidents out) and `POST /v1/explain`
//! (whatever a person pastes in; facts, knowledge, matches and a verdict
//! out). The explaining itself is [`crate::explain`]'s, which the helpdesk
//! page shares.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dix_bounce::verdict::MatchQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use super::notices::RawBody;
use crate::error::ApiError;
use crate::explain::{ExplainRequest, cpu_permit, request_cancel, run, timed_out};
use crate::node::Node;

/// Most queries in one `/v1/match` request.
const MAX_QUERIES: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchRequest {
    queries: Vec<MatchQuery>,
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        ApiError::bad_request("invalid_request", e.inner().to_string())
            .with_field(if field == "." { String::new() } else { field })
    })
}

pub async fn match_facts(
    State(node): State<Arc<Node>>,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    let request: MatchRequest = json_body(&body)?;
    if request.queries.len() > MAX_QUERIES {
        return Err(ApiError::bad_request(
            "too_many_queries",
            format!("at most {MAX_QUERIES} queries per request"),
        )
        .with_field("queries"));
    }
    let snapshot = node.matcher()?;
    let permit = cpu_permit(&node).await?;
    let (cancel, _cancel_on_drop) = request_cancel(&node);
    let node = node.clone();
    // Up to 1,000 queries (and the store, for old bounces): off the async
    // executor, behind the same per-core permits as explaining.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut results: Vec<Value> = Vec::with_capacity(request.queries.len());
        for q in &request.queries {
            // A bounce older than the memory window is matched from the store.
            let matches = snapshot
                .find_with_history(&node.index, &node.store, q, &cancel)
                .map_err(|_| timed_out(&node))?;
            results.push(json!({ "matches": matches }));
        }
        Ok(Json(json!({"results": results})))
    })
    .await
    .map_err(ApiError::internal)?
}

pub async fn explain(
    State(node): State<Arc<Node>>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // JSON {"text": ...} or the raw text itself.
    let request = if body.first() == Some(&b'{') {
        json_body::<ExplainRequest>(&body)?
    } else {
        ExplainRequest {
            text: String::from_utf8_lossy(&body).into_owned(),
            bytes: Some(body.to_vec()),
            ..ExplainRequest::default()
        }
    };
    if request.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_input",
            "paste a bounce message, an SMTP reply or a mail log line",
        )
        .with_field("text"));
    }
    match run(&node, request).await? {
        Ok((answers, truncated)) => Ok((
            StatusCode::OK,
            Json(json!({"facts": answers, "truncated": truncated})),
        )),
        Err(nothing) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            dix_bounce::paste::NothingFound::CODE,
            nothing.message("en"),
        )
        .with_field("text")),
    }
}
