//! MTA log lines (Postfix, Exim, Sendmail), one line at a time. Each line an
//! MTA writes about a message becomes a [`LogLine`]: a delivery attempt, the
//! message's envelope (sender, Message-ID), its expiry, or its removal from
//! the queue, each under the MTA's queue ID. [`super::logjoin`] puts the
//! lines of one message together.
//!
//! A day of log is mostly other lines (connections, TLS, anvil statistics):
//! each line is first recognised by hand, with byte searches, and only the
//! delivery lines go through a regular expression.

use std::sync::LazyLock;

use memchr::memmem;
use regex::Regex;

use crate::{Action, Fact, logtime::LogClock};

/// Exim's failure and deferral lines (`**`, `==`), whole.
static EXIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?) (?:\[\d+\] )?(\S+) (\*\*|==) (\S+)(?: <([^>]+)>)?(?: [FPRTSU]=\S+)*:? (.*)$").unwrap()
});
/// Sendmail's delivery line, from the recipient on.
static SENDMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^to=<?([^>,\s]+)>?,(?:.*?\brelay=([^,]+),)?(?:.*?\bdsn=([245]\.\d+\.\d+),)?.*?\bstat=(.*)$").unwrap()
});
/// Text every log line of a format we read contains: inputs without any
/// of these are not logs (the caller checks before converting bytes).
pub const MARKERS: [&str; 5] = ["postfix/", "sendmail[", " ** ", " == ", " <= "];

/// Any line an MTA writes to its log, deliveries or not: a real log starts
/// with pickup, cleanup and qmgr lines (Postfix), message arrivals (Exim,
/// Sendmail), and its first failure may come thousands of lines later.
static ANY_MTA_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\bpostfix(?:-[\w-]+)?/[\w/-]+\[\d+\]: |\bsendmail\[\d+\]: |^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})? (?:\[\d+\] )?(?:[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} |Start queue run|End queue run|SMTP connection|no host name found|H=))").unwrap()
});

/// Whether the text starts like an MTA log: one of its first lines is a
/// line an MTA writes (not only a delivery line).
pub fn looks_like_log(head: &str) -> bool {
    if !MARKERS.iter().any(|marker| head.contains(marker)) {
        return false;
    }
    head.lines()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .any(|l| ANY_MTA_LINE.is_match(l))
}

/// The MTA that wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mta {
    /// Postfix: `postfix/smtp[pid]: QUEUEID: …`.
    Postfix,
    /// Exim's main log: `date time MESSAGE-ID flag …`.
    Exim,
    /// Sendmail: `sendmail[pid]: QUEUEID: …`.
    Sendmail,
}

impl Mta {
    /// The facts' `format`.
    pub fn format(self) -> crate::Format {
        match self {
            Mta::Postfix => crate::Format::PostfixLog,
            Mta::Exim => crate::Format::EximLog,
            Mta::Sendmail => crate::Format::SendmailLog,
        }
    }
}

/// What a delivery attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the next hop (Postfix `status=sent`, Exim `=>`, Sendmail `stat=Sent`).
    Sent,
    /// Tried again later.
    Deferred,
    /// Given up: returned to the sender.
    Bounced,
    /// Given up because the queue lifetime ran out.
    Expired,
}

/// One delivery attempt to one recipient.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The attempt as a fact. A failure's fact is finished (reason, codes);
    /// a sent one's is not, as a day's log holds many of them and the
    /// caller mostly counts them: call [`Fact::finish`] to read it.
    pub fact: Fact,
    /// What it came to.
    pub outcome: Outcome,
}

/// What one line says about one message in the queue.
#[derive(Debug, Clone)]
pub enum LogLine {
    /// A delivery attempt.
    Attempt(Mta, String, Box<Attempt>),
    /// The message's envelope: who sent it, its Message-ID (Postfix's
    /// `cleanup` and `qmgr` lines, Exim's `<=`, Sendmail's `from=`).
    Envelope {
        /// The MTA.
        mta: Mta,
        /// Its queue ID.
        queue_id: String,
        /// The envelope sender (`from=<…>`); `<>` is none.
        sender: Option<String>,
        /// The Message-ID, without its angle brackets.
        message_id: Option<String>,
    },
    /// The queue lifetime ran out for every recipient still waiting
    /// (Postfix's `qmgr: … status=expired, returned to sender`).
    Expired(Mta, String, Option<String>),
    /// The message left the queue (Postfix `removed`, Exim `Completed`).
    Removed(Mta, String),
}

