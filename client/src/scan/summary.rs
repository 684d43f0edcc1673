//! The day at a glance: failed messages grouped by destination domain and
//! reason, with their counts, first and last failure, top replies and the
//! incidents a node matched; and per domain, how many were delivered.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use jiff::Timestamp;
use regex::Regex;
use serde::Serialize;

use super::messages::{Message, State};
use crate::bounce::{Fact, Reason};
use crate::verdict::IncidentMatch;

/// How many distinct replies each group keeps, most frequent first.
const TOP_REPLIES: usize = 3;
/// Distinct replies counted per group before the rest go uncounted (a
/// hostile log could make every reply unique).
const REPLIES_COUNTED: usize = 1000;

/// Messages to one domain that failed for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The recipients' domain.
    pub domain: String,
    /// Why, as the parser names it.
    pub reason: &'static str,
    /// Failed messages (each recipient of each message once).
    pub messages: u64,
    /// Of those, failures that waiting will not fix.
    pub hard: u64,
    /// Of those, temporary failures.
    pub soft: u64,
    /// Of those, delivered in the end, after deferrals.
    pub delivered_later: u64,
    /// Of those, still deferred when the log ends.
    pub still_deferred: u64,
    /// Of those, returned to the sender (bounced or expired).
    pub returned: u64,
    /// Delivery attempts, failed or not, of those messages.
    pub attempts: u64,
    /// The first failed attempt.
    #[serde(serialize_with = "optional_time")]
    pub first_seen: Option<Timestamp>,
    /// The last failed attempt.
    #[serde(serialize_with = "optional_time")]
    pub last_seen: Option<Timestamp>,
    /// The most frequent replies, with how many messages got each.
    pub top_replies: Vec<Reply>,
    /// The latest failure, as a fact: what a node is asked about.
    pub sample: Fact,
    /// Incidents a node matched to the sample.
    pub incidents: Vec<IncidentMatch>,
    #[serde(skip)]
    replies: HashMap<String, u64>,
}

/// One reply and how many messages got it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reply {
    /// The reply, with message-specific identifiers masked.
    pub text: String,
    /// Messages.
    pub count: u64,
}

/// Per destination domain: every message, failed or not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DomainTotals {
    /// Messages delivered without a failure.
    pub delivered: u64,
    /// Messages with at least one failure.
    pub with_failures: u64,
}

/// Everything the scan found.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Messages seen (each recipient once).
    pub messages: u64,
    /// Delivered without a failure.
    pub delivered: u64,
    /// With at least one failure.
    pub with_failures: u64,
    /// Per domain.
    pub domains: BTreeMap<String, DomainTotals>,
    /// Failed messages by domain and reason, most messages first.
    pub groups: Vec<Group>,
    #[serde(skip)]
    by_key: HashMap<(String, Reason), usize>,
}

fn optional_time<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}

impl Summary {
    /// Counts one finished message.
    pub fn add(&mut self, message: &Message) {
        self.messages += 1;
        let domain = if message.domain.is_empty() {
            "(none)".to_owned()
        } else {
            message.domain.clone()
        };
        let totals = self.domains.entry(domain.clone()).or_default();
        let Some(failure) = &message.failure else {
            totals.delivered += 1;
            self.delivered += 1;
            return;
        };
        totals.with_failures += 1;
        self.with_failures += 1;
        let key = (domain.clone(), failure.reason);
        let index = *self.by_key.entry(key).or_insert_with(|| {
            self.groups.push(Group {
                domain,
                reason: failure.reason.as_str(),
                messages: 0,
                hard: 0,
                soft: 0,
                delivered_later: 0,
                still_deferred: 0,
                returned: 0,
                attempts: 0,
                first_seen: None,
                last_seen: None,
                top_replies: Vec::new(),
                sample: failure.clone(),
                incidents: Vec::new(),
                replies: HashMap::new(),
            });
            self.groups.len() - 1
        });
        let group = &mut self.groups[index];
        group.messages += 1;
        let hard = failure.hard_bounce || message.state == State::Expired;
        if hard {
            group.hard += 1;
        } else {
            group.soft += 1;
        }
        match message.state {
            State::Delivered => group.delivered_later += 1,
            State::Deferred => group.still_deferred += 1,
            State::Bounced | State::Expired => group.returned += 1,
        }
        group.attempts += u64::from(message.attempts);
        let failed_at = failure.timestamp.as_deref().and_then(|t| t.parse().ok());
        let first = message.first_attempt.or(failed_at);
        group.first_seen = match (group.first_seen, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if group
            .last_seen
            .is_none_or(|seen| failed_at.is_some_and(|at| at >= seen))
        {
            group.last_seen = failed_at.or(group.last_seen);
            group.sample = failure.clone();
        }
        let reply = reply_text(&failure.diagnostic);
        if let Some(count) = group.replies.get_mut(&reply) {
            *count += 1;
        } else if group.replies.len() < REPLIES_COUNTED {
            group.replies.insert(reply, 1);
        }
    }

    /// Orders the groups and picks each one's top replies.
    pub fn finish(&mut self) {
        for group in &mut self.groups {
            let mut replies: Vec<Reply> = group
                .replies
                .drain()
                .map(|(text, count)| Reply { text, count })
                .collect();
            replies.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
            replies.truncate(TOP_REPLIES);
            group.top_replies = replies;
        }
        self.groups.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.domain.cmp(&b.domain))
                .then_with(|| a.reason.cmp(b.reason))
        });
        self.by_key.clear();
    }
}

