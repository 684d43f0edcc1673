//! SMTP reply codes (RFC 5321 §4.2), enhanced status codes (RFC 3463) and the
//! text patterns a symptom's reply text is matched with.

use std::fmt;

use super::string_newtype;
use crate::glob::StarGlob;

/// Success, persistent-transient or permanent: the first digit shared by a
/// reply code and an enhanced status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusClass {
    /// 2xx / 2.x.x
    Success,
    /// 4xx / 4.x.x — the sender retries.
    Transient,
    /// 5xx / 5.x.x — the message bounces.
    Permanent,
}

impl StatusClass {
    fn from_digit(d: u16) -> Option<Self> {
        match d {
            2 => Some(Self::Success),
            4 => Some(Self::Transient),
            5 => Some(Self::Permanent),
            _ => None,
        }
    }

    /// The digit, 2, 4 or 5.
    pub fn digit(self) -> u16 {
        match self {
            Self::Success => 2,
            Self::Transient => 4,
            Self::Permanent => 5,
        }
    }
}

/// A three-digit SMTP reply code. Only the completion classes a sender can be
/// left with are accepted (2yz, 4yz, 5yz); 1yz and 3yz are intermediate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// Checks the digits: first 2, 4 or 5; second 0–5 (RFC 5321 §4.2.1).
    pub fn new(code: u16) -> Result<Self, String> {
        let (first, second) = (code / 100, code / 10 % 10);
        if !(200..=599).contains(&code) || StatusClass::from_digit(first).is_none() {
            return Err(format!(
                "{code} is not an SMTP completion reply code (2xx, 4xx or 5xx)"
            ));
        }
        if second > 5 {
            return Err(format!(
                "{code} is not an SMTP reply code: the second digit must be 0 to 5"
            ));
        }
        Ok(Self(code))
    }

    /// The numeric code.
    pub fn get(self) -> u16 {
        self.0
    }

    /// Its class.
    pub fn class(self) -> StatusClass {
        StatusClass::from_digit(self.0 / 100).expect("checked in new")
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for ReplyCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ReplyCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        let code = u16::try_from(n)
            .map_err(|_| serde::de::Error::custom(format!("{n} is not an SMTP reply code")))?;
        Self::new(code).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ReplyCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ReplyCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "integer", "minimum": 200, "maximum": 559,
            "description": "SMTP reply code: 2yz, 4yz or 5yz with y in 0-5."
        })
    }
}

/// An RFC 3463 enhanced status code `class.subject.detail`, such as 4.7.500.
/// Subject and detail are 1–3 digits without leading zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedStatus {
    class: StatusClass,
    subject: u16,
    detail: u16,
    /// The text form, kept so `as_str` needs no allocation.
    text: [u8; 11],
    len: u8,
}

impl EnhancedStatus {
    /// Parses `5.7.1`-style text.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{s}` is not an enhanced status code such as 4.7.500 (RFC 3463: class.subject.detail)"
            )
        };
        let mut parts = s.split('.');
        let (Some(c), Some(sub), Some(det), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let number = |p: &str| -> Option<u16> {
            let ok = (1..=3).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'));
            ok.then(|| p.parse().ok()).flatten()
        };
        let class = (c.len() == 1)
            .then(|| number(c))
            .flatten()
            .and_then(StatusClass::from_digit)
            .ok_or_else(bad)?;
        let (subject, detail) = (number(sub).ok_or_else(bad)?, number(det).ok_or_else(bad)?);
        Ok(Self::from_parts(class, subject, detail))
    }

    fn from_parts(class: StatusClass, subject: u16, detail: u16) -> Self {
        let text = format!("{}.{subject}.{detail}", class.digit());
        let mut buf = [0u8; 11];
        buf[..text.len()].copy_from_slice(text.as_bytes());
        Self {
            class,
            subject,
            detail,
            text: buf,
            len: text.len() as u8,
        }
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text[..self.len as usize]).expect("ASCII")
    }

    /// The class digit as a [`StatusClass`].
    pub fn class(&self) -> StatusClass {
        self.class
    }

    /// The subject (second number).
    pub fn subject(&self) -> u16 {
        self.subject
    }

    /// The detail (third number).
    pub fn detail(&self) -> u16 {
        self.detail
    }

    /// A persistent transient failure (4.x.x): retrying may succeed.
    pub fn is_temporary(&self) -> bool {
        self.class == StatusClass::Transient
    }

    /// x.0.0, "other or undefined status": says little; a more specific
    /// code wins over it.
    pub fn is_generic(&self) -> bool {
        self.subject == 0 && self.detail == 0
    }
}

