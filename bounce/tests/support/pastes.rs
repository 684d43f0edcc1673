//! The golden pastes (`tests/golden/pastes.toml`) and the one comparison of
//! an answer against a case's expectations, shared by the library harness
//! (`bounce/tests/pastes.rs`) and the router harness
//! (`server/tests/pastes.rs`, which includes this file by path). Both
//! compare the JSON form of the fact and the verdict — what `/v1/explain`
//! answers — so the two harnesses judge exactly the same fields.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The table itself, compiled in so a harness never reads a stale copy.
pub const TABLE: &str = include_str!("../golden/pastes.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub layouts: Vec<String>,
    pub paste: Vec<Paste>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paste {
    pub name: String,
    pub layout: String,
    #[serde(default)]
    pub dress: Option<String>,
    pub text: String,
    #[serde(default)]
    pub charset: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub at: Option<String>,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub recipient: String,
    pub reply: u16,
    pub status: String,
    pub actor: String,
    pub retry: bool,
    pub retry_can_help: bool,
    pub fate: String,
    pub cause: String,
    #[serde(default)]
    pub basis: Option<String>,
    #[serde(default)]
    pub sender_ip: Option<String>,
    #[serde(default)]
    pub remote_ip: Option<String>,
    #[serde(default)]
    pub ja: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub not_ja: Vec<String>,
    #[serde(default)]
    pub not_en: Vec<String>,
}

/// Every case, checked for the table's own consistency (unique names, known
/// layouts, known fates and actors) so a typo cannot silently pass.
pub fn load() -> Table {
    let table: Table = toml::from_str(TABLE).expect("pastes.toml parses");
    let mut names = std::collections::HashSet::new();
    for p in &table.paste {
        assert!(names.insert(p.name.as_str()), "duplicate name {}", p.name);
        assert!(
            table.layouts.contains(&p.layout),
            "{}: unknown layout {}",
            p.name,
            p.layout
        );
        assert!(
            p.expect.fate.split('|').all(|f| {
                ["returned", "queued", "unknown", "not_sent", "delivered"].contains(&f)
            }),
            "{}: unknown fate {}",
            p.name,
            p.expect.fate
        );
        const ACTORS: &[&str] = &[
            "sender",
            "sender_provider",
            "receiver",
            "recipient",
            "blocklist_operator",
            "unknown",
        ];
        assert!(
            p.expect.actor.split('|').all(|a| ACTORS.contains(&a)),
            "{}: unknown actor {}",
            p.name,
            p.expect.actor
        );
        if let Some(c) = &p.charset {
            assert!(
                ["iso-2022-jp", "shift_jis"].contains(&c.as_str()),
                "{}: charset {c}",
                p.name
            );
        }
    }
    for layout in &table.layouts {
        assert!(
            table.paste.iter().any(|p| &p.layout == layout),
            "layout {layout} has no case"
        );
    }
    table
}

/// One field that did not match: which, and how.
#[derive(Debug, Clone)]
pub struct Miss {
    pub field: &'static str,
    pub detail: String,
}

/// The fields every case is judged on, in the report's order (the router
/// harness judges all but the contradictions, which need the verdict
/// itself).
pub const FIELDS: &[&str] = &[
    "read",
    "recipient",
    "reply",
    "status",
    "actor",
    "retry",
    "retry_can_help",
    "fate",
    "cause",
    "basis",
    "sender_ip",
    "remote_ip",
    "ja",
    "en",
    "not_ja",
    "not_en",
    "contradictions",
];

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compares one answer (the fact and the verdict as JSON) with a case's
/// expectations; every field that differs is one `Miss`.
pub fn compare(e: &Expect, fact: &Value, verdict: &Value) -> Vec<Miss> {
    let mut misses = Vec::new();
    // `a|b`: either is right (a debatable case says so beside it).
    let mut check = |field: &'static str, expected: String, got: String| {
        if !expected.split('|').any(|e| e == got) {
            misses.push(Miss {
                field,
                detail: format!("expected {expected:?}, got {got:?}"),
            });
        }
    };
    check("recipient", e.recipient.clone(), text(&fact["recipient"]));
    check(
        "reply",
        e.reply.to_string(),
        fact["reply_code"].as_u64().unwrap_or(0).to_string(),
    );
    check("status", e.status.clone(), text(&fact["status"]));
    check("actor", e.actor.clone(), text(&verdict["actor"]));
    check("retry", e.retry.to_string(), text(&verdict["retry"]));
    check(
        "retry_can_help",
        e.retry_can_help.to_string(),
        text(&verdict["retry_can_help"]),
    );
    check("fate", e.fate.clone(), text(&verdict["fate"]));
    check("cause", e.cause.clone(), text(&verdict["cause"]));
    if let Some(basis) = &e.basis {
        let kind = text(&verdict["basis"]["kind"]);
        let entry = text(&verdict["basis"]["entry"]);
        let got = if kind == "knowledge" {
            entry
        } else {
            format!("{kind} ({entry})")
        };
        let expected = if basis == "generic" {
            // Any generic rule will do; only the kind is expected.
            if kind == "generic" {
                got.clone()
            } else {
                "generic (…)".to_owned()
            }
        } else {
            basis.clone()
        };
        check("basis", expected, got);
    }
    if let Some(ip) = &e.sender_ip {
        check("sender_ip", ip.clone(), text(&fact["sender_ip"]));
    }
    if let Some(ip) = &e.remote_ip {
        check("remote_ip", ip.clone(), text(&fact["remote_ip"]));
    }
    let reply = &verdict["customer_reply"];
    let (ja, en) = (text(&reply["ja"]), text(&reply["en"]));
    for (field, said, phrases, must) in [
        ("ja", &ja, &e.ja, true),
        ("en", &en, &e.en, true),
        ("not_ja", &ja, &e.not_ja, false),
        ("not_en", &en, &e.not_en, false),
    ] {
        for phrase in phrases {
            if said.contains(phrase.as_str()) != must {
                misses.push(Miss {
                    field,
                    detail: format!(
                        "{} {phrase:?} in: {said}",
                        if must { "missing" } else { "present" }
                    ),
                });
            }
        }
    }
    misses
}

