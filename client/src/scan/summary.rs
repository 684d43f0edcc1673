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
    /// Of those, permanent failures: returned to the sender (bounced or
    /// expired), or refused with a 5xx reply (a deferral only because the
    /// MTA is set to soft-bounce). What happened to the message, not the
    /// parser's guess whether the address will ever work.
    pub hard: u64,
    /// Of those, temporary failures: deferred (4xx), then delivered or
    /// still waiting.
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
    /// Distinct replies beyond `top_replies` (and beyond those counted).
    pub other_replies: u64,
    /// Messages that got one of those other replies.
    pub other_reply_messages: u64,
    /// The latest failure, as a fact: what a node is asked about.
    pub sample: Fact,
    /// Incidents a node matched to the sample.
    pub incidents: Vec<IncidentMatch>,
    #[serde(skip)]
    replies: HashMap<String, u64>,
    /// Whether replies went uncounted past REPLIES_COUNTED.
    #[serde(skip)]
    uncounted_replies: bool,
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
    /// Deliveries seen: each recipient of each message once.
    pub messages: u64,
    /// Distinct messages (queue IDs, or bounce reports) those deliveries
    /// belong to.
    pub distinct_messages: u64,
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
    /// Queue IDs counted in `distinct_messages`.
    #[serde(skip)]
    queue_ids: std::collections::HashSet<String>,
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
        match &message.queue_id {
            Some(id) => {
                if self.queue_ids.insert(id.clone()) {
                    self.distinct_messages += 1;
                }
            }
            None => self.distinct_messages += 1,
        }
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
                other_replies: 0,
                other_reply_messages: 0,
                sample: failure.clone(),
                incidents: Vec::new(),
                replies: HashMap::new(),
                uncounted_replies: false,
            });
            self.groups.len() - 1
        });
        let group = &mut self.groups[index];
        group.messages += 1;
        let permanent = match message.state {
            State::Bounced | State::Expired => true,
            State::Delivered => false,
            State::Deferred => {
                (failure.reply_code.is_some() || failure.status.is_some())
                    && !failure.is_temporary()
            }
        };
        if permanent {
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
        } else {
            group.other_reply_messages += 1;
            group.uncounted_replies = true;
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
            let rest = replies.split_off(TOP_REPLIES.min(replies.len()));
            group.other_replies = rest.len() as u64 + u64::from(group.uncounted_replies);
            group.other_reply_messages += rest.iter().map(|r| r.count).sum::<u64>();
            group.top_replies = replies;
        }
        self.groups.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.domain.cmp(&b.domain))
                .then_with(|| a.reason.cmp(b.reason))
        });
        self.by_key.clear();
        self.queue_ids = Default::default();
    }
}

/// Longest reply kept (a hostile log could hold megabyte lines); real
/// replies are far shorter, so CSV and JSON show them whole.
const REPLY_CHARS: usize = 2000;