impl LogLine {
    /// The line's MTA and queue ID.
    pub fn queue(&self) -> (Mta, &str) {
        match self {
            LogLine::Attempt(mta, id, _)
            | LogLine::Envelope {
                mta, queue_id: id, ..
            }
            | LogLine::Expired(mta, id, _)
            | LogLine::Removed(mta, id) => (*mta, id),
        }
    }
}

/// Reads one line; `None` for every line that is not about a queued message.
pub fn read_line(line: &str, clock: &LogClock) -> Option<LogLine> {
    let bytes = line.as_bytes();
    if bytes.first().is_some_and(u8::is_ascii_digit)
        && let Some(read) = exim(line, clock)
    {
        return Some(read);
    }
    static POSTFIX_MARK: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("postfix"));
    static SENDMAIL_MARK: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("sendmail["));
    if let Some(at) = POSTFIX_MARK.find(bytes) {
        return postfix(line, &line[at..], clock);
    }
    if let Some(at) = SENDMAIL_MARK.find(bytes) {
        return sendmail(line, &line[at..], clock);
    }
    None
}

/// `postfix[-instance]/service[pid]: QUEUEID: text`.
fn postfix(line: &str, from_name: &str, clock: &LogClock) -> Option<LogLine> {
    let (program, rest) = after_pid(from_name)?;
    if !program.contains('/') {
        return None;
    }
    let (queue_id, text) = queue_id_and_text(rest)?;
    let queue = || queue_id.to_owned();
    if let Some(delivery) = text.strip_prefix("to=<") {
        let attempt_fields = postfix_attempt(delivery)?;
        let (remote_host, remote_ip) = attempt_fields.relay.map_or((None, None), split_relay);
        let fact = Fact {
            recipient: Some(attempt_fields.recipient.to_owned()),
            // Postfix's own enhanced code for the attempt: the remote
            // server's, or the one Postfix gave a failure of its own
            // (4.4.1 no answer, 5.4.4 no such domain, 4.4.3 DNS failure).
            status: attempt_fields.dsn,
            diagnostic: attempt_fields.text.to_owned(),
            remote_host,
            remote_ip,
            timestamp: syslog_time(line, clock),
            ..Fact::default()
        };
        return Some(attempt(Mta::Postfix, queue(), attempt_fields.outcome, fact));
    }
    if let Some(fields) = text.strip_prefix("from=<") {
        let (sender, after) = fields.split_once('>')?;
        if after.starts_with(", status=expired") {
            return Some(LogLine::Expired(
                Mta::Postfix,
                queue(),
                syslog_time(line, clock),
            ));
        }
        return Some(LogLine::Envelope {
            mta: Mta::Postfix,
            queue_id: queue(),
            sender: non_empty(sender),
            message_id: None,
        });
    }
    if let Some(id) = text.strip_prefix("message-id=") {
        return Some(LogLine::Envelope {
            mta: Mta::Postfix,
            queue_id: queue(),
            sender: None,
            message_id: non_empty(id.split_whitespace().next().unwrap_or_default()),
        });
    }
    (text.trim_end() == "removed").then(|| LogLine::Removed(Mta::Postfix, queue()))
}

/// Postfix's delivery line after `to=<`: `r>, [orig_to=<o>,] relay=…,
/// delay=…, dsn=…, status=deferred (text)` → its fields. Read by hand:
/// these are a fifth of a day's lines, and a regular expression with
/// captures cost more than the rest.
fn postfix_attempt(delivery: &str) -> Option<PostfixAttempt<'_>> {
    let (recipient, fields) = delivery.split_once('>')?;
    let status_at = memmem::find(fields.as_bytes(), b" status=")?;
    let before_status = &fields[..status_at];
    let field = |name: &[u8]| {
        memmem::find(before_status.as_bytes(), name).map(|at| {
            let value = &before_status[at + name.len()..];
            value.split([',', ' ']).next().unwrap_or_default()
        })
    };
    let relay = field(b" relay=");
    let dsn = field(b" dsn=").and_then(crate::types::status);
    let status = &fields[status_at + 8..];
    let (word, text) = status.split_once(" (")?;
    let outcome = match word {
        "sent" => Outcome::Sent,
        "deferred" => Outcome::Deferred,
        "expired" => Outcome::Expired,
        "bounced" => Outcome::Bounced,
        _ => return None,
    };
    let text = text.trim_end().strip_suffix(')')?;
    Some(PostfixAttempt {
        recipient,
        outcome,
        relay,
        dsn,
        text,
    })
}

