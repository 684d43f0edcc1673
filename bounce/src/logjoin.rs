//! The lines of one queued message put together. Postfix writes a
//! message's sender (`qmgr`) and Message-ID (`cleanup`) on lines of their
//! own, before its delivery attempts; Exim and Sendmail write them on the
//! arrival line. [`LogJoin`] remembers each queue ID's envelope until the
//! message leaves the queue, and gives every attempt its sender and
//! Message-ID.

use std::collections::HashMap;

use crate::Fact;
use crate::logline::{self, Attempt, LogLine, Mta};
use crate::logtime::LogClock;

/// What earlier lines said about a queued message.
#[derive(Debug, Clone, Default)]
struct Envelope {
    sender: Option<String>,
    message_id: Option<String>,
}

/// Queue IDs' envelopes, in the order lines are applied.
#[derive(Debug, Default)]
pub struct LogJoin {
    envelopes: HashMap<(Mta, String), Envelope>,
}

/// What one line adds, once joined.
#[derive(Debug)]
pub enum Joined {
    /// An attempt, with the message's sender and Message-ID where known.
    Attempt(Mta, String, Box<Attempt>),
    /// The queue lifetime ran out for the message's waiting recipients.
    Expired(Mta, String, Option<String>),
    /// The message left the queue.
    Removed(Mta, String),
    /// An envelope line: remembered, nothing to report.
    Nothing,
}

impl LogJoin {
    /// Applies one line, in log order.
    pub fn apply(&mut self, line: LogLine) -> Joined {
        match line {
            LogLine::Envelope {
                mta,
                queue_id,
                sender,
                message_id,
            } => {
                let known = self.envelopes.entry((mta, queue_id)).or_default();
                if sender.is_some() {
                    known.sender = sender;
                }
                if message_id.is_some() {
                    known.message_id = message_id;
                }
                Joined::Nothing
            }
            LogLine::Attempt(mta, queue_id, mut attempt) => {
                if let Some(known) = self.envelopes.get(&(mta, queue_id.clone())) {
                    attempt.fact.sender.clone_from(&known.sender);
                    attempt.fact.message_id.clone_from(&known.message_id);
                }
                Joined::Attempt(mta, queue_id, attempt)
            }
            LogLine::Expired(mta, queue_id, at) => Joined::Expired(mta, queue_id, at),
            LogLine::Removed(mta, queue_id) => {
                // A queue ID can be used again once its file is gone.
                self.envelopes.remove(&(mta, queue_id.clone()));
                Joined::Removed(mta, queue_id)
            }
        }
    }

    /// How many messages' envelopes are held (messages still queued at the
    /// end of the log, or whose removal it does not show).
    pub fn held(&self) -> usize {
        self.envelopes.len()
    }
}

/// One fact per deferral or bounce line, with its message's sender and
/// Message-ID. A log that holds no failure at all gives its delivered lines
/// instead: a pasted `status=sent (250 …)` line asks about a message that
/// was accepted (and then, perhaps, quarantined). Timestamps the lines
/// leave partial are completed by the system's clock.
pub fn parse(text: &str, source: &str) -> Vec<Fact> {
    parse_with_clock(text, source, &LogClock::system())
}

