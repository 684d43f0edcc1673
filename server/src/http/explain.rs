//! `POST /v1/match` (facts in, matching incidents out) and `POST /v1/explain`
//! (a raw bounce, reply or log line in; facts, knowledge, matches and a
//! verdict out). The parser and knowledge base are dix-client's: one parser
//! for the CLI and the node.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dix_client::bounce::{Fact, parse_bytes, parse_reply};
use dix_client::knowledge::KnowledgeBase;
use dix_client::verdict::{MatchQuery, decide};
use serde::Deserialize;
use serde_json::{Value, json};

use super::notices::RawBody;
use crate::error::ApiError;
use crate::node::Node;

/// Most queries in one `/v1/match` request.
const MAX_QUERIES: usize = 1000;
/// Most facts explained in one `/v1/explain` request.
const MAX_FACTS: usize = 200;

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
    let snapshot = node.index.snapshot();
    let results: Vec<Value> = request
        .queries
        .iter()
        .map(|q| json!({"matches": snapshot.find(q)}))
        .collect();
    Ok(Json(json!({"results": results})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRequest {
    /// The bounce, reply or log text.
    text: String,
    /// The recipient, for a bare reply.
    #[serde(default)]
    recipient: Option<String>,
    /// When it bounced, RFC 3339, for a bare reply.
    #[serde(default)]
    at: Option<String>,
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
            recipient: None,
            at: None,
        }
    };
    if request.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_input",
            "paste a bounce message, an SMTP reply or a mail log line",
        )
        .with_field("text"));
    }
    // Parsing a large mbox is CPU work: keep it off the async executor.
    let facts: Vec<Fact> = tokio::task::spawn_blocking(move || {
        parse_reply(
            &request.text,
            request.recipient.as_deref(),
            request.at.as_deref(),
        )
        .map(|f| vec![f])
        .unwrap_or_else(|| parse_bytes(request.text.as_bytes(), "explain"))
    })
    .await
    .map_err(ApiError::internal)?;
    if facts.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_bounce_found",
            "no bounce, SMTP reply or MTA log line was found in the text; paste the whole bounce message or the reply line (e.g. 451 4.7.500 ...)",
        ));
    }
    let kb = KnowledgeBase::embedded();
    let snapshot = node.index.snapshot();
    let items: Vec<Value> = facts
        .iter()
        .take(MAX_FACTS)
        .map(|fact| {
            let knowledge = kb.explain(fact);
            let matches = snapshot.find(&MatchQuery::from(fact));
            let verdict = decide(fact, &knowledge, &matches);
            json!({"fact": fact, "reason": fact.reason.as_str(), "knowledge": knowledge, "matches": matches, "verdict": verdict})
        })
        .collect();
    Ok((
        StatusCode::OK,
        Json(json!({"facts": items, "truncated": facts.len() > MAX_FACTS})),
    ))
}