/// The fields of a Postfix delivery line that a fact takes.
struct PostfixAttempt<'a> {
    recipient: &'a str,
    outcome: Outcome,
    relay: Option<&'a str>,
    dsn: Option<crate::EnhancedStatus>,
    text: &'a str,
}

/// `sendmail[pid]: QUEUEID: text`.
fn sendmail(line: &str, from_name: &str, clock: &LogClock) -> Option<LogLine> {
    let (_, rest) = after_pid(from_name)?;
    let (queue_id, text) = queue_id_and_text(rest)?;
    if text.starts_with("to=") {
        let c = SENDMAIL.captures(text)?;
        let stat = c[4].to_owned();
        let outcome = if stat.starts_with("Sent") {
            Outcome::Sent
        } else if stat.starts_with("Deferred") {
            Outcome::Deferred
        } else {
            Outcome::Bounced
        };
        let (remote_host, remote_ip) = c.get(2).map_or((None, None), |m| split_relay(m.as_str()));
        let fact = Fact {
            recipient: Some(c[1].to_owned()),
            status: c.get(3).and_then(|m| crate::types::status(m.as_str())),
            diagnostic: stat,
            remote_host,
            remote_ip,
            timestamp: syslog_time(line, clock),
            ..Fact::default()
        };
        return Some(attempt(Mta::Sendmail, queue_id.to_owned(), outcome, fact));
    }
    if text.starts_with("from=") {
        let field = |name: &str| {
            text.split(", ")
                .find_map(|f| f.strip_prefix(name))
                .and_then(|v| non_empty(v.trim_matches(|c| c == '<' || c == '>')))
        };
        return Some(LogLine::Envelope {
            mta: Mta::Sendmail,
            queue_id: queue_id.to_owned(),
            sender: field("from="),
            message_id: field("msgid="),
        });
    }
    None
}

/// Exim: `2026-12-01 09:00:00[.ffffff][ +0900][ [pid]] ID flag text`.
fn exim(line: &str, clock: &LogClock) -> Option<LogLine> {
    let b = line.as_bytes();
    let shaped = b.len() > 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':';
    if !shaped {
        return None;
    }
    let mut rest = &line[19..];
    let mut stamp_end = 19;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
        stamp_end += 1 + digits;
    }
    if rest.len() > 6 && rest.as_bytes()[0] == b' ' && matches!(rest.as_bytes()[1], b'+' | b'-') {
        rest = &rest[6..];
        stamp_end += 6;
    }
    rest = rest.strip_prefix(' ')?;
    if rest.starts_with('[') {
        rest = rest.split_once("] ")?.1;
    }
    let (id, text) = rest.split_once(' ')?;
    if !is_exim_id(id) {
        return None;
    }
    let stamp = &line[..stamp_end];
    if text.starts_with("** ") || text.starts_with("== ") {
        let c = EXIM.captures(line)?;
        let outcome = if &c[3] == "**" {
            Outcome::Bounced
        } else {
            Outcome::Deferred
        };
        let fact = Fact {
            recipient: Some(c.get(5).map_or(&c[4], |m| m.as_str()).to_owned()),
            diagnostic: c[6].to_owned(),
            timestamp: clock.exim(&c[1]),
            ..Fact::default()
        };
        return Some(attempt(Mta::Exim, id.to_owned(), outcome, fact));
    }
    if let Some(delivered) = text
        .strip_prefix("=> ")
        .or_else(|| text.strip_prefix("-> "))
        .or_else(|| text.strip_prefix("*> "))
    {
        let recipient = delivered.split_whitespace().next()?;
        // `C="250 2.0.0 OK …"`: the next hop's acceptance, when logged.
        let confirmation = delivered
            .split_once(" C=\"")
            .map(|(_, c)| c.trim_end().trim_end_matches('"').to_owned())
            .unwrap_or_default();
        let fact = Fact {
            recipient: Some(recipient.to_owned()),
            diagnostic: confirmation,
            timestamp: clock.exim(stamp),
            ..Fact::default()
        };
        return Some(attempt(Mta::Exim, id.to_owned(), Outcome::Sent, fact));
    }
    if let Some(arrival) = text.strip_prefix("<= ") {
        let sender = arrival.split_whitespace().next().unwrap_or_default();
        let message_id = arrival
            .split_whitespace()
            .find_map(|f| f.strip_prefix("id="))
            .and_then(|v| non_empty(v.trim_matches(|c| c == '<' || c == '>')));
        return Some(LogLine::Envelope {
            mta: Mta::Exim,
            queue_id: id.to_owned(),
            sender: non_empty(sender.trim_matches(|c| c == '<' || c == '>')),
            message_id,
        });
    }
    (text.trim_end() == "Completed").then(|| LogLine::Removed(Mta::Exim, id.to_owned()))
}