/// What a whole run found: each case's misses, and the count of cases
/// each field failed in.
#[derive(Default)]
pub struct Report {
    pub cases: usize,
    pub failed: BTreeMap<String, Vec<Miss>>,
    /// (layout, passed all fields, cases)
    pub by_layout: BTreeMap<String, (usize, usize)>,
}

impl Report {
    pub fn add(&mut self, paste: &Paste, misses: Vec<Miss>) {
        self.cases += 1;
        let row = self.by_layout.entry(paste.layout.clone()).or_default();
        row.1 += 1;
        if misses.is_empty() {
            row.0 += 1;
        } else {
            self.failed.insert(paste.name.clone(), misses);
        }
    }

    /// Cases in which `field` held (a case fails a field once however
    /// many of its phrases were wrong; a paste read as nothing fails all).
    pub fn passed(&self, field: &str) -> usize {
        self.cases
            - self
                .failed
                .values()
                .filter(|m| m.iter().any(|m| m.field == field || m.field == "read"))
                .count()
    }

    /// The printed report: per-field pass counts (of the fields this
    /// harness judges), per-layout counts, then each failed case with its
    /// misses.
    pub fn render(&self, title: &str, fields: &[&str]) -> String {
        let mut out = format!(
            "{title}: {} of {} cases right in every field\n",
            self.cases - self.failed.len(),
            self.cases
        );
        for field in fields {
            out.push_str(&format!(
                "  {field:<15} {:>4} / {}\n",
                self.passed(field),
                self.cases
            ));
        }
        out.push_str("by layout (all fields right / cases):\n");
        for (layout, (ok, n)) in &self.by_layout {
            out.push_str(&format!("  {layout:<32} {ok:>3} / {n}\n"));
        }
        for (name, misses) in &self.failed {
            out.push_str(&format!("--- {name}\n"));
            for m in misses {
                let mut detail = m.detail.clone();
                if detail.len() > 600 {
                    let cut = (0..=600)
                        .rev()
                        .find(|&i| detail.is_char_boundary(i))
                        .unwrap_or(0);
                    detail.truncate(cut);
                    detail.push('…');
                }
                out.push_str(&format!("    {}: {detail}\n", m.field));
            }
        }
        out
    }
}
