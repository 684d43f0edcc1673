//! Ordered phrase rules, matched fast: "which is the first rule, in
//! priority order, with a pattern that matches this text?"
//!
//! Trying ~40 rule sets one after another costs ~40 regex searches per
//! diagnostic, and one set of all ~350 patterns asked for every match was
//! slower still (the regex crate leaves its fast engines for that). So each
//! pattern's required prefixes are extracted once (regex-syntax's literal
//! extractor: every match starts with one of them), one Aho-Corasick
//! automaton finds in a single pass which prefixes occur, and only the
//! patterns whose prefix occurred — usually two or three — run their regex,
//! anchored where the prefix was found (a match must start there), so each
//! costs a few bytes of matching rather than a scan of the whole text.
//! Patterns without a usable prefix (they start with a class) always run.

use aho_corasick::{AhoCorasick, MatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// Rules compiled for [`Matcher::first`].
pub(crate) struct Matcher {
    /// Per rule, its patterns compiled one by one.
    patterns: Vec<Vec<Regex>>,
    /// Flattened index of the first pattern of each rule.
    offsets: Vec<usize>,
    /// Which flattened pattern each literal belongs to, and whether the
    /// literal is the whole of that pattern's match (then finding it is
    /// proof enough, and the regex need not run).
    literal_owner: Vec<(usize, bool)>,
    /// Patterns that must run whatever the text holds.
    always: Vec<usize>,
    /// How many patterns there are in all.
    total: usize,
    prefixes: AhoCorasick,
}

impl Matcher {
    /// Compiles `rules` (each a list of patterns); panics on an invalid
    /// pattern — the rules are constants, checked by tests.
    pub(crate) fn new<'a>(rules: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut patterns = Vec::new();
        let mut offsets = Vec::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut literal_owner = Vec::new();
        let mut always = Vec::new();
        let mut flat = 0;
        for rule in rules {
            offsets.push(flat);
            let mut compiled = Vec::new();
            for pattern in rule {
                compiled.push(
                    Regex::builder()
                        .configure(rule_config())
                        .build(pattern)
                        .expect("rule pattern compiles"),
                );
                match required_prefixes(pattern) {
                    Some(prefixes) => {
                        for (prefix, exact) in prefixes {
                            literals.push(prefix);
                            literal_owner.push((flat, exact));
                        }
                    }
                    None => always.push(flat),
                }
                flat += 1;
            }
            patterns.push(compiled);
        }
        let prefixes = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .expect("prefix automaton builds");
        Self {
            patterns,
            offsets,
            literal_owner,
            always,
            total: flat,
            prefixes,
        }
    }

    /// The first rule (and its pattern) that matches `text`, by rule order.
    pub(crate) fn first(&self, text: &str) -> Option<(usize, usize)> {
        let total = self.total;
        // 0: no prefix seen; 1: a prefix seen, the regex decides where;
        // 2: matched; 3: no prefix to go by, the regex searches everywhere.
        let mut on_stack = [0u8; 512];
        let mut on_heap = Vec::new();
        let state: &mut [u8] = if total <= on_stack.len() {
            &mut on_stack[..total]
        } else {
            on_heap.resize(total, 0);
            &mut on_heap
        };
        for &p in &self.always {
            state[p] = 3;
        }
        // Where each inexact prefix was seen: the only places a match of
        // its pattern can start.
        let mut starts: Vec<(usize, usize)> = Vec::new();
        for m in self.prefixes.find_overlapping_iter(text) {
            let (p, exact) = self.literal_owner[m.pattern().as_usize()];
            if exact {
                state[p] = 2;
            } else if state[p] < 2 {
                state[p] = 1;
                starts.push((p, m.start()));
            }
        }
        for (rule, compiled) in self.patterns.iter().enumerate() {
            let base = self.offsets[rule];
            for (i, regex) in compiled.iter().enumerate() {
                let matched = match state[base + i] {
                    0 => false,
                    2 => true,
                    3 => regex.is_match(text),
                    _ => starts
                        .iter()
                        .filter(|(p, _)| *p == base + i)
                        .any(|(_, at)| {
                            regex.is_match(Input::new(text).range(*at..).anchored(Anchored::Yes))
                        }),
                };
                if matched {
                    return Some((rule, i));
                }
            }
        }
        None
    }
}

/// How each rule's regex is built: without the full DFA. When the regex
/// crate's `dfa-build` feature is on (the workspace's tracing-subscriber
/// turns it on for every binary built with it), the meta engine determinizes
/// each small pattern up front; for our ~400 patterns that was 80 million
/// instructions at every start (callgrind; ~40 % of `dix parse` on one
/// file) and bought nothing, since a rule runs anchored over a few bytes,
/// where the lazy DFA is as fast.
fn rule_config() -> regex_automata::meta::Config {
    regex_automata::meta::Config::new().dfa(false)
}

/// Literals one of which every match of `pattern` starts with, each marked
/// exact when finding it is a match; `None` when there is no such finite,
/// non-empty set.
fn required_prefixes(pattern: &str) -> Option<Vec<(Vec<u8>, bool)>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_class(4)
        .limit_total(64);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    // An empty literal would match everywhere: no filtering to gain.
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    // The extractor calls a literal exact even when word boundaries or
    // anchors around it still have a say: only trust it without them.
    let assertions = pattern.contains("\\b") || pattern.contains(['^', '$']);
    Some(
        literals
            .iter()
            .map(|l| (l.as_bytes().to_vec(), l.is_exact() && !assertions))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|p| p.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn rule_order_wins_over_position() {
        let r = rules(&[
            &[r"mailbox (?:is )?full"],
            &[r"user unknown", r"no such user"],
        ]);
        let m = Matcher::new(r.iter().map(Vec::as_slice));
        assert_eq!(m.first("550 user unknown; mailbox is full"), Some((0, 0)));
        assert_eq!(m.first("550 no such user"), Some((1, 1)));
        assert_eq!(m.first("250 ok"), None);
    }

    #[test]
    fn every_place_a_prefix_occurs_is_tried() {
        // The first "mailbox" and the first "ptr" (inside a word) are not
        // matches; the later ones are.
        let r = rules(&[&[r"mailbox (?:is )?full"], &[r"(?-u:\b)ptr(?-u:\b)"]]);
        let m = Matcher::new(r.iter().map(Vec::as_slice));
        assert_eq!(m.first("mailbox ok; mailbox is full"), Some((0, 0)));
        assert_eq!(m.first("mailbox ok"), None);
        assert_eq!(m.first("interrupted; no ptr record"), Some((1, 0)));
        assert_eq!(m.first("interrupted"), None);
    }

    #[test]
    fn patterns_without_a_prefix_still_run() {
        let r = rules(&[&[r"(?-u:\b)5[0-9][0-9]:? : user unknown"], &[r".*later"]]);
        let m = Matcher::new(r.iter().map(Vec::as_slice));
        assert_eq!(m.first("550 : user unknown"), Some((0, 0)));
        assert_eq!(m.first("try later"), Some((1, 0)));
        assert_eq!(required_prefixes(r".*later"), None);
        assert!(required_prefixes(r"(?:is )?full").is_some());
    }
}