/// `1tQxyz-0001ab-C3` (Exim 4.97 made the middle part longer).
fn is_exim_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let lengths_ok = matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), Some(c), None)
            if a.len() == 6 && (6..=11).contains(&b.len()) && (2..=4).contains(&c.len())
    );
    lengths_ok && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `postfix/smtp[123]: rest` → the program and the rest.
fn after_pid(from_name: &str) -> Option<(&str, &str)> {
    static END_OF_PID: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("]: "));
    let at = END_OF_PID.find(from_name.as_bytes())?;
    Some((&from_name[..at], &from_name[at + 3..]))
}

/// `4XyZ1A2B3C: text` → the queue ID and the text; `NOQUEUE` and lines
/// without a queue ID are not about a queued message.
fn queue_id_and_text(rest: &str) -> Option<(&str, &str)> {
    let length = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let text = rest[length..].strip_prefix(": ")?;
    let id = &rest[..length];
    (length >= 5 && id != "NOQUEUE").then_some((id, text))
}

fn attempt(mta: Mta, queue_id: String, outcome: Outcome, mut fact: Fact) -> LogLine {
    fact.format = mta.format();
    fact.queue_id = Some(queue_id.clone());
    fact.action = Some(match outcome {
        Outcome::Sent => Action::Delivered,
        Outcome::Deferred => Action::Delayed,
        Outcome::Bounced | Outcome::Expired => Action::Failed,
    });
    if outcome != Outcome::Sent {
        fact = fact.finish();
    }
    LogLine::Attempt(mta, queue_id, Box::new(Attempt { fact, outcome }))
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim().trim_matches(|c| c == '<' || c == '>');
    (!text.is_empty()).then(|| text.to_owned())
}

/// `mx1.example.net[198.51.100.4]:25` → host and IP.
fn split_relay(relay: &str) -> (Option<String>, Option<std::net::IpAddr>) {
    let relay = relay.trim();
    // Sendmail writes `relay=mx.example.jp. [192.0.2.1]`.
    let relay = relay.replace(". [", "[").replace(" [", "[");
    let relay = relay.as_str();
    match relay.split_once('[') {
        Some((host, rest)) => {
            let ip = rest.split(']').next().and_then(|ip| ip.parse().ok());
            ((!host.is_empty()).then(|| host.to_ascii_lowercase()), ip)
        }
        None => (
            Some(
                relay
                    .trim_end_matches(|c: char| c == ':' || c.is_ascii_digit())
                    .to_ascii_lowercase(),
            )
            .filter(|h| !h.is_empty() && h != "none"),
            None,
        ),
    }
}

/// The syslog time a line starts with: rsyslog's precise RFC 3339
/// (`2026-11-23T10:00:01.123456+09:00`, kept as it is) or the traditional
/// `Nov 23 10:00:01`, completed by `clock`.
fn syslog_time(line: &str, clock: &LogClock) -> Option<String> {
    let b = line.as_bytes();
    if b.len() >= 20 && b[0].is_ascii_digit() && b[4] == b'-' && b[10] == b'T' {
        let stamp = line.split(' ').next()?;
        return stamp
            .parse::<jiff::Timestamp>()
            .is_ok()
            .then(|| stamp.to_owned());
    }
    let traditional = b.len() >= 15
        && b[0].is_ascii_uppercase()
        && b[3] == b' '
        && b[6] == b' '
        && b[9] == b':'
        && b[12] == b':';
    if traditional {
        return clock.traditional_syslog(line.get(..15)?);
    }
    None
}
