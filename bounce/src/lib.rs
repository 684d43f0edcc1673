//! # dix-bounce — what a bounce says, and what to do about it
//!
//! Parsing, classification, the knowledge base and the verdict, with no
//! network and no command line: `dix` (dix-client) and `dixd` (dix-server)
//! both build on it.
//!
//! | module | what it does |
//! |---|---|
//! | this crate's root | [`Fact`]: one failed (or reported) delivery to one recipient; [`parse_bytes`], [`parse_reply`] |
//! | [`batch`] | mbox, maildir, directories, stdin → messages and log text |
//! | [`stream`] | one input of any size in bounded memory: an mbox message by message, a log line by line |
//! | [`classify`] + `phrases` | the reason and hard/soft, from codes and the MTAs' own words |
//! | [`logline`], [`logjoin`], [`logtime`] | MTA log lines, a message's lines joined by queue ID, log clocks |
//! | [`smtp`] | reply codes, enhanced status codes, hosts and IPs in text |
//! | `address` | a failed recipient's SMTP address out of the forms reports wrap it in (X.400 and X.500 left out) |
//! | [`types`] | [`EnhancedStatus`], [`ReplyCode`], [`Action`], [`MailDomain`], [`Format`]: a fact's typed values |
//! | [`knowledge`] | the knowledge base (`data/knowledge.toml`): which provider answered, the cause, in the written order of evidence |
//! | [`verdict`] | the answer: who acts, whether it is retried, what happened, the customer reply — all from one cause |
//!
//! Whatever a user has — a DSN, a non-standard MTA bounce, a whole mbox or
//! maildir, a bare SMTP reply, MTA log lines — becomes one [`Fact`] per
//! failed recipient, with a [`Reason`] and hard/soft:
//!
//! ```text
//! input ─ batch (mbox / maildir / dir / stdin) ─┬─ email ─┬─ ARF feedback report   (feedback)
//!                                               │         ├─ auto-reply, RFC 3834   (vacation)
//!                                               │         ├─ challenge-response     (not a failure)
//!                                               │         ├─ read receipt, RFC 8098 (not a failure)
//!                                               │         ├─ dsn: message/delivery-status fields
//!                                               │         ├─ ses: Amazon SES JSON notifications
//!                                               │         └─ text: non-standard formats, by phrase
//!                                               ├─ log lines: logline (each line), logjoin (a message's lines
//!                                               │            by queue ID: sender, Message-ID), logtime (clocks)
//!                                               └─ reply: a bare SMTP reply
//! each fact ─ smtp (codes, command, hosts, IPs from text) ─ classify (reason, hard/soft)
//!                                                            └─ phrases: ordered rules, literal prefilter
//! fact ─ knowledge (cause, provider, evidence) ─ verdict (+ matched incidents) ─ answer in ja / en
//! ```
//!
//! Feedback covers ARF reports, Microsoft's JMRP complaints and Apple Mail's
//! unsubscribe messages. Nothing here panics on any input: the email layer is
//! mail-parser (its one known panic is contained), everything after it is
//! bounded string scanning. Fixtures are in `client/tests/fixtures/` (read
//! through the `dix` binary); the MTAs' own messages in
//! `tests/golden/mta_messages.toml`; the labelled corpus in `../shared/corpus`
//! measures accuracy (`client/tests/corpus.rs`, `scripts/accuracy.sh`).

use std::sync::LazyLock;

mod address;
pub mod batch;
pub mod classify;
mod dsn;
mod email;
pub mod knowledge;
pub mod logjoin;
pub mod logline;
pub mod logtime;
pub mod paste;
mod phrases;
mod reply;
mod ses;
pub mod smtp;
pub mod stream;
mod text;
pub mod types;
pub mod verdict;

use std::net::IpAddr;

use serde::Serialize;

pub use classify::Reason;
pub use types::{Action, EnhancedStatus, Format, MailDomain, ReplyCode};

/// One failed (or reported) delivery to one recipient.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Fact {
    /// Where it came from (file path, `-`, `mbox:N`).
    pub source: String,
    /// The recipient address, lowercased domain.
    pub recipient: Option<String>,
    /// The recipient's domain.
    pub recipient_domain: Option<MailDomain>,
    /// DSN action: failed, delayed, delivered, relayed, expanded.
    pub action: Option<Action>,
    /// SMTP reply code.
    pub reply_code: Option<ReplyCode>,
    /// Enhanced status code.
    pub status: Option<EnhancedStatus>,
    /// The diagnostic text, decoded, whitespace collapsed.
    pub diagnostic: String,
    /// What kind of text the diagnostic is, as a DSN's `Diagnostic-Code`
    /// says (RFC 3464): `smtp` for a remote reply, `x-unix` for a local
    /// delivery program's exit, and so on.
    pub diagnostic_type: Option<String>,
    /// The receiving MTA's host name.
    pub remote_host: Option<String>,
    /// The receiving MTA's IP.
    pub remote_ip: Option<IpAddr>,
    /// The MTA that wrote the report.
    pub reporting_mta: Option<String>,
    /// The sender's outbound IP where the text names it (`from [IP]`).
    pub sender_ip: Option<IpAddr>,
    /// The SMTP command that failed (CONN, HELO, MAIL, RCPT, DATA).
    pub command: Option<String>,
    /// When it happened, RFC 3339 with offset.
    pub timestamp: Option<String>,
    /// The original message's Message-ID.
    pub message_id: Option<String>,
    /// The envelope sender (MAIL FROM), where a log names it.
    pub sender: Option<String>,
    /// The sending MTA's queue ID, for a log line.
    pub queue_id: Option<String>,
    /// The original message's From.
    pub original_from: Option<String>,
    /// The original message's Subject.
    pub original_subject: Option<String>,
    /// What it was read from.
    pub format: Format,
    /// Why it bounced.
    pub reason: Reason,
    /// A permanent failure that retrying or waiting will not fix.
    pub hard_bounce: bool,
    /// ARF feedback type, for feedback reports.
    pub feedback_type: Option<String>,
    /// An automatic answer (an RFC 3834 auto-reply, an out-of-office
    /// message), not a report of a failure: the message was delivered, and
    /// someone or something answered it. Printed only when set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub auto_reply: bool,
}