/// The remote server's reply from a log's or report's diagnostic: without
/// Postfix's `host … said:` and `(in reply to … command)`, with what names
/// one message masked — queue and session IDs, time stamps, a provider's
/// trailing `[host time id]` diagnostic, a recipient's local part — so that
/// the same refusal counts as one reply. A provider's code for the refusal
/// (`(S2017062302)`, `[TSS04]`, `(AS761)`) and links stay: they say which
/// refusal it is.
pub fn reply_text(diagnostic: &str) -> String {
    static SAID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^host \S+ said: ").unwrap());
    static IN_REPLY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\s*\(in reply to [^)]*\)\s*$").unwrap());
    // Exim's "SMTP error from remote mail server after RCPT TO:<a>: 550 …",
    // Sendmail's "Deferred: 450 …": the reply starts at its code.
    static REPLY_START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:^|:\s)([245][0-9][0-9][ -].*)$").unwrap());
    // Microsoft's `[BN8NAM12FT063.eop-nam12.prod.protection.outlook.com
    // 2026-12-07T21:43:28.123Z 08DE1A2B3C4D5E6F]`: a bracketed group with a
    // time stamp in it names the one session.
    static STAMPED_GROUP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\[[^\[\]]*\d{4}-\d\d-\d\d[T ]\d\d:\d\d[^\[\]]*\]").unwrap());
    static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")
            .unwrap()
    });
    // A recipient's address: the local part differs per message.
    static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[A-Za-z0-9._%+=-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)").unwrap()
    });
    // A token of 8 or more letters and digits mixed, or a run of 5 or more
    // digits: an identifier, not a word of the reply.
    static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*|[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*)\b|\b\d{5,}\b").unwrap()
    });
    // A provider's code for the refusal: letters then digits, alone in
    // parentheses or brackets.
    static MARKER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Z]{1,5}[0-9]{1,12}$").unwrap());
    static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"https?://\S+").unwrap());
    let text = SAID.replace(diagnostic, "");
    let text = IN_REPLY.replace(&text, "");
    let text = match REPLY_START.captures(&text) {
        Some(c) => c[1].to_owned(),
        None => text.into_owned(),
    };
    let text = STAMPED_GROUP.replace_all(&text, "[…]");
    let text = TIMESTAMP.replace_all(&text, "…");
    let text = ADDRESS.replace_all(&text, "…@$1");
    let links: Vec<(usize, usize)> = URL.find_iter(&text).map(|m| (m.start(), m.end())).collect();
    let masked = IDENTIFIER.replace_all(&text, |c: &regex::Captures| {
        let found = c.get(0).expect("the whole match");
        let token = found.as_str();
        let before = text[..found.start()].chars().next_back();
        let after = text[found.end()..].chars().next();
        let marker = matches!(
            (before, after),
            (Some('('), Some(')')) | (Some('['), Some(']'))
        ) && MARKER.is_match(token);
        let in_link = links
            .iter()
            .any(|&(s, e)| found.start() >= s && found.end() <= e);
        if !marker && !in_link && (token.len() >= 8 || token.bytes().all(|b| b.is_ascii_digit())) {
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
    match masked.char_indices().nth(REPLY_CHARS) {
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
        // Microsoft's replies: the trailing [host time id] names the
        // session and goes; the refusal's own code stays.
        let ms = |host: &str, time: &str, id: &str| {
            reply_text(&format!(
                "host outlook-com.olc.protection.outlook.com[52.101.1.2] said: 451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (S77719) [{host}.eop-nam12.prod.protection.outlook.com {time} {id}] (in reply to RCPT TO command)"
            ))
        };
        let a = ms(
            "BN8NAM12FT063",
            "2026-12-07T21:43:28.123Z",
            "08DE1A2B3C4D5E6F",
        );
        let b = ms(
            "SN1NAM02FT011",
            "2026-12-07T22:01:09.004Z",
            "08DE99AA00BB11CC",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (S77719) […]"
        );
        let blocked = reply_text(
            "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(S2017062302) [VI1EUR04FT047.eop-eur04.prod.protection.outlook.com 2026-12-07T21:43:28.123Z 08DE35F1A2B3C4D5]",
        );
        assert!(
            blocked.contains("AS(S2017062302)") && blocked.contains("LinkId=526653"),
            "{blocked}"
        );
        assert_eq!(
            reply_text(
                "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
            ),
            "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
        );
        // One recipient's address does not stand for the others.
        assert_eq!(
            reply_text("550 5.1.1 <taro.yamada@example.jp>: Recipient address rejected"),
            reply_text("550 5.1.1 <hanako@example.jp>: Recipient address rejected"),
        );
        // A long reply is kept whole (CSV and JSON show it).
        let long = format!("550 5.7.1 {}", "word ".repeat(100));
        assert_eq!(reply_text(&long), long.trim());
        // Text without a reply stays whole.
        assert_eq!(
            reply_text("connect to mx.example.net[192.0.2.1]:25: Connection timed out"),
            "connect to mx.example.net[192.0.2.1]:25: Connection timed out"
        );
    }
}