/// The remote server's reply from a log's or report's diagnostic: without
/// Postfix's `host … said:` and `(in reply to … command)`, with tokens that
/// name one message (queue IDs, session IDs, time stamps) masked, so that
/// the same refusal counts as one reply.
pub fn reply_text(diagnostic: &str) -> String {
    static SAID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^host \S+ said: ").unwrap());
    static IN_REPLY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\s*\(in reply to [^)]*\)\s*$").unwrap());
    // A token of 8 or more letters and digits mixed, or a run of 5 or more
    // digits: an identifier, not a word of the reply.
    static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*|[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*)\b|\b\d{5,}\b").unwrap()
    });
    // Exim's "SMTP error from remote mail server after RCPT TO:<a>: 550 …",
    // Sendmail's "Deferred: 450 …": the reply starts at its code.
    static REPLY_START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|:\s)([245][0-9][0-9][ -].*)$").unwrap());
    let text = SAID.replace(diagnostic, "");
    let text = IN_REPLY.replace(&text, "");
    let text = match REPLY_START.captures(&text) {
        Some(c) => c[1].to_owned(),
        None => text.into_owned(),
    };
    let masked = IDENTIFIER.replace_all(&text, |c: &regex::Captures| {
        let token = &c[0];
        if token.len() >= 8 || token.bytes().all(|b| b.is_ascii_digit()) {
            "…".to_owned()
        } else {
            token.to_owned()
        }
    });
    // What is left of an identifier beside its masked part: `….42`.
    static BESIDE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:[A-Za-z0-9]+[.-])*…(?:[.-][A-Za-z0-9]+)*").unwrap());
    let masked = BESIDE.replace_all(&masked, "…");
    let masked = masked.trim();
    match masked.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &masked[..at]),
        None => masked.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_refusal_is_one_reply_whatever_its_identifiers() {
        let a = reply_text(
            "host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.7.1 Our system has detected an unusual rate. 5a1b2c3d4e5f6-7g.42 - gsmtp (in reply to end of DATA command)",
        );
        let b = reply_text(
            "host gmail-smtp-in.l.google.com[142.250.1.27] said: 550-5.7.1 Our system has detected an unusual rate. 9z8y7x6w5v4u3-2t.17 - gsmtp (in reply to end of DATA command)",
        );
        assert_eq!(a, b);
        assert!(a.starts_with("550-5.7.1 Our system"), "{a}");
        // Status codes and short words stay.
        assert_eq!(
            reply_text("451 4.7.500 Server busy (AS761)"),
            "451 4.7.500 Server busy (AS761)"
        );
        assert_eq!(
            reply_text(
                "defer (-44) H=mx.example.net [192.0.2.27]: SMTP error from remote mail server after RCPT TO:<a@example.net>: 450 4.7.1 Greylisted"
            ),
            "450 4.7.1 Greylisted"
        );
        assert_eq!(
            reply_text("Deferred: 450 4.7.1 Client host rejected"),
            "450 4.7.1 Client host rejected"
        );
        // Text without a reply stays whole.
        assert_eq!(
            reply_text("connect to mx.example.net[192.0.2.1]:25: Connection timed out"),
            "connect to mx.example.net[192.0.2.1]:25: Connection timed out"
        );
    }
}
