//! `dix explain`: parse locally, ask one or more nodes for matching
//! incidents, decide with the built-in knowledge base. With no node, or none
//! reachable, it still answers from the knowledge base — and says so.

use std::time::Duration;

use serde_json::{Value, json};

use crate::bounce::Fact;
use crate::knowledge::KnowledgeBase;
use crate::verdict::{IncidentMatch, MatchQuery, Verdict, decide};

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
pub fn explain(facts: &[Fact], reports: &[NodeReport]) -> Vec<(Verdict, Vec<IncidentMatch>)> {
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
            (decide(fact, &kb.explain(fact), &matches), matches)
        })
        .collect()
}

/// Readable text for one answer.
pub fn render(fact: &Fact, verdict: &Verdict, matches: &[IncidentMatch], lang: &str) -> String {
    let ja = lang == "ja";
    let mut out = String::new();
    let head = [fact.reply_code.map(|r| r.to_string()), fact.status.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    out.push_str(&format!(
        "■ {} — {} ({})\n",
        fact.recipient.as_deref().unwrap_or("?"),
        if head.is_empty() { "-".into() } else { head },
        fact.reason.as_str()
    ));
    let (h1, h2, h3, h4, h5) = if ja {
        (
            "何が起きたか",
            "誰が対応するか",
            "お客様への返信文",
            "根拠",
            "一致した障害情報",
        )
    } else {
        (
            "What happened",
            "Who must act",
            "Reply to the customer",
            "Evidence",
            "Matching incidents",
        )
    };
    out.push_str(&format!("{h1}: {}\n", verdict.what_happened.get(lang)));
    out.push_str(&format!("{h2}: {}\n", verdict.who_acts.get(lang)));
    out.push_str(&format!("{h3}:\n  {}\n", verdict.customer_reply.get(lang)));
    out.push_str(&format!("{h4}:\n"));
    for e in &verdict.evidence {
        out.push_str(&format!("  - {e}\n"));
    }
    if !verdict.not_relied_on.is_empty() {
        out.push_str(if ja {
            "未検証の障害情報（回答には使用していません）:\n"
        } else {
            "Unverified claims (not used for this answer):\n"
        });
        for note in &verdict.not_relied_on {
            out.push_str(&format!("  - {}\n", note.get(lang)));
        }
    }
    if !matches.is_empty() {
        out.push_str(&format!("{h5}:\n"));
        for m in matches.iter().take(5) {
            out.push_str(&format!(
                "  - {:.2}{} {} {} ({}, {}) {}\n",
                m.score,
                if m.decisive {
                    ""
                } else if ja {
                    " [未検証]"
                } else {
                    " [unverified]"
                },
                m.issuer,
                m.incident,
                m.kind,
                m.status,
                m.reasons.join("; ")
            ));
        }
    }
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
