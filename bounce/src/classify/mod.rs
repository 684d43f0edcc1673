//! Why did it bounce? The reason names are those of the widely used
//! open-source classifiers, so accuracy can be measured on their corpora.
//!
//! Order of evidence: (1) what the report's structure says (feedback report,
//! auto-reply, delivered); (2) phrases in the diagnostic text, which are
//! more specific than codes — MTAs answer 550 5.1.1 for full mailboxes and
//! 550 5.7.1 for a dozen different policies; (3) the enhanced status
//! (RFC 3463, and the registry's later additions); (4) the reply code.

//!
//! | module | what it holds |
//! |---|---|
//! | `rules` | the phrase rules of `data/phrases.toml`: the MTAs' and providers' words, each group with its reason and its source, most specific first |
//! | `status` | what an enhanced status code means (RFC 3463, RFC 5248's registry) |
//! | `decide` | the decision: the order in which the evidence above, the reply code and the report's own prose decide |

mod decide;
mod rules;
mod status;

use serde::{Deserialize, Serialize};

pub use decide::{classify, is_hard};
pub(crate) use decide::{classify_lowered, says_stock_unknown};
pub(crate) use rules::by_lowered_text;
pub use rules::{RULES, Rule, by_text};
pub use status::by_status;

/// The bounce reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Reason {
    AuthFailure,
    BadReputation,
    Blocked,
    ContentError,
    Delivered,
    EmailTooLarge,
    Expired,
    FailedStartTls,
    Feedback,
    Filtered,
    HasMoved,
    HostUnknown,
    MailboxFull,
    MailerError,
    NetworkError,
    NoRelaying,
    NotAccept,
    NotCompliantRfc,
    OnHold,
    PolicyViolation,
    RateLimited,
    Rejected,
    RequirePtr,
    SecurityError,
    SpamDetected,
    /// The sending service refused to try: the address is on its suppression list.
    Suppressed,
    Suspend,
    SyntaxError,
    SystemError,
    SystemFull,
    #[default]
    Undefined,
    UserUnknown,
    Vacation,
    VirusDetected,
}

impl Reason {
    /// The reason's name.
    pub fn as_str(self) -> &'static str {
        use Reason::*;
        match self {
            AuthFailure => "authfailure",
            BadReputation => "badreputation",
            Blocked => "blocked",
            ContentError => "contenterror",
            Delivered => "delivered",
            EmailTooLarge => "emailtoolarge",
            Expired => "expired",
            FailedStartTls => "failedstarttls",
            Feedback => "feedback",
            Filtered => "filtered",
            HasMoved => "hasmoved",
            HostUnknown => "hostunknown",
            MailboxFull => "mailboxfull",
            MailerError => "mailererror",
            NetworkError => "networkerror",
            NoRelaying => "norelaying",
            NotAccept => "notaccept",
            NotCompliantRfc => "notcompliantrfc",
            OnHold => "onhold",
            PolicyViolation => "policyviolation",
            RateLimited => "ratelimited",
            Rejected => "rejected",
            RequirePtr => "requireptr",
            SecurityError => "securityerror",
            SpamDetected => "spamdetected",
            Suppressed => "suppressed",
            Suspend => "suspend",
            SyntaxError => "syntaxerror",
            SystemError => "systemerror",
            SystemFull => "systemfull",
            Undefined => "undefined",
            UserUnknown => "userunknown",
            Vacation => "vacation",
            VirusDetected => "virusdetected",
        }
    }

    /// The reason when the local delivery program (a pipe, procmail,
    /// maildrop) failed: what it printed is its own problem unless it speaks
    /// of the mailbox itself.
    pub fn for_local_mailer(self) -> Reason {
        use Reason::*;
        match self {
            MailboxFull | SystemFull | EmailTooLarge | Suspend | Delivered | Feedback => self,
            _ => MailerError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_beat_codes() {
        assert_eq!(
            by_text("550 5.1.1 <a@b>: Mailbox is full"),
            Some(Reason::MailboxFull)
        );
        assert_eq!(
            by_text("550 5.1.1 <a@example.jp>... User Unknown"),
            Some(Reason::UserUnknown)
        );
        assert_eq!(
            by_text("451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)"),
            Some(Reason::RateLimited)
        );
        assert_eq!(
            by_text("421 4.7.28 Our system has detected an unusual rate of unsolicited mail"),
            Some(Reason::RateLimited)
        );
        assert_eq!(
            by_text(
                "550 5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC"
            ),
            Some(Reason::AuthFailure)
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(by_status("5.1.1"), Some(Reason::UserUnknown));
        assert_eq!(by_status("4.4.7"), Some(Reason::Expired));
        assert_eq!(by_status("5.7.25"), Some(Reason::RequirePtr));
        assert_eq!(by_status("5.7.26"), Some(Reason::AuthFailure));
        assert_eq!(by_status("5.5.2"), Some(Reason::SyntaxError));
        assert_eq!(by_status("5.5.0"), None);
        assert_eq!(by_status("4.5.3"), Some(Reason::RateLimited));
        let (status, reply) = (crate::types::status, crate::ReplyCode::new);
        assert!(is_hard(
            Reason::UserUnknown,
            status("5.1.1").as_ref(),
            reply(550)
        ));
        assert!(!is_hard(
            Reason::UserUnknown,
            status("4.1.1").as_ref(),
            reply(450)
        ));
    }
}