/// [`parse`], with partial timestamps completed by `clock`.
pub fn parse_with_clock(text: &str, source: &str, clock: &LogClock) -> Vec<Fact> {
    let mut join = LogJoin::default();
    let mut failures = Vec::new();
    let mut delivered = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(read) = logline::read_line(line, clock) else {
            continue;
        };
        if let Joined::Attempt(_, _, attempt) = join.apply(read) {
            let mut fact = attempt.fact;
            fact.source = format!("{source}:{}", n + 1);
            if attempt.outcome == logline::Outcome::Sent {
                delivered.push(fact);
            } else {
                failures.push(fact);
            }
        }
    }
    if failures.is_empty() {
        delivered.into_iter().map(Fact::finish).collect()
    } else {
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logline::looks_like_log;

    #[test]
    fn postfix_deferral() {
        let line = "Nov 23 10:00:01 mail postfix/smtp[1234]: 4BQ2xY1abc: to=<user@example.net>, relay=mx1.example.net[198.51.100.4]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.500, status=deferred (host mx1.example.net[198.51.100.4] said: 451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761) (in reply to RCPT TO command))";
        assert!(looks_like_log(line));
        let facts = parse(line, "maillog");
        assert_eq!(facts.len(), 1);
        let f = &facts[0];
        assert_eq!(f.recipient.as_deref(), Some("user@example.net"));
        assert_eq!(
            (
                f.reply_code.map(crate::ReplyCode::get),
                f.status.as_deref(),
                f.command.as_deref()
            ),
            (Some(451), Some("4.7.500"), Some("RCPT"))
        );
        assert_eq!(f.remote_ip, Some("198.51.100.4".parse().unwrap()));
        assert_eq!(f.sender_ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(f.action, Some(crate::Action::Delayed));
        assert_eq!(f.queue_id.as_deref(), Some("4BQ2xY1abc"));
        assert!(!f.hard_bounce);
    }

    #[test]
    fn every_log_timestamp_gets_a_year_and_an_offset() {
        let clock = LogClock::new(
            "2026-11-23T03:00:00Z".parse().unwrap(),
            jiff::tz::TimeZone::fixed(jiff::tz::offset(9)),
        );
        let log = "\
Nov 23 10:00:01 mail postfix/smtp[1234]: 4BQ2xY1abc: to=<a@example.net>, relay=mx1.example.net[198.51.100.4]:25, dsn=4.7.0, status=deferred (host mx1.example.net[198.51.100.4] said: 421 4.7.0 Try again later (in reply to end of DATA command))
2026-11-22T23:59:59.123456+00:00 mail postfix/smtp[1235]: 4BQ2xY1abd: to=<b@example.net>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to mx1.example.net[198.51.100.4]:25: Connection timed out)
2026-11-23 10:00:02 1sABCD-000123-EF == c@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<c@example.net>: 451 4.7.1 Greylisted
2026-11-23 10:00:03 +0100 1sABCD-000124-EF ** d@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<d@example.net>: 550 5.1.1 User unknown
Dec 31 23:00:00 mail sendmail[999]: 2ANA01x: to=<e@example.net>, delay=00:00:01, mailer=esmtp, relay=mx.example.net. [198.51.100.9], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.net.
";
        let stamps: Vec<_> = parse_with_clock(log, "maillog", &clock)
            .into_iter()
            .map(|f| f.timestamp)
            .collect();
        assert_eq!(
            stamps,
            [
                Some("2026-11-23T10:00:01+09:00".into()),
                Some("2026-11-22T23:59:59.123456+00:00".into()),
                Some("2026-11-23T10:00:02+09:00".into()),
                Some("2026-11-23T10:00:03+01:00".into()),
                Some("2025-12-31T23:00:00+09:00".into()),
            ]
        );
    }

    #[test]
    fn exim_and_sendmail() {
        let exim = "2026-11-23 10:00:01 1sABCD-000123-EF ** user@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<user@example.net>: 550 5.1.1 User unknown";
        let f = &parse(exim, "x")[0];
        assert_eq!(
            (
                f.reply_code.map(crate::ReplyCode::get),
                f.status.as_deref(),
                f.reason.as_str(),
                f.hard_bounce
            ),
            (Some(550), Some("5.1.1"), "userunknown", true)
        );
        let sendmail = "Nov 23 10:00:01 mail sendmail[999]: 2ANA01x: to=<user@example.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.net. [198.51.100.9], dsn=5.2.2, stat=User unknown";
        let f = &parse(sendmail, "x")[0];
        assert_eq!(
            (f.recipient.as_deref(), f.status.as_deref()),
            (Some("user@example.net"), Some("5.2.2"))
        );
    }

    #[test]
    fn attempts_carry_the_messages_sender_and_message_id() {
        let log = "\
Dec  1 09:00:01 mx1 postfix/pickup[1201]: 4XyZ1A2B3C: uid=1000 from=<taro@example.jp>
Dec  1 09:00:01 mx1 postfix/cleanup[1202]: 4XyZ1A2B3C: message-id=<m1@example.jp>
Dec  1 09:00:01 mx1 postfix/qmgr[1100]: 4XyZ1A2B3C: from=<taro@example.jp>, size=1234, nrcpt=1 (queue active)
Dec  1 09:00:02 mx1 postfix/smtp[1400]: 4XyZ1A2B3C: to=<a@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=4.2.2, status=deferred (host mx.example.net[198.51.100.4] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Dec  1 09:00:03 mx1 postfix/qmgr[1100]: 4XyZ1A2B3C: removed
Dec  1 09:00:04 mx1 postfix/smtp[1401]: 4XyZ1A2B3C: to=<b@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=5.1.1, status=bounced (host mx.example.net[198.51.100.4] said: 550 5.1.1 No such user (in reply to RCPT TO command))
2026-12-01 09:00:00 1tQxyz-0001ab-C3 <= hanako@example.jp H=(client) [198.51.100.9] P=esmtpa S=1234 id=m2@example.jp
2026-12-01 09:00:05 1tQxyz-0001ab-C3 ** c@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<c@example.net>: 550 5.1.1 User unknown
Dec  1 09:00:06 mx1 sendmail[999]: 2ANA01x: from=<jiro@example.jp>, size=100, class=0, nrcpts=1, msgid=<m3@example.jp>, proto=ESMTP
Dec  1 09:00:07 mx1 sendmail[999]: 2ANA01x: to=<d@example.net>, delay=00:00:01, mailer=esmtp, relay=mx.example.net. [198.51.100.9], dsn=5.1.1, stat=User unknown
";
        let facts = parse(log, "maillog");
        let seen: Vec<_> = facts
            .iter()
            .map(|f| (f.sender.as_deref(), f.message_id.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some("taro@example.jp"), Some("m1@example.jp")),
                // After `removed`, the queue ID is a new message's.
                (None, None),
                (Some("hanako@example.jp"), Some("m2@example.jp")),
                (Some("jiro@example.jp"), Some("m3@example.jp")),
            ]
        );
    }

    #[test]
    fn a_log_without_failures_gives_its_deliveries() {
        let line = "Dec  1 09:00:02 mx1 postfix/smtp[1400]: 4XyZ1A2B3C: to=<a@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D)";
        let facts = parse(line, "maillog");
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].action, Some(crate::Action::Delivered));
        assert_eq!(facts[0].reason.as_str(), "delivered");
        assert_eq!(facts[0].reply_code.map(crate::ReplyCode::get), Some(250));
        // With a failure beside it, only the failure is reported.
        let both = format!(
            "{line}\n{}",
            line.replace("dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D)", "dsn=5.1.1, status=bounced (host mx.example.net[198.51.100.4] said: 550 5.1.1 No such user (in reply to RCPT TO command))")
        );
        let facts = parse(&both, "maillog");
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].reason.as_str(), "userunknown");
    }

    #[test]
    fn lines_that_are_not_about_a_queued_message_are_not_read() {
        let clock = LogClock::system();
        for line in [
            "Dec  1 09:00:01 mx1 postfix/smtpd[1300]: connect from unknown[198.51.100.1]",
            "Dec  1 09:00:01 mx1 postfix/smtpd[1300]: NOQUEUE: reject: RCPT from unknown[198.51.100.1]: 554 5.7.1 <a@b>: Relay access denied; from=<x@y> to=<a@b> proto=ESMTP helo=<h>",
            "Dec  1 09:00:01 mx1 postfix/anvil[1301]: statistics: max connection rate 1/60s for (smtp:198.51.100.1) at Dec  1 09:00:01",
            "2026-12-01 09:00:00 SMTP connection from [198.51.100.9]",
            "2026-12-01 09:00:00 Start queue run: pid=123",
            "",
            "postfix",
            "2026-12-01 09:00:00 1tQxyz-0001ab-C3",
        ] {
            assert!(logline::read_line(line, &clock).is_none(), "{line}");
        }
    }
}

