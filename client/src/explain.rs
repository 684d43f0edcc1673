//! `dix explain`: parse locally, ask one or more nodes for matching
//! incidents, decide with the built-in knowledge base. With no node, or none
//! reachable, it still answers from the knowledge base — and says so.

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
    pub result: Result<Vec<Vec<IncidentMatch>>, String>,
}

/// Asks `node` for matches for every fact.
pub fn ask_node(node: &str, facts: &[Fact]) -> NodeReport {
    let url = format!("{}/v1/match", node.trim_end_matches('/'));
    let queries: Vec<MatchQuery> = facts.iter().map(MatchQuery::from).collect();
    let result = (|| -> Result<Vec<Vec<IncidentMatch>>, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        let response = client
            .post(&url)
            .json(&json!({"queries": queries}))
            .send()
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body: Value = response
            .json()
            .map_err(|e| format!("{status}: unreadable answer: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "{status}: {}",
                body["error"]["message"].as_str().unwrap_or("error")
            ));
        }
        body["results"]
            .as_array()
            .ok_or("the answer has no results")?
            .iter()
            .map(|r| {
                serde_json::from_value::<Vec<IncidentMatch>>(r["matches"].clone())
                    .map_err(|e| e.to_string())
            })
            .collect()
    })();
    NodeReport {
        url: node.to_owned(),
        result,
    }
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
        assert!(!err.to_lowercase().contains("scheme"), "{err}");
    }
}
