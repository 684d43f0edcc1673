//! The crate's two glob matchers; patterns come from other operators and
//! must not be able to make matching explode.
//!
//! - [`glob_match`]: `*` matches any run of characters (possibly empty) and
//!   `?` exactly one. Greedy with a single backtrack point, so O(pattern ×
//!   text) at worst and never recursive: for host names, a few dozen bytes.
//! - [`StarGlob`]: `*` only, compiled once and matched against many texts in
//!   time linear in each (reply texts, up to a request body's size). The
//!   literal pieces between the stars are searched left to right, each at
//!   its leftmost place, with memchr's `memmem` (Two-Way: O(text) whatever
//!   the piece) — leftmost is always right for `*`-only globs, so nothing is
//!   ever tried twice.

use memchr::memmem::Finder;

/// Matches `pattern` against `text`, byte-wise after the caller has
/// normalised case.
pub(crate) fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and which text position it currently absorbs up to.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, absorbed)) => {
                    p = star + 1;
                    t = absorbed + 1;
                    backtrack = Some((star, absorbed + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A `*`-only glob, compiled: the text before the first star, the text
/// after the last, and a searcher for each piece between.
#[derive(Debug, Clone)]
pub(crate) struct StarGlob {
    /// The whole pattern when it has no star; else the piece before the first.
    prefix: Vec<u8>,
    /// The piece after the last star.
    suffix: Vec<u8>,
    /// The non-empty pieces between stars, in order.
    middle: Vec<Finder<'static>>,
    has_star: bool,
}

impl StarGlob {
    /// Compiles `pattern` (bytes; `*` is the only metacharacter).
    pub(crate) fn new(pattern: &[u8]) -> Self {
        let mut pieces = pattern.split(|&b| b == b'*');
        let prefix = pieces.next().unwrap_or_default().to_vec();
        let mut rest: Vec<&[u8]> = pieces.collect();
        let has_star = !rest.is_empty();
        let suffix = rest.pop().unwrap_or_default().to_vec();
        let middle = rest
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| Finder::new(p).into_owned())
            .collect();
        Self {
            prefix,
            suffix,
            middle,
            has_star,
        }
    }

    /// Whether the whole of `text` matches, in O(text + pattern).
    pub(crate) fn is_match(&self, text: &[u8]) -> bool {
        if !self.has_star {
            return text == self.prefix.as_slice();
        }
        if text.len() < self.prefix.len() + self.suffix.len()
            || !text.starts_with(&self.prefix)
            || !text.ends_with(&self.suffix)
        {
            return false;
        }
        let mut rest = &text[self.prefix.len()..text.len() - self.suffix.len()];
        for piece in &self.middle {
            match piece.find(rest) {
                Some(at) => rest = &rest[at + piece.needle().len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{StarGlob, glob_match};

    /// The compiled glob agrees with the backtracking one on `*`-only
    /// patterns, including pieces that overlap and repeat.
    #[test]
    fn the_compiled_glob_agrees_with_the_reference() {
        let patterns = [
            "", "*", "a", "a*", "*a", "*a*", "a*b", "a*b*c", "*ab*ab*", "**a**b**", "aa*aa",
            "*aab", "ab*ba*ab", "abc",
        ];
        let texts = [
            "", "a", "b", "ab", "ba", "aab", "abab", "aaab", "aabaa", "aaaa", "abcabc", "abba",
            "ab ba ab", "abc", "xaby", "aa",
        ];
        for p in patterns {
            let compiled = StarGlob::new(p.as_bytes());
            for t in texts {
                assert_eq!(
                    compiled.is_match(t.as_bytes()),
                    glob_match(p.as_bytes(), t.as_bytes()),
                    "{p:?} against {t:?}"
                );
            }
        }
    }

    /// The attack of issue 28: a 510-byte run and one other byte, against
    /// 200 kB of the run's byte (the backtracking matcher needs ~10^8 steps
    /// for each such pair; the node's CPU test is in tests/adversarial.rs).
    #[test]
    fn worst_case_pieces_match_right() {
        let run = "a".repeat(510);
        let text = "a".repeat(200_000);
        for p in [format!("*{run}b"), format!("*{run}b*"), format!("{run}*b")] {
            assert!(
                !StarGlob::new(p.as_bytes()).is_match(text.as_bytes()),
                "{p}"
            );
        }
        let matching = format!("{text}b");
        assert!(StarGlob::new(format!("*{run}b").as_bytes()).is_match(matching.as_bytes()));
        assert!(StarGlob::new(format!("*{run}*").as_bytes()).is_match(text.as_bytes()));
    }

    #[test]
    fn basics() {
        assert!(glob_match(
            b"server busy*",
            b"server busy. please try again"
        ));
        assert!(glob_match(b"*busy*", b"server busy"));
        assert!(glob_match(b"mx?*", b"mx1"));
        assert!(!glob_match(b"mx?*", b"mx"));
        assert!(glob_match(b"a*b*c", b"aXXbYYc"));
        assert!(!glob_match(b"a*b*c", b"aXXbYY"));
        assert!(glob_match(b"", b""));
        assert!(!glob_match(b"", b"x"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(200) + "b";
        let text = "a".repeat(5000);
        assert!(!glob_match(pattern.as_bytes(), text.as_bytes()));
    }
}
