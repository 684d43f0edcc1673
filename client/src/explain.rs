//! `dix explain`: parse locally, ask one or more nodes for matching
//! incidents, decide with the built-in knowledge base. With no node, or none
//! reachable, it still answers from the knowledge base — and says so. A
//! node that refuses a request is an error, not "no incident": requests
//! are sized to fit its body limit, and a fact it still refuses is reported.

use std::time::Duration;

use serde_json::{Value, json};

use crate::bounce::Fact;
use crate::knowledge::KnowledgeBase;
use crate::verdict::{IncidentMatch, MatchQuery, Sending, Verdict, decide};

/// What each node said.
#[derive(Debug, Clone)]
pub struct NodeReport {
    /// The node's URL.
    pub url: String,
    /// `Ok(matches per fact)` or why it could not be asked.
    pub result: Result<Vec<Vec<IncidentMatch>>, AskError>,
}

/// Why a node gave no matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskError {
    /// Not reached, or no usable answer: the answer goes on without it
    /// and says so.
    Unreachable(String),
    /// The node answered and refused the request (413 for a fact larger
    /// than it accepts, any other 4xx): an error, never passed off as
    /// "no incident".
    Refused(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AskError::Unreachable(e) => write!(f, "{e}"),
            AskError::Refused(e) => write!(f, "refused: {e}"),
        }
    }
}

/// Most queries in one request (a node takes up to 1,000).
const MAX_QUERIES_PER_REQUEST: usize = 500;
/// Most bytes of queries in one request: well under a node's default body
/// limit (256 KiB). A node with a lower limit answers 413, and the request
/// is split in two and asked again.
const MAX_REQUEST_BYTES: usize = 128 * 1024;

/// One request's facts (a range of the facts asked about) and what the
/// node said about them.
pub type Part = (
    std::ops::Range<usize>,
    Result<Vec<Vec<IncidentMatch>>, AskError>,
);

/// Asks `node` for matches for every fact: `Ok` only when every request
/// was answered; else the first refusal, or why it could not be reached.
pub fn ask_node(node: &str, facts: &[Fact]) -> NodeReport {
    let mut all = Vec::with_capacity(facts.len());
    let mut error = None;
    for (_, result) in ask_node_in_parts(node, facts) {
        match result {
            Ok(matches) => all.extend(matches),
            Err(e) => {
                let refused = matches!(e, AskError::Refused(_));
                if error.is_none() || refused {
                    error = Some(e);
                }
                if refused {
                    break;
                }
            }
        }
    }
    NodeReport {
        url: node.to_owned(),
        result: error.map_or(Ok(all), Err),
    }
}

/// Asks `node` about `facts` in requests sized to fit its body limit: at
/// most [`MAX_REQUEST_BYTES`] and [`MAX_QUERIES_PER_REQUEST`] each, and a
/// request refused as too large (413) split in two and asked again, down
/// to a single fact, which is then reported refused. Parts come back in
/// the facts' order; once the node cannot be reached the rest is not asked.
pub fn ask_node_in_parts(node: &str, facts: &[Fact]) -> Vec<Part> {
    let url = format!("{}/v1/match", node.trim_end_matches('/'));
    let queries: Vec<MatchQuery> = facts.iter().map(MatchQuery::from).collect();
    let client = match reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => return vec![(0..facts.len(), Err(AskError::Unreachable(e.to_string())))],
    };
    // Requests packed by size, asked in order (a stack, first on top).
    let mut pending: Vec<std::ops::Range<usize>> = packed(&queries);
    pending.reverse();
    let mut parts = Vec::new();
    while let Some(range) = pending.pop() {
        match send(&client, &url, &queries[range.clone()]) {
            Err(Sent::TooLarge(_)) if range.len() > 1 => {
                let middle = range.start + range.len() / 2;
                pending.push(middle..range.end);
                pending.push(range.start..middle);
            }
            Err(Sent::TooLarge(e) | Sent::Refused(e)) => {
                parts.push((range, Err(AskError::Refused(e))));
            }
            Err(Sent::Unreachable(e)) => {
                let rest = pending.iter().map(|r| r.end).max().unwrap_or(range.end);
                parts.push((
                    range.start..rest.max(range.end),
                    Err(AskError::Unreachable(e)),
                ));
                break;
            }
            Ok(matches) => parts.push((range, Ok(matches))),
        }
    }
    parts
}

