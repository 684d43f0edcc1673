//! The explain service: whatever a person pastes → facts (the paste
//! reader, `dix_bounce::paste`), the knowledge base, the incidents the
//! index matches, and the verdict. `POST /v1/explain` and the helpdesk
//! page (`web::home`) both call [`run`]; neither knows how the other
//! presents the answer.

use std::sync::Arc;

use dix_bounce::knowledge::KnowledgeBase;
use dix_bounce::paste::{self, Hints, NothingFound};
use dix_bounce::verdict::{MatchQuery, Sending, decide};
use dix_bounce::{Fact, batch};
use serde::Deserialize;

use crate::error::ApiError;
use crate::node::Node;

/// Most facts explained in one `/v1/explain` request; a day of bounces is
/// `dix explain`'s work (the CLI batches), not one request's.
const MAX_FACTS: usize = 50;
/// Most matches shown per fact.
const MAX_MATCHES_SHOWN: usize = 5;
/// Longest diagnostic text echoed back per fact, in characters.
const MAX_ECHOED_DIAGNOSTIC: usize = 2000;
/// Largest answer body; facts past it are left out and `truncated` says so.
const MAX_ANSWER_BYTES: usize = 512 * 1024;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainRequest {
    /// The bounce, reply or log text.
    pub text: String,
    /// The recipient, where the text does not name one.
    #[serde(default)]
    pub recipient: Option<String>,
    /// When it bounced, RFC 3339, where the text does not say.
    #[serde(default)]
    pub at: Option<String>,
    /// The sender's From address: who owns an authentication refusal.
    #[serde(default)]
    pub from: Option<String>,
    /// Domains the asking provider signs for (DKIM, SPF).
    #[serde(default)]
    pub our_domains: Vec<String>,
    /// The text's own bytes, where they came as they are (an uploaded
    /// file, a raw request body): a paste in Shift_JIS or ISO-2022-JP is
    /// read from them, not from `text`'s lossy copy.
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
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

/// Reads, matches and decides, off the async executor and at most one
/// request per core at a time. `Ok(Err(NothingFound))` when the text holds
/// nothing to explain.
pub(crate) async fn run(
    node: &Arc<Node>,
    request: ExplainRequest,
) -> Result<Result<(Vec<Answer>, bool), NothingFound>, ApiError> {
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

/// One of the per-core permits for CPU work, waited for no longer than a
/// request may take.
pub(crate) async fn cpu_permit(node: &Node) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
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
pub(crate) fn request_cancel(node: &Node) -> (crate::index::Cancel, crate::index::CancelOnDrop) {
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs(node.config.request_timeout_secs.max(1));
    let cancel = crate::index::Cancel::until(deadline);
    let guard = cancel.on_drop();
    (cancel, guard)
}

pub(crate) fn timed_out(node: &Node) -> ApiError {
    ApiError::unavailable(
        "timeout",
        format!(
            "the request took longer than {} seconds",
            node.config.request_timeout_secs.max(1)
        ),
    )
}

/// The whole answer for one request, bounded in facts and in size. An
/// mbox is split into its messages as `dix parse` splits it; anything else
/// is one paste. `matcher` finds the incidents for one fact.
pub(crate) fn answers(
    request: &ExplainRequest,
    matcher: &dyn Fn(&MatchQuery) -> Vec<dix_bounce::verdict::IncidentMatch>,
) -> Result<(Vec<Answer>, bool), NothingFound> {
    let hints = Hints {
        recipient: request.recipient.clone(),
        at: request.at.clone(),
        from: request.from.clone(),
    };
    let mut facts: Vec<Fact> = Vec::new();
    let bytes = request.bytes.as_deref().unwrap_or(request.text.as_bytes());
    for item in batch::split(bytes, "explain", false) {
        if let Ok(found) = paste::read(&item.bytes, &item.source, &hints) {
            facts.extend(found);
        }
        if facts.len() > MAX_FACTS {
            break;
        }
    }
    if facts.is_empty() {
        return Err(NothingFound);
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
    Ok((items, truncated))
}
