//! The typed values of a [`crate::Fact`]: an enhanced status code (the
//! schema's type), an SMTP reply code, the DSN action, the recipient's mail
//! domain and the format a fact was read from. Each says what it is
//! (temporary or permanent, a success or a failure, within which domain) in
//! one place, instead of every reader comparing strings.

use std::fmt;

use serde::Serialize;

/// The enhanced status code is the schema's type (what notices' symptoms
/// use): valid RFC 3463 codes only, no allocation.
pub use dix_schema::types::EnhancedStatus;

/// The enhanced status code in `text` if `text` is exactly one, surrounding
/// spaces, a leading `#` and a final dot aside ("Status: 5.1.1.", "#5.1.1").
pub fn status(text: &str) -> Option<EnhancedStatus> {
    let code = text.trim().trim_start_matches('#').trim_end_matches('.');
    EnhancedStatus::parse(code).ok()
}

/// An SMTP reply code as bounces quote it: any 2xx to 5xx. Not the
/// schema's `ReplyCode`, which a notice's symptom must satisfy (second
/// digit 0–5, RFC 5321 §4.2.1): bounces quote servers that answer 571 or
/// 554 alike, and a parser must keep what it was given.
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
    /// A mail program's error window: the reply of the server it sends
    /// through, so the message was never sent.
    #[serde(rename = "client-error")]
    ClientError,
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
            Format::ClientError => "client-error",
        }
    }
}

/// What the reporting MTA did for a recipient (RFC 3464 §2.3.3), or what a
/// log line's status says it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Delivery failed; no further attempt will be made.
    Failed,
    /// Not delivered yet; the MTA keeps trying.
    Delayed,
    /// Delivered to the recipient's mailbox.
    Delivered,
    /// Handed on to a system that sends no further reports.
    Relayed,
    /// Delivered and forwarded to more recipients (a list, an alias).
    Expanded,
}

impl Action {
    /// The action a DSN's `Action:` field (or a similar field) names, in any
    /// case; `None` for a value RFC 3464 does not define.
    pub fn parse(text: &str) -> Option<Action> {
        let text = text.trim();
        [
            ("failed", Action::Failed),
            ("delayed", Action::Delayed),
            ("delivered", Action::Delivered),
            // Some MTAs write the adjective.
            ("deliverable", Action::Delivered),
            ("relayed", Action::Relayed),
            ("expanded", Action::Expanded),
        ]
        .into_iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, action)| action)
    }

    /// The message reached the recipient, or a system that took it on.
    pub fn is_success(self) -> bool {
        matches!(self, Action::Delivered | Action::Relayed | Action::Expanded)
    }
}

/// A mail domain as a bounce names it: lowercase, without a trailing dot.
/// Not validated as the schema's `Domain` is (bounces quote whatever the
/// sender typed); what it adds is one way to ask whether it lies within
/// another domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct MailDomain(String);

impl MailDomain {
    /// `text` lowercased, surrounding spaces and a final dot removed.
    pub fn new(text: &str) -> MailDomain {
        MailDomain(text.trim().trim_end_matches('.').to_ascii_lowercase())
    }

    /// This domain is `parent` or a subdomain of it, label by label
    /// (`notezweb.ne.jp` is not within `ezweb.ne.jp`). `parent` is compared
    /// as given: lowercase.
    pub fn is_within(&self, parent: &str) -> bool {
        is_within(&self.0, parent)
    }
}

/// `domain` is `parent` or a subdomain of it, label by label; both
/// lowercase. (The schema's `Domain::is_within` needs validated names;
/// bounces carry raw text.)
pub fn is_within(domain: &str, parent: &str) -> bool {
    domain
        .strip_suffix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

impl std::ops::Deref for MailDomain {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for MailDomain {
    fn from(text: &str) -> MailDomain {
        MailDomain::new(text)
    }
}

impl fmt::Display for MailDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_read_in_any_case_and_only_as_rfc_3464_defines_them() {
        assert_eq!(Action::parse(" Failed "), Some(Action::Failed));
        assert_eq!(Action::parse("deliverable"), Some(Action::Delivered));
        assert_eq!(Action::parse("bounced"), None);
        assert!(Action::Relayed.is_success() && !Action::Delayed.is_success());
        assert_eq!(
            serde_json::to_string(&Action::Expanded).unwrap(),
            "\"expanded\""
        );
    }

    #[test]
    fn a_domain_is_within_its_parents_by_labels() {
        let d = MailDomain::new("Biz.EZweb.ne.jp.");
        assert_eq!(&*d, "biz.ezweb.ne.jp");
        assert!(d.is_within("ezweb.ne.jp") && d.is_within("biz.ezweb.ne.jp"));
        assert!(!MailDomain::new("notezweb.ne.jp").is_within("ezweb.ne.jp"));
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"biz.ezweb.ne.jp\"");
    }

    #[test]
    fn enhanced_status_codes_are_checked_and_read() {
        let s = status(" 4.7.500.").unwrap();
        assert_eq!(
            (&*s, s.is_temporary(), s.subject(), s.detail()),
            ("4.7.500", true, 7, 500)
        );
        assert_eq!(status("#5.1.1").as_deref(), Some("5.1.1"));
        assert!(status("5.0.0").unwrap().is_generic());
        for bad in ["", "5.1", "3.1.1", "5.1.1.1", "5.1.1234", "x.1.1", "5..1"] {
            assert_eq!(status(bad), None, "{bad}");
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
