//! The phrase rules: what mail servers and providers write when they
//! refuse or fail a delivery, grouped by the reason each group gives, most
//! specific first (the first group with a matching phrase wins). The rules
//! are data, `data/phrases.toml`, each group with its source; this module
//! loads them and matches them with a literal prefilter (`crate::phrases`).

use std::sync::LazyLock;

use serde::Deserialize;

use super::Reason;
use crate::phrases::Matcher;

/// One group of `data/phrases.toml`: the reason its patterns give, and
/// where the wording comes from.
#[derive(Debug, Deserialize)]
pub struct Rule {
    /// The reason a match gives.
    pub reason: Reason,
    /// Where the wording of every pattern is printed or documented.
    pub source: String,
    /// Regular expressions, lowercase.
    pub patterns: Vec<String>,
}

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// The phrase rules, in their order in `data/phrases.toml` (embedded at
/// build time): the first group with a matching pattern wins.
///
/// `DIX_PHRASES_WITHOUT=name` switches off every group whose source names
/// `name` (any case): the leave-one-source-out measurement
/// (`scripts/unseen.sh`) asks how the parser does on a collection of
/// bounces without the rules that were written from it.
pub static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let rules = toml::from_str::<RuleFile>(include_str!("../../data/phrases.toml"))
        .expect("data/phrases.toml is valid (its tests check it)")
        .rule;
    match std::env::var("DIX_PHRASES_WITHOUT") {
        Ok(name) if !name.trim().is_empty() => without_source(rules, &name),
        _ => rules,
    }
});

/// `rules` without the groups whose source names `name` (any case).
fn without_source(rules: Vec<Rule>, name: &str) -> Vec<Rule> {
    let name = name.trim().to_lowercase();
    rules
        .into_iter()
        .filter(|rule| !rule.source.to_lowercase().contains(&name))
        .collect()
}

/// The rules, compiled with their literal prefilter (see `phrases`).
static COMPILED: LazyLock<Matcher> = LazyLock::new(|| {
    let rules: Vec<Vec<String>> = RULES
        .iter()
        .map(|rule| rule.patterns.iter().map(|p| ascii_boundaries(p)).collect())
        .collect();
    Matcher::new(rules.iter().map(Vec::as_slice))
});

/// `\b` as an ASCII word boundary: a Unicode `\b` stops the regex crate's
/// lazy DFA on non-ASCII text (every Japanese bounce) and falls back to a
/// much slower engine. The phrases themselves are ASCII.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// How much of a diagnostic the phrase rules read.
const MAX_CLASSIFIED_BYTES: usize = 2048;

/// The reason a phrase rule gives for `text`, if any.
pub fn by_text(text: &str) -> Option<Reason> {
    if text.is_empty() {
        return None;
    }
    // What decides the reason is near the start; long tails are boilerplate
    // (and cost a scan per rule).
    // Rules are lowercase and case-sensitive (a test checks it); the text is
    // lowercased once. Case-insensitive literals defeat the regex crate's
    // SIMD literal search and made this the costliest step of parsing.
    let text =
        text[..crate::smtp::floor_char_boundary(text, MAX_CLASSIFIED_BYTES)].to_ascii_lowercase();
    by_lowered_text(&text)
}

/// [`by_text`] on text the caller has already ASCII-lowercased.
pub(crate) fn by_lowered_text(lowered: &str) -> Option<Reason> {
    let text = &lowered[..crate::smtp::floor_char_boundary(lowered, MAX_CLASSIFIED_BYTES)];
    COMPILED.first(text).map(|(rule, _)| RULES[rule].reason)
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    /// The prefiltered matcher answers exactly what trying every rule's
    /// patterns in order answers.
    #[test]
    fn prefilter_agrees_with_trying_every_rule() {
        let naive: Vec<regex::RegexSet> = RULES
            .iter()
            .map(|rule| {
                regex::RegexSet::new(rule.patterns.iter().map(|p| ascii_boundaries(p))).unwrap()
            })
            .collect();
        // Every rule's own patterns, made into text (regex syntax dropped),
        // alone and after a neighbour's, plus real diagnostics.
        let mut texts: Vec<String> = RULES
            .iter()
            .flat_map(|rule| rule.patterns.iter())
            .map(|p| {
                p.replace(
                    ['(', ')', '?', ':', '\\', '|', '[', ']', '*', '+', '^', '$'],
                    " ",
                )
            })
            .collect();
        let joined: Vec<String> = texts
            .windows(2)
            .map(|w| format!("{} {}", w[1], w[0]))
            .collect();
        texts.extend(joined);
        texts.extend(
            [
                "550 5.1.1 <a@example.jp>: recipient address rejected: user unknown in local recipient table",
                "451 4.7.500 server busy. please try again later from [203.0.113.7]. (as761)",
                "550 : user unknown",
                "554 5.7.9 message not accepted for policy reasons",
                "受信者のメールボックスの容量を超えているため",
                "",
            ]
            .map(str::to_owned),
        );
        for text in &texts {
            let text = text.to_ascii_lowercase();
            let slow = naive
                .iter()
                .position(|s| s.is_match(&text))
                .map(|r| RULES[r].reason);
            assert_eq!(
                COMPILED.first(&text).map(|(r, _)| RULES[r].reason),
                slow,
                "{text}"
            );
        }
    }

    /// Every group names a reason and where its words come from, and has
    /// patterns. No group is left "unsourced": a wording whose only
    /// evidence was a bounce we had seen was dropped, not kept with a
    /// marker.
    #[test]
    fn every_rule_names_its_source() {
        for rule in RULES.iter() {
            let source = rule.source.trim();
            assert!(!source.is_empty(), "{:?}: no source", rule.reason);
            assert!(
                !source.to_ascii_lowercase().contains("unsourced"),
                "{:?}: {source}",
                rule.reason
            );
            assert!(!rule.patterns.is_empty(), "{:?}: no patterns", rule.reason);
        }
    }

    #[test]
    fn a_source_can_be_switched_off() {
        let all = toml::from_str::<RuleFile>(include_str!("../../data/phrases.toml"))
            .unwrap()
            .rule;
        let total = all.len();
        let cites_postfix = all
            .iter()
            .filter(|r| r.source.to_lowercase().contains("postfix"))
            .count();
        assert!(cites_postfix > 0);
        let left = without_source(all, "PostFix");
        assert_eq!(left.len(), total - cites_postfix);
        assert!(left.iter().all(|r| !r.source.contains("Postfix")));
    }

    /// The rules match lowercased text case-sensitively, so a capital letter
    /// in a literal would never match.
    #[test]
    fn rule_literals_are_lowercase() {
        for Rule {
            reason, patterns, ..
        } in RULES.iter()
        {
            for p in patterns {
                let mut escaped = false;
                for c in p.chars() {
                    assert!(
                        escaped || !c.is_ascii_uppercase(),
                        "{reason:?}: `{p}` has an uppercase literal"
                    );
                    escaped = !escaped && c == '\\';
                }
            }
        }
    }
}
