//! The typed values of a [`crate::Fact`]: an enhanced status code, an SMTP
//! reply code, and the format a fact was read from. Each says what it is
//! (temporary or permanent, generic or specific) in one place, instead of
//! every reader comparing the first character of a string.

use std::fmt;
use std::ops::Deref;

use serde::Serialize;

/// An RFC 3463 enhanced status code (`5.1.1`, `4.7.500`): class 2, 4 or 5,
/// then a subject and a detail of one to three digits each. Only valid
/// codes can be made; it reads as the `&str` it is written as.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EnhancedStatus(String);

impl EnhancedStatus {
    /// The code in `text` if `text` is exactly one (surrounding spaces and a
    /// final dot aside, as in "Status: 5.1.1." or "#5.1.1").
    pub fn parse(text: &str) -> Option<Self> {
        let code = text.trim().trim_start_matches('#').trim_end_matches('.');
        crate::smtp::is_enhanced_status(code).then(|| Self(code.to_owned()))
    }

    /// The class: 2 (success), 4 (persistent transient), 5 (permanent).
    pub fn class(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }

    /// A transient failure (class 4): retrying may succeed.
    pub fn is_temporary(&self) -> bool {
        self.class() == 4
    }

    /// x.0.0, "other or undefined": says little, a more specific code wins.
    pub fn is_generic(&self) -> bool {
        self.0.ends_with(".0.0")
    }

    /// The subject and detail numbers (`5.7.26` → (7, 26)).
    pub fn subject_detail(&self) -> (u16, u16) {
        let mut parts = self.0.split('.').skip(1).map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }
}

impl Deref for EnhancedStatus {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An SMTP reply code (RFC 5321 §4.2): three digits, 2xx to 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// A reply code, if `code` is one (200–599).
    pub fn new(code: u16) -> Option<Self> {
        (200..600).contains(&code).then_some(Self(code))
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }

    /// A transient negative reply (4xx).
    pub fn is_temporary(self) -> bool {
        (400..500).contains(&self.0)
    }

    /// A permanent negative reply (5xx).
    pub fn is_permanent(self) -> bool {
        self.0 >= 500
    }

    /// A failure of either kind (4xx or 5xx).
    pub fn is_failure(self) -> bool {
        self.0 >= 400
    }
}

impl PartialEq<u16> for ReplyCode {
    fn eq(&self, other: &u16) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<u16> for ReplyCode {
    fn partial_cmp(&self, other: &u16) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a fact was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum Format {
    /// Not read yet.
    #[default]
    #[serde(rename = "")]
    Unknown,
    /// An RFC 3464 delivery status notification.
    #[serde(rename = "dsn")]
    Dsn,
    /// A non-standard bounce, read from its prose.
    #[serde(rename = "text")]
    Text,
    /// An ARF feedback report (RFC 5965) or a complaint format like it.
    #[serde(rename = "arf")]
    Arf,
    /// An RFC 3834 automatic reply.
    #[serde(rename = "rfc3834")]
    AutoReply,
    /// An Amazon SES notification.
    #[serde(rename = "amazonses")]
    AmazonSes,
    /// A bare SMTP reply.
    #[serde(rename = "smtp-reply")]
    SmtpReply,
    /// A Postfix log line.
    #[serde(rename = "log-postfix")]
    PostfixLog,
    /// An Exim log line.
    #[serde(rename = "log-exim")]
    EximLog,
    /// A Sendmail log line.
    #[serde(rename = "log-sendmail")]
    SendmailLog,
}

impl Format {
    /// The name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Unknown => "",
            Format::Dsn => "dsn",
            Format::Text => "text",
            Format::Arf => "arf",
            Format::AutoReply => "rfc3834",
            Format::AmazonSes => "amazonses",
            Format::SmtpReply => "smtp-reply",
            Format::PostfixLog => "log-postfix",
            Format::EximLog => "log-exim",
            Format::SendmailLog => "log-sendmail",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_status_codes_are_checked_and_read() {
        let s = EnhancedStatus::parse(" 4.7.500.").unwrap();
        assert_eq!(
            (&*s, s.class(), s.is_temporary(), s.subject_detail()),
            ("4.7.500", 4, true, (7, 500))
        );
        assert!(EnhancedStatus::parse("5.0.0").unwrap().is_generic());
        for bad in ["", "5.1", "3.1.1", "5.1.1.1", "5.1.1234", "x.1.1", "5..1"] {
            assert_eq!(EnhancedStatus::parse(bad), None, "{bad}");
        }
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"4.7.500\"");
    }

    #[test]
    fn reply_codes_say_their_kind() {
        let c = ReplyCode::new(451).unwrap();
        assert!(c.is_temporary() && c.is_failure() && !c.is_permanent() && c == 451);
        assert_eq!(ReplyCode::new(199), None);
        assert_eq!(ReplyCode::new(600), None);
        assert_eq!(
            serde_json::to_string(&Format::SmtpReply).unwrap(),
            "\"smtp-reply\""
        );
    }
}