/// The queries cut into runs of at most [`MAX_REQUEST_BYTES`] of JSON and
/// [`MAX_QUERIES_PER_REQUEST`] queries (a query larger than that alone is
/// a run of its own).
fn packed(queries: &[MatchQuery]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, q) in queries.iter().enumerate() {
        let size = serde_json::to_vec(q).map_or(0, |v| v.len()) + 1;
        if i > start && (bytes + size > MAX_REQUEST_BYTES || i - start >= MAX_QUERIES_PER_REQUEST) {
            runs.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < queries.len() {
        runs.push(start..queries.len());
    }
    runs
}

/// How one request went wrong.
enum Sent {
    TooLarge(String),
    Refused(String),
    Unreachable(String),
}

fn send(
    client: &reqwest::blocking::Client,
    url: &str,
    queries: &[MatchQuery],
) -> Result<Vec<Vec<IncidentMatch>>, Sent> {
    let response = client
        .post(url)
        .json(&json!({"queries": queries}))
        .send()
        .map_err(|e| Sent::Unreachable(e.to_string()))?;
    let status = response.status();
    let text = response.text().unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !status.is_success() {
        let message = format!(
            "{status}: {}",
            body["error"]["message"].as_str().unwrap_or("error")
        );
        // Busy or timed out is the node's state, not a verdict on the request.
        return Err(match status.as_u16() {
            413 => Sent::TooLarge(message),
            408 | 429 => Sent::Unreachable(message),
            400..=499 => Sent::Refused(message),
            _ => Sent::Unreachable(message),
        });
    }
    let results = body["results"]
        .as_array()
        .ok_or_else(|| Sent::Unreachable(format!("{status}: the answer has no results")))?;
    if results.len() != queries.len() {
        return Err(Sent::Unreachable(format!(
            "the answer has {} results for {} queries",
            results.len(),
            queries.len()
        )));
    }
    results
        .iter()
        .map(|r| {
            serde_json::from_value::<Vec<IncidentMatch>>(r["matches"].clone())
                .map_err(|e| Sent::Unreachable(format!("unreadable answer: {e}")))
        })
        .collect()
}

/// The answer for each fact, with the matches of every reachable node.
pub fn explain(
    facts: &[Fact],
    reports: &[NodeReport],
    sending: &Sending,
) -> Vec<(Verdict, Vec<IncidentMatch>)> {
    let kb = KnowledgeBase::embedded();
    facts
        .iter()
        .enumerate()
        .map(|(i, fact)| {
            let mut matches: Vec<IncidentMatch> = reports
                .iter()
                .filter_map(|r| {
                    r.result
                        .as_ref()
                        .ok()
                        .and_then(|m| m.get(i))
                        .map(|m| (r, m))
                })
                .flat_map(|(r, m)| {
                    m.iter().cloned().map(move |mut x| {
                        x.node = Some(r.url.clone());
                        x
                    })
                })
                .collect();
            matches.sort_by(|a, b| b.score.total_cmp(&a.score));
            matches.dedup_by(|a, b| {
                a.issuer == b.issuer && a.incident == b.incident && a.seq == b.seq
            });
            (decide(fact, &kb.explain(fact), &matches, sending), matches)
        })
        .collect()
}

/// The labels of the text answer, in one language.
struct Labels {
    colon: &'static str,
    what: &'static str,
    who: &'static str,
    todo: &'static str,
    nothing: &'static str,
    evidence: &'static str,
    unverified: &'static str,
    unverified_mark: &'static str,
    matches: &'static str,
    reply_start: &'static str,
    reply_end: &'static str,
    score: &'static str,
    comma: &'static str,
}

const JA: Labels = Labels {
    colon: "：",
    what: "何が起きたか",
    who: "誰が対応するか",
    todo: "すべきこと",
    nothing: "（対応不要：自動で再送されます）",
    evidence: "判断材料",
    unverified: "未検証の障害情報（回答には使用していません）",
    unverified_mark: " [未検証]",
    matches: "一致した障害情報",
    reply_start: "―――― お客様への返信文（ここから） ――――",
    reply_end: "―――― お客様への返信文（ここまで） ――――",
    score: "一致度 ",
    comma: "、",
};

const EN: Labels = Labels {
    colon: ": ",
    what: "What happened",
    who: "Who must act",
    todo: "What to do",
    nothing: " (nothing to do: it is retried automatically)",
    evidence: "Evidence",
    unverified: "Unverified claims (not used for this answer)",
    unverified_mark: " [unverified]",
    matches: "Matching incidents",
    reply_start: "---- Reply to the customer (begin) ----",
    reply_end: "---- Reply to the customer (end) ----",
    score: "score ",
    comma: ", ",
};

/// Readable text for one answer. The reply to paste comes last, between
/// markers, with nothing of ours inside them.
pub fn render(fact: &Fact, verdict: &Verdict, matches: &[IncidentMatch], lang: &str) -> String {
    let l = if lang == "ja" { &JA } else { &EN };
    let c = l.colon;
    let mut out = String::new();
    let head = [
        fact.reply_code.map(|r| r.to_string()),
        fact.status.as_ref().map(ToString::to_string),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let (open, close) = if lang == "ja" {
        ("（", "）")
    } else {
        (" (", ")")
    };
    out.push_str(&format!(
        "■ {} — {}{open}{}{close}\n",
        fact.recipient.as_deref().unwrap_or("?"),
        if head.is_empty() { "-".into() } else { head },
        verdict.cause_label.get(lang)
    ));
    out.push_str(&format!(
        "{}{c}{}\n",
        l.what,
        verdict.what_happened.get(lang)
    ));
    let nothing = if verdict.nothing_to_do && verdict.retry {
        l.nothing
    } else {
        ""
    };
    out.push_str(&format!(
        "{}{c}{}{nothing}\n",
        l.who,
        verdict.actor_name.get(lang)
    ));
    out.push_str(&format!("{}{c}{}\n", l.todo, verdict.action.get(lang)));
    out.push_str(&format!("{}{}\n", l.evidence, c.trim_end()));
    for e in &verdict.evidence {
        out.push_str(&format!("  - {}\n", e.get(lang)));
    }
    if !verdict.not_relied_on.is_empty() {
        out.push_str(&format!("{}{}\n", l.unverified, c.trim_end()));
        for note in &verdict.not_relied_on {
            out.push_str(&format!("  - {}\n", note.get(lang)));
        }
    }
    if !matches.is_empty() {
        out.push_str(&format!("{}{}\n", l.matches, c.trim_end()));
        for m in matches.iter().take(5) {
            let reasons = if lang == "ja" && !m.reasons_ja.is_empty() {
                m.reasons_ja.join("、")
            } else {
                m.reasons.join("; ")
            };
            out.push_str(&format!(
                "  - {}{:.2}{} {} {}{open}{}{}{}{close} {reasons}\n",
                l.score,
                m.score,
                if m.decisive { "" } else { l.unverified_mark },
                m.issuer,
                m.incident,
                m.kind,
                l.comma,
                m.status,
            ));
        }
    }
    out.push_str(&format!(
        "{}\n{}\n{}\n",
        l.reply_start,
        verdict.customer_reply.get(lang),
        l.reply_end
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// https:// is spoken: an unreachable TLS node fails to connect, rather
    /// than being refused as an unsupported scheme.
    #[test]
    fn https_nodes_are_supported() {
        let fact =
            crate::bounce::parse_reply("451 4.7.500 Server busy", Some("a@example.jp"), None)
                .unwrap();
        let report = ask_node("https://127.0.0.1:9", &[fact]);
        let err = report.result.unwrap_err();
        assert!(matches!(err, AskError::Unreachable(_)), "{err}");
        assert!(!err.to_string().to_lowercase().contains("scheme"), "{err}");
    }
}