impl Fact {
    /// A transient failure: its enhanced status is 4.x.x, or, without a
    /// status, its reply is 4xx. The status is the more specific of the two.
    pub fn is_temporary(&self) -> bool {
        match &self.status {
            Some(status) => status.is_temporary(),
            None => self.reply_code.is_some_and(ReplyCode::is_temporary),
        }
    }

    /// Fills the derived fields: recipient domain, codes and hosts from the
    /// diagnostic text where the structured fields lacked them, the reason
    /// and hard/soft.
    pub(crate) fn finish(self) -> Self {
        self.finish_with_report(&|| None)
    }

    /// [`Fact::finish`] for a fact of a report that also explains it in
    /// prose: `report_says` gives that prose, which the decision reads only
    /// if it needs it (see `classify::decide`).
    pub(crate) fn finish_with_report(mut self, report_says: &dyn Fn() -> Option<String>) -> Self {
        if let Some(r) = &self.recipient {
            let r = r.trim().trim_matches(|c| c == '<' || c == '>').to_owned();
            self.recipient_domain = r.rsplit_once('@').map(|(_, d)| MailDomain::new(d));
            self.recipient = Some(match r.rsplit_once('@') {
                Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
                None => r,
            });
        }
        self.diagnostic = smtp::join_continuations(&smtp::collapse(&self.diagnostic));
        // The DSN reader has already looked for the command, in the
        // diagnostic and in the prose.
        // One lowercased copy serves the scans and the phrase rules.
        let lowered = smtp::lowered_prefix(&self.diagnostic);
        let found = smtp::scan_lowered(&lowered, self.format != Format::Dsn);
        self.reply_code = self.reply_code.or(found.reply.and_then(ReplyCode::new));
        // The remote server's own status beats the report's rewrite of it
        // (Sendmail reports 4.4.7 or 5.1.1 over a remote 4.7.1 or 5.2.2).
        if let Some(remote) = found.reply_status.as_deref().and_then(crate::types::status) {
            self.status = Some(remote);
        }
        // A status of another class than the reply's is not the reply's
        // own: it sits nested in the provider's diagnostic ("554 … [4.4.7
        // …]") or quotes an earlier attempt.
        let reply_class = self.reply_code.map(|r| r.get() / 100);
        let own_class = |s: &EnhancedStatus| {
            reply_class.is_none_or(|c| s.as_bytes().first() == Some(&(b'0' + c as u8)))
        };
        if self.status.as_ref().is_none_or(EnhancedStatus::is_generic)
            && let Some(s) = found
                .status
                .as_deref()
                .and_then(crate::types::status)
                .filter(|s| !s.is_generic() || self.status.is_none())
                .filter(own_class)
        {
            self.status = Some(s);
        }
        self.command = self.command.or(found.command);
        self.remote_host = self.remote_host.or(found.remote_host);
        self.remote_ip = self.remote_ip.or(found.remote_ip);
        self.sender_ip = self.sender_ip.or(found.sender_ip);
        if self.reason == Reason::Undefined {
            self.reason = classify::classify_lowered(&self, &lowered, report_says);
        }
        self.hard_bounce = classify::is_hard(self.reason, self.status.as_ref(), self.reply_code);
        self
    }
}

/// Parses one input (a message, a log, a reply line). `source` names it in the facts.
pub fn parse_bytes(bytes: &[u8], source: &str) -> Vec<Fact> {
    // Bound the work on hostile input: nothing real is this large.
    const MAX_INPUT: usize = 64 * 1024 * 1024;
    let bytes = &bytes[..bytes.len().min(MAX_INPUT)];
    // Most inputs are messages: decide that from the raw bytes, without
    // converting a head that is then thrown away.
    let raw_head = &bytes[..bytes.len().min(4096)];
    let first_byte = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied()
        .unwrap_or_default();
    // Built once: building a searcher per call cost more than the search.
    static LOG_MARKS: LazyLock<[memchr::memmem::Finder<'static>; 5]> =
        LazyLock::new(|| logline::MARKERS.map(memchr::memmem::Finder::new));
    let maybe_log = LOG_MARKS.iter().any(|mark| mark.find(raw_head).is_some());
    if !maybe_log && !first_byte.is_ascii_digit() {
        return email::parse(bytes, source);
    }
    let head = String::from_utf8_lossy(raw_head);
    if logline::looks_like_log(&head) {
        return logjoin::parse(&String::from_utf8_lossy(bytes), source);
    }
    // A bare reply starts with its code: look at the first line before
    // converting anything more.
    if reply::starts_like_reply(&head)
        && let Some(fact) = reply::bare_reply(
            &String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]),
            source,
        )
    {
        return vec![fact];
    }
    email::parse(bytes, source)
}

/// Parses a pasted SMTP reply with an optional recipient and time.
pub fn parse_reply(reply: &str, recipient: Option<&str>, at: Option<&str>) -> Option<Fact> {
    let mut fact = reply::bare_reply(reply, "reply")?;
    if let Some(r) = recipient {
        fact.recipient = Some(r.to_owned());
        // Decided again: the recipient's domain can change the reading
        // (KDDI's filter reply names no address).
        fact.reason = Reason::Undefined;
        fact = fact.finish();
    }
    fact.timestamp = at.map(str::to_owned);
    Some(fact)
}