/// Reads as the text it is written as, so `Option<EnhancedStatus>` answers
/// `as_deref()` with the `&str` a comparison wants.
impl std::ops::Deref for EnhancedStatus {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

string_newtype!(
    EnhancedStatus,
    "EnhancedStatus",
    "RFC 3463 enhanced status code, class.subject.detail, e.g. 4.7.500.",
    Some(r"^[245]\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$")
);

/// Longest text pattern accepted.
pub const MAX_TEXT_PATTERN_LEN: usize = 512;

/// A pattern for the text of an SMTP reply: `*` matches any run of
/// characters; matching ignores case and collapses runs of whitespace, because
/// MTAs re-wrap and re-case reply text on its way into a bounce.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextPattern {
    text: String,
    /// Lowercased, whitespace-collapsed form used for matching.
    normalized: String,
}

impl TextPattern {
    /// Parses a pattern: non-empty, at most 512 characters, no control
    /// characters, and not only wildcards.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("must not be empty".into());
        }
        if s.chars().count() > MAX_TEXT_PATTERN_LEN {
            return Err(format!("is longer than {MAX_TEXT_PATTERN_LEN} characters"));
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters (newlines, tabs...)".into());
        }
        if s.chars().all(|c| c == '*' || c.is_whitespace()) {
            return Err("must contain some text besides `*`: a pattern of only wildcards matches everything".into());
        }
        Ok(Self {
            text: s.to_owned(),
            normalized: normalize_reply_text(s),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a reply text matches (the whole text, so patterns usually end
    /// in `*`). To match many texts or many patterns, [`compile`](Self::compile)
    /// the pattern and normalise each text once ([`ReplyText`]).
    pub fn matches(&self, reply_text: &str) -> bool {
        self.compile().matches(&ReplyText::new(reply_text))
    }

    /// The pattern ready for matching: linear in the text, whatever the
    /// pattern (see [`TextMatcher`]).
    pub fn compile(&self) -> TextMatcher {
        let trimmed = self.normalized.trim_matches('*');
        TextMatcher {
            whole: StarGlob::new(self.normalized.as_bytes()),
            anywhere: memchr::memmem::Finder::new(trimmed.as_bytes()).into_owned(),
        }
    }
}

/// A reply text normalised as patterns are (lowercased, whitespace runs
/// collapsed): made once per text, then matched against any number of
/// patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyText(String);

impl ReplyText {
    /// Normalises `raw`.
    pub fn new(raw: &str) -> Self {
        Self(normalize_reply_text(raw))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A compiled [`TextPattern`]. Both of its questions take time linear in
/// the text (the pattern's pieces are found with Two-Way substring search;
/// nothing backtracks), so a pattern of 512 characters costs what a short
/// one does.
#[derive(Debug, Clone)]
pub struct TextMatcher {
    whole: StarGlob,
    /// The pattern without its outer stars.
    anywhere: memchr::memmem::Finder<'static>,
}

impl TextMatcher {
    /// Whether the whole text matches the pattern.
    pub fn matches(&self, text: &ReplyText) -> bool {
        self.whole.is_match(text.0.as_bytes())
    }

    /// Whether the pattern's text, without its outer stars, occurs anywhere
    /// in the text (a reply quoted inside a longer diagnostic).
    pub fn occurs_in(&self, text: &ReplyText) -> bool {
        self.anywhere.find(text.0.as_bytes()).is_some()
    }
}

/// Lower-cases and collapses whitespace; `?` is escaped away by mapping it to
/// itself only through the glob's literal path (patterns have no `?` wildcard).
fn normalize_reply_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        // `?` is a glob metacharacter; a literal `?` in either side is mapped
        // to a private-use character so it only ever matches itself.
        out.extend(
            word.chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == '?' { '\u{E000}' } else { c }),
        );
    }
    out
}

string_newtype!(
    TextPattern,
    "TextPattern",
    "Reply text pattern: `*` matches any run of characters; case and runs of whitespace are ignored.",
    None
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes() {
        assert_eq!(ReplyCode::new(451).unwrap().class(), StatusClass::Transient);
        for bad in [0, 199, 354, 460, 600, 1000] {
            assert!(ReplyCode::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enhanced_status() {
        let s = EnhancedStatus::parse("4.7.500").unwrap();
        assert_eq!(
            (s.class(), s.subject(), s.detail(), s.as_str()),
            (StatusClass::Transient, 7, 500, "4.7.500")
        );
        assert_eq!(
            EnhancedStatus::parse("5.999.999").unwrap().as_str(),
            "5.999.999"
        );
        for bad in [
            "",
            "4.7",
            "4.7.500.1",
            "3.1.1",
            "4.07.1",
            "4.7.1000",
            "4.x.1",
            "45.1.1",
            " 4.7.1",
        ] {
            assert!(EnhancedStatus::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_patterns_ignore_case_and_spacing() {
        let p = TextPattern::parse("Server busy*").unwrap();
        assert!(p.matches("server  BUSY. Please try again later from [203.0.113.7]"));
        assert!(!p.matches("Access denied"));
        let q = TextPattern::parse("why?*").unwrap();
        assert!(q.matches("why? because"));
        assert!(!q.matches("whyX because"), "? is literal in patterns");
        for bad in ["", "   ", "*", "* *", "a\nb"] {
            assert!(TextPattern::parse(bad).is_err(), "{bad:?}");
        }
    }
}
