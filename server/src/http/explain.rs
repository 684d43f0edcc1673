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
use crate::explain::{ExplainRequest, run};
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
    let mut results: Vec<Value> = Vec::with_capacity(request.queries.len());
    for q in &request.queries {
        // A bounce older than the memory window is matched from the store.
        let past = node
            .index
            .history(&node.store, q)
            .await
            .map_err(ApiError::internal)?;
        let matches = crate::index::merge(snapshot.find(q), past);
        results.push(json!({ "matches": matches }));
    }
    Ok(Json(json!({"results": results})))
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

