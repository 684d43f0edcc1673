//! Free text written by other operators: bounded, printable, and in Japanese
//! and/or English. Rendering escapes it anyway; these rules keep it readable
//! and stop layout tricks (bidirectional overrides) at the door.

use super::{Domain, string_newtype};

/// Longest free text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A non-empty text of at most 4000 characters with no control characters
/// other than newline, and no bidirectional override or isolate characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortText(String);

impl ShortText {
    /// Checks the rules above.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("must not be empty".into());
        }
        let n = s.chars().count();
        if n > MAX_TEXT_CHARS {
            return Err(format!(
                "is {n} characters long; at most {MAX_TEXT_CHARS} are allowed"
            ));
        }
        if let Some(c) = s.chars().find(|&c| c.is_control() && c != '\n') {
            return Err(format!(
                "contains the control character U+{:04X}; only newlines are allowed",
                c as u32
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        {
            return Err(format!(
                "contains the bidirectional control character U+{:04X}, which can disguise text",
                c as u32
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(
    ShortText,
    "ShortText",
    "Non-empty text, at most 4000 characters, no control characters except newline.",
    None
);

/// The same text in Japanese and English; at least one must be present
/// (checked by the notice, which knows the field's name).
#[derive(
    Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// Japanese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<ShortText>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<ShortText>,
}

impl LocalizedText {
    /// True when neither language is given.
    pub fn is_empty(&self) -> bool {
        self.ja.is_none() && self.en.is_none()
    }

    /// The text in `lang` ("ja" or "en"), falling back to the other language.
    pub fn get(&self, lang: &str) -> Option<&str> {
        let (first, second) = if lang == "ja" {
            (&self.ja, &self.en)
        } else {
            (&self.en, &self.ja)
        };
        first.as_ref().or(second.as_ref()).map(ShortText::as_str)
    }
}

const MAX_URL_LEN: usize = 2048;

/// An `https://` (or `http://`) URL with a host: for links to status pages,
/// delisting forms and postmaster pages. Checked for shape, not fetched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link(String);

impl Link {
    /// Checks the shape.
    pub fn parse(s: &str) -> Result<Self, String> {
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| format!("`{s}` is not an https:// or http:// URL"))?;
        if s.len() > MAX_URL_LEN {
            return Err(format!("is longer than {MAX_URL_LEN} characters"));
        }
        if let Some(c) = s.chars().find(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\' | '`')
        }) {
            return Err(format!(
                "`{s}` contains {c:?}, which must be percent-encoded in a URL"
            ));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = host
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        if authority.contains('@') {
            return Err(format!(
                "`{s}` carries user information before the host, which can disguise where a link goes"
            ));
        }
        let host_ok = Domain::parse(host).is_ok()
            || host.parse::<std::net::Ipv4Addr>().is_ok()
            || (host.starts_with('[') && host.ends_with(']'));
        if !host_ok {
            return Err(format!("`{s}` has no valid lowercase host name"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(
    Link,
    "Link",
    "An https:// or http:// URL.",
    Some("^https?://")
);

/// How to reach the issuer about an incident: an e-mail address
/// (`postmaster@example.jp`) or a web page ([`Link`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Contact(String);

impl Contact {
    /// Accepts `local@domain` (lowercase domain) or an http(s) URL.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.starts_with("https://") || s.starts_with("http://") {
            return Link::parse(s).map(|l| Self(l.0));
        }
        let rule = || {
            format!(
                "`{s}` is neither an e-mail address like postmaster@example.jp nor an https:// URL"
            )
        };
        let (local, domain) = s.rsplit_once('@').ok_or_else(rule)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.bytes().all(|b| {
                b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'@' | b'<'
                            | b'>'
                            | b'('
                            | b')'
                            | b','
                            | b';'
                            | b':'
                            | b'"'
                            | b'\\'
                            | b'['
                            | b']'
                    )
            });
        if !local_ok {
            return Err(rule());
        }
        Domain::parse(domain).map_err(|e| format!("`{s}`: the domain {e}"))?;
        Ok(Self(s.to_owned()))
    }

    /// The address or URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for an e-mail address.
    pub fn is_email(&self) -> bool {
        !self.0.contains("://")
    }
}

string_newtype!(
    Contact,
    "Contact",
    "An e-mail address (postmaster@example.jp) or an https:// URL.",
    None
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_rules() {
        assert!(ShortText::parse("受信サーバが過負荷です。\n再送されます。").is_ok());
        assert!(ShortText::parse("").is_err());
        assert!(ShortText::parse("a\tb").unwrap_err().contains("U+0009"));
        assert!(
            ShortText::parse("abc\u{202E}txt.exe")
                .unwrap_err()
                .contains("bidirectional")
        );
        assert!(ShortText::parse(&"あ".repeat(MAX_TEXT_CHARS + 1)).is_err());
    }

    #[test]
    fn links_and_contacts() {
        assert!(Link::parse("https://status.example.jp/incidents/42?x=1#a").is_ok());
        assert!(Link::parse("https://status.example.jp:8443/").is_ok());
        for bad in [
            "ftp://example.jp",
            "javascript:alert(1)",
            "https://",
            "https://a b.jp",
            "https://good.jp@evil.example/",
            "https://EXAMPLE.jp/",
        ] {
            assert!(Link::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Contact::parse("postmaster@example-isp.jp")
                .unwrap()
                .is_email()
        );
        assert!(
            !Contact::parse("https://example-isp.jp/contact")
                .unwrap()
                .is_email()
        );
        for bad in [
            "postmaster",
            "@example.jp",
            "a b@example.jp",
            "pm@Example.jp",
            "<pm@example.jp>",
        ] {
            assert!(Contact::parse(bad).is_err(), "{bad}");
        }
    }
}
