//! The one glob matcher of the crate: `*` matches any run of characters
//! (possibly empty) and `?` exactly one. Greedy with a single backtrack point,
//! so it runs in O(pattern × text) at worst and never recurses — patterns come
//! from other operators and must not be able to make matching explode.

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

#[cfg(test)]
mod tests {
    use super::glob_match;

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
