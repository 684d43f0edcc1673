//! Domain names and the patterns a notice's scope is written in.

use super::string_newtype;
use crate::glob::glob_match;

const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A fully qualified domain name in its canonical form: lowercase LDH labels
/// (internationalised names as `xn--` A-labels), at least two labels, no
/// trailing dot. Canonical form matters because issuers are compared and
/// keyed on it, and signed bytes cannot be normalised after the fact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Domain(String);

impl Domain {
    /// Parses a canonical domain name.
    pub fn parse(s: &str) -> Result<Self, String> {
        check_name(s, false)?;
        Ok(Self(s.to_owned()))
    }

    /// Lower-cases and strips a trailing dot first: for user input (CLI flags,
    /// bounce text), never for signed data.
    pub fn parse_lenient(s: &str) -> Result<Self, String> {
        Self::parse(&s.trim().trim_end_matches('.').to_ascii_lowercase())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or a subdomain of it.
    pub fn is_within(&self, other: &Domain) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.ends_with(&other.0)
                && self.0.as_bytes()[self.0.len() - other.0.len() - 1] == b'.')
    }
}

string_newtype!(
    Domain,
    "Domain",
    "A lowercase domain name (A-labels for internationalised names), without a trailing dot.",
    Some(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
);

/// Checks LDH syntax. With `glob_first_label`, the leftmost label may also
/// contain `*` (one or more), as in `mx*.example.jp` or `*.example.jp`.
fn check_name(s: &str, glob_first_label: bool) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > MAX_DOMAIN_LEN {
        return Err(format!(
            "is {} characters long; a domain name has at most {MAX_DOMAIN_LEN}",
            s.len()
        ));
    }
    if s.ends_with('.') {
        return Err(format!(
            "`{s}` ends with a dot; write the name without the trailing dot"
        ));
    }
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "`{s}` has uppercase letters; domain names must be lowercase"
        ));
    }
    if !s.is_ascii() {
        return Err(format!(
            "`{s}` is not ASCII; write internationalised names as xn-- A-labels"
        ));
    }
    let labels: Vec<&str> = s.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "`{s}` has a single label; a fully qualified name such as example.jp is required"
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        let glob = glob_first_label && i == 0;
        if label.is_empty() {
            return Err(format!("`{s}` has an empty label"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(format!(
                "label `{label}` is longer than {MAX_LABEL_LEN} characters"
            ));
        }
        let allowed = |b: u8| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || (glob && b == b'*')
        };
        if let Some(bad) = label.bytes().find(|&b| !allowed(b)) {
            return Err(if bad == b'*' {
                format!("`{s}`: `*` may appear only in the leftmost label")
            } else {
                format!(
                    "`{s}`: label `{label}` has the character `{}`; only a-z, 0-9 and - are allowed",
                    bad as char
                )
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "`{s}`: label `{label}` starts or ends with a hyphen"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{s}` ends in a numeric label; that is an IP address, not a domain name"
        ));
    }
    Ok(())
}

/// A recipient-domain pattern: an exact domain (`example.jp`) or every
/// subdomain of one (`*.example.jp`, which does not match `example.jp`
/// itself, as in DNS wildcards).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainPattern {
    text: String,
    base: Domain,
    subdomains: bool,
}

impl DomainPattern {
    /// Parses `example.jp` or `*.example.jp`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (subdomains, rest) = match s.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if rest.contains('*') {
            return Err(format!(
                "`{s}`: the only wildcard allowed is a leading `*.`"
            ));
        }
        let base = Domain::parse(rest)?;
        Ok(Self {
            text: s.to_owned(),
            base,
            subdomains,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The domain under the wildcard (or the exact domain).
    pub fn base(&self) -> &Domain {
        &self.base
    }

    /// True for `*.` patterns.
    pub fn is_wildcard(&self) -> bool {
        self.subdomains
    }

    /// Whether `domain` falls under this pattern.
    pub fn matches(&self, domain: &Domain) -> bool {
        if self.subdomains {
            domain != &self.base && domain.is_within(&self.base)
        } else {
            domain == &self.base
        }
    }
}

string_newtype!(
    DomainPattern,
    "DomainPattern",
    "A domain name, or `*.` followed by a domain name to mean every subdomain of it.",
    Some(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
);

/// A host-name pattern for MX hosts: a domain whose leftmost label may hold
/// `*` globs (`mx*.example.jp`, `*.mail.example.jp`). A `*` matches one or
/// more characters within that one label, never across dots.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostPattern {
    text: String,
    /// Everything after the leftmost label; a matching host ends in it.
    parent: Domain,
}

impl HostPattern {
    /// Parses a host pattern.
    pub fn parse(s: &str) -> Result<Self, String> {
        check_name(s, true)?;
        let (_, parent) = s.split_once('.').expect("check_name guarantees two labels");
        // `*.jp` would claim a whole TLD; require the fixed part to be a name.
        let parent = Domain::parse(parent).map_err(|_| format!("`{s}`: the part after the first label must itself be a domain name such as example.jp"))?;
        Ok(Self {
            text: s.to_owned(),
            parent,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The fixed domain to the right of the leftmost label.
    pub fn parent(&self) -> &Domain {
        &self.parent
    }

    /// Whether `host` matches.
    pub fn matches(&self, host: &Domain) -> bool {
        let Some((first, rest)) = host.as_str().split_once('.') else {
            return false;
        };
        let (pattern_first, _) = self.text.split_once('.').expect("two labels");
        // In a host pattern `*` is one or more characters: `?*` in glob terms.
        let glob = pattern_first.replace('*', "?*");
        rest == self.parent.as_str() && glob_match(glob.as_bytes(), first.as_bytes())
    }
}

string_newtype!(
    HostPattern,
    "HostPattern",
    "A host name whose leftmost label may contain `*` (one or more characters, within that label).",
    Some(r"^[a-z0-9*]([a-z0-9*-]{0,61}[a-z0-9*])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
);

/// A key selector: the `<selector>` of `<selector>._dix.<issuer>`. One or
/// more lowercase LDH labels, like a DKIM selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Selector(String);

impl Selector {
    /// Parses a selector.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.len() > MAX_LABEL_LEN {
            return Err(format!("`{s}` is longer than {MAX_LABEL_LEN} characters"));
        }
        for label in s.split('.') {
            let ldh = !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ldh {
                return Err(format!(
                    "`{s}` is not a valid selector: use lowercase letters, digits and inner hyphens, like s2026"
                ));
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The selector as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The DNS name of this selector's key record for `issuer`.
    pub fn record_name(&self, issuer: &Domain) -> String {
        format!("{}._dix.{}", self.0, issuer.as_str())
    }
}

string_newtype!(
    Selector,
    "Selector",
    "Key selector: the key record lives at <selector>._dix.<issuer>.",
    Some(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Domain {
        Domain::parse(s).unwrap()
    }

    #[test]
    fn domains_must_be_canonical() {
        assert!(Domain::parse("example-isp.jp").is_ok());
        assert!(Domain::parse("xn--eckwd4c7c.xn--zckzah").is_ok());
        for bad in [
            "",
            "jp",
            "Example.jp",
            "example.jp.",
            "ex ample.jp",
            "-a.jp",
            "a-.jp",
            "a..jp",
            "例え.jp",
            "1.2.3.4",
            "*.example.jp",
        ] {
            assert!(Domain::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(
            Domain::parse(&format!("{}.jp", "a".repeat(64)))
                .unwrap_err()
                .contains("longer than 63")
        );
        assert_eq!(
            Domain::parse_lenient(" Example.JP. ").unwrap(),
            d("example.jp")
        );
    }

    #[test]
    fn within_respects_label_boundaries() {
        assert!(d("mx.example.jp").is_within(&d("example.jp")));
        assert!(d("example.jp").is_within(&d("example.jp")));
        assert!(!d("badexample.jp").is_within(&d("example.jp")));
    }

    #[test]
    fn domain_patterns() {
        let exact = DomainPattern::parse("example.jp").unwrap();
        let wild = DomainPattern::parse("*.example.jp").unwrap();
        assert!(exact.matches(&d("example.jp")) && !exact.matches(&d("a.example.jp")));
        assert!(
            wild.matches(&d("a.b.example.jp"))
                && !wild.matches(&d("example.jp"))
                && !wild.matches(&d("xexample.jp"))
        );
        assert!(DomainPattern::parse("a.*.example.jp").is_err());
        assert!(DomainPattern::parse("*example.jp").is_err());
    }

    #[test]
    fn host_patterns_glob_within_the_first_label() {
        let p = HostPattern::parse("mx*.example-isp.jp").unwrap();
        assert!(p.matches(&d("mx1.example-isp.jp")));
        assert!(p.matches(&d("mxa-b.example-isp.jp")));
        assert!(
            !p.matches(&d("mx.example-isp.jp")),
            "* is one or more characters"
        );
        assert!(!p.matches(&d("mx1.sub.example-isp.jp")));
        assert!(!p.matches(&d("smx1.example-isp.jp")));
        assert!(HostPattern::parse("*.jp").is_err());
        assert!(HostPattern::parse("mx.*.jp").is_err());
        assert!(
            HostPattern::parse("*.protection.outlook.com")
                .unwrap()
                .matches(&d("x-y.protection.outlook.com"))
        );
    }

    #[test]
    fn selectors() {
        assert_eq!(
            Selector::parse("s2026")
                .unwrap()
                .record_name(&d("example.jp")),
            "s2026._dix.example.jp"
        );
        assert!(Selector::parse("2026.q4").is_ok());
        for bad in ["", "S2026", "a_b", "-a", "a.", "a b"] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }
}
