//! `POST /v1/match` (facts in, matching incidents out) and `POST /v1/explain`
//! (a raw bounce, reply or log line in; facts, knowledge, matches and a
//! verdict out). The parser and knowledge base are dix-bounce's: one parser
//! for the CLI and the node.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dix_bounce::knowledge::KnowledgeBase;
use dix_bounce::verdict::{MatchQuery, Sending, decide};
use dix_bounce::{Fact, batch, parse_bytes, parse_reply};
use serde::Deserialize;
use serde_json::{Value, json};

use super::notices::RawBody;
use crate::error::ApiError;
use crate::node::Node;

/// Most queries in one `/v1/match` request.
const MAX_QUERIES: usize = 1000;
/// Most facts explained in one `/v1/explain` request; a day of bounces is
/// `dix explain`'s work (the CLI batches), not one request's.
const MAX_FACTS: usize = 50;
/// Most matches shown per fact.
const MAX_MATCHES_SHOWN: usize = 5;
/// Longest diagnostic text echoed back per fact, in characters.
const MAX_ECHOED_DIAGNOSTIC: usize = 2000;
/// Largest answer body; facts past it are left out and `truncated` says so.
const MAX_ANSWER_BYTES: usize = 512 * 1024;

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

/// One of the per-core permits for CPU work, waited for no longer than a
/// request may take.
async fn cpu_permit(node: &Node) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    tokio::time::timeout(
        std::time::Duration::from_secs(node.config.request_timeout_secs.max(1)),
        node.cpu_work.clone().acquire_owned(),
    )
    .await
    .map_err(|_| {
        ApiError::unavailable(
            "busy",
            "the node is busy explaining other bounces; try again in a moment",
        )
    })?
    .map_err(ApiError::internal)
}

/// Stops a request's matching work at its deadline, or when the request's
/// future is dropped (the timeout layer answered, or the client left): the
/// guard lives in the future, the flag in the blocking work.
fn request_cancel(node: &Node) -> (crate::index::Cancel, crate::index::CancelOnDrop) {
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs(node.config.request_timeout_secs.max(1));
    let cancel = crate::index::Cancel::until(deadline);
    let guard = cancel.on_drop();
    (cancel, guard)
}

fn timed_out(node: &Node) -> ApiError {
    ApiError::unavailable(
        "timeout",
        format!(
            "the request took longer than {} seconds",
            node.config.request_timeout_secs.max(1)
        ),
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainRequest {
    /// The bounce, reply or log text.
    pub text: String,
    /// The recipient, for a bare reply.
    #[serde(default)]
    pub recipient: Option<String>,
    /// When it bounced, RFC 3339, for a bare reply.
    #[serde(default)]
    pub at: Option<String>,
    /// The sender's From address: who owns an authentication refusal.
    #[serde(default)]
    pub from: Option<String>,
    /// Domains the asking provider signs for (DKIM, SPF).
    #[serde(default)]
    pub our_domains: Vec<String>,
}

/// The answer for one fact: what `/v1/explain` and the helpdesk page show.
#[derive(serde::Serialize)]
pub(crate) struct Answer {
    /// The fact, its diagnostic cut to what is echoed back.
    pub fact: Fact,
    pub diagnostic_truncated: bool,
    pub reason: &'static str,
    pub knowledge: dix_bounce::knowledge::Explanation,
    pub matches: Vec<dix_bounce::verdict::IncidentMatch>,
    pub verdict: dix_bounce::verdict::Verdict,
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
            from: None,
            our_domains: Vec::new(),
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
        Some((answers, truncated)) => Ok((
            StatusCode::OK,
            Json(json!({"facts": answers, "truncated": truncated})),
        )),
        None => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_bounce_found",
            "no bounce, SMTP reply or MTA log line was found in the text; paste the whole bounce message or the reply line (e.g. 451 4.7.500 ...)",
        )),
    }
}

/// Parses, matches and decides, off the async executor and at most one
/// request per core at a time. `None` when the text holds nothing to explain.
pub(crate) async fn run(
    node: &Arc<Node>,
    request: ExplainRequest,
) -> Result<Option<(Vec<Answer>, bool)>, ApiError> {
    // Parsing, matching and writing the answer are CPU work: off the async
    // executor, and at most one request per core at a time, so a flood of
    // large requests queues (and times out) instead of taking every thread
    // and the memory with it.
    let permit = cpu_permit(node).await?;
    let snapshot = node.matcher()?;
    let (cancel, _cancel_on_drop) = request_cancel(node);
    let node = node.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut request = request;
        if request.our_domains.is_empty() {
            request.our_domains.clone_from(&node.config.our_domains);
        }
        // Once cancelled, every further fact finds nothing at once, and
        // the answer below is the timeout, not a partial result.
        let answered = answers(&request, &|q: &MatchQuery| {
            snapshot
                .find_with_history(&node.index, &node.store, q, &cancel)
                .unwrap_or_default()
        });
        if cancel.is_cancelled() {
            return Err(timed_out(&node));
        }
        Ok(answered)
    })
    .await
    .map_err(ApiError::internal)?
}

/// The whole answer for one request, bounded in facts and in size; `None`
/// when the text holds nothing to explain. An mbox is split into its
/// messages as `dix parse` splits it.
/// `matcher` finds the incidents for one fact.
pub(crate) fn answers(
    request: &ExplainRequest,
    matcher: &dyn Fn(&MatchQuery) -> Vec<dix_bounce::verdict::IncidentMatch>,
) -> Option<(Vec<Answer>, bool)> {
    let facts: Vec<Fact> = match parse_reply(
        &request.text,
        request.recipient.as_deref(),
        request.at.as_deref(),
    ) {
        Some(fact) => vec![fact],
        None => {
            let mut facts = Vec::new();
            for item in batch::split(request.text.as_bytes(), "explain", false) {
                facts.extend(parse_bytes(&item.bytes, &item.source));
                if facts.len() > MAX_FACTS {
                    break;
                }
            }
            facts
        }
    };
    if facts.is_empty() {
        return None;
    }
    let mut facts = facts;
    if let Some(from) = &request.from {
        for f in &mut facts {
            f.original_from = Some(from.clone());
        }
    }
    let sending = Sending {
        our_domains: request.our_domains.clone(),
    };
    let kb = KnowledgeBase::embedded();
    let mut items: Vec<Answer> = Vec::new();
    let mut size = 0;
    let mut truncated = facts.len() > MAX_FACTS;
    for fact in facts.iter().take(MAX_FACTS) {
        let knowledge = kb.explain(fact);
        let mut matches = matcher(&MatchQuery::from(fact));
        let verdict = decide(fact, &knowledge, &matches, &sending);
        matches.truncate(MAX_MATCHES_SHOWN);
        let mut shown = fact.clone();
        let diagnostic_truncated = shown.diagnostic.chars().count() > MAX_ECHOED_DIAGNOSTIC;
        if diagnostic_truncated {
            shown.diagnostic = shown
                .diagnostic
                .chars()
                .take(MAX_ECHOED_DIAGNOSTIC)
                .collect();
        }
        let item = Answer {
            fact: shown,
            diagnostic_truncated,
            reason: fact.reason.as_str(),
            knowledge,
            matches,
            verdict,
        };
        size += serde_json::to_vec(&item).map_or(0, |b| b.len());
        if size > MAX_ANSWER_BYTES && !items.is_empty() {
            truncated = true;
            break;
        }
        items.push(item);
    }
    Some((items, truncated))
}