#[cfg(test)]
mod real_order_tests {
    use crate::logline::looks_like_log;

    #[test]
    fn a_log_that_starts_with_other_lines_is_a_log() {
        let log = "Dec  1 09:00:01 mx1 postfix/pickup[1201]: 4XyZ1A2B3C: uid=1000 from=<taro@example.jp>\nDec  1 09:00:01 mx1 postfix/cleanup[1202]: 4XyZ1A2B3C: message-id=<x@example.jp>\n";
        assert!(looks_like_log(log));
    }

    /// A day of Postfix log in its real order: the first failure comes after
    /// many lines that are not deliveries.
    #[test]
    fn the_first_failure_may_come_late() {
        let mut log = String::new();
        for i in 0..40 {
            log.push_str(&format!("Dec  1 09:00:{:02} mx1 postfix/smtpd[1300]: connect from unknown[198.51.100.{i}]\n", i % 60));
            log.push_str(&format!("Dec  1 09:00:{:02} mx1 postfix/qmgr[1100]: 4XyZ{i:04}: from=<taro@example.jp>, size=1234, nrcpt=1 (queue active)\n", i % 60));
        }
        log.push_str("Dec  1 09:01:04 mx1 postfix/smtp[1400]: 4XyZ0001: to=<someone@contoso.example>, relay=mx.contoso.example[203.0.113.7]:25, delay=3, dsn=4.7.500, status=deferred (host mx.contoso.example[203.0.113.7] said: 451 4.7.500 Server busy (in reply to RCPT TO command))\n");
        let facts = crate::parse_bytes(log.as_bytes(), "maillog");
        assert_eq!(facts.len(), 1, "{facts:?}");
        assert_eq!(facts[0].status.as_deref(), Some("4.7.500"));
        assert_eq!(facts[0].sender.as_deref(), Some("taro@example.jp"));
        // Exim's main log starts with arrivals.
        let exim = "2026-12-01 09:00:00 1tQxyz-0001ab-C3 <= taro@example.jp H=(client) [198.51.100.9] P=esmtpa S=1234\n\
2026-12-01 09:00:05 1tQxyz-0001ab-C3 ** someone@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<someone@example.net>: 550 5.1.1 User unknown\n";
        let facts = crate::parse_bytes(exim.as_bytes(), "mainlog");
        assert_eq!(facts.len(), 1, "{facts:?}");
    }
}
