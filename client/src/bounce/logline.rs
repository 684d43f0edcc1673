//! MTA log lines (Postfix, Exim, Sendmail) and a bare SMTP reply pasted on
//! its own.

use std::sync::LazyLock;

use regex::Regex;

use super::{Fact, logtime::LogClock, smtp};

static POSTFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"postfix/(?:smtp|lmtp|local|virtual|pipe|error)\[\d+\]: (?:[0-9A-Za-z]+): to=<([^>]*)>.*?(?:relay=([^\s,]+).*?)?status=(deferred|bounced|sent|expired) \((.*)\)\s*$").unwrap()
});
static EXIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?) \S+ (\*\*|==) (\S+)(?: <([^>]+)>)?(?: [FPRTSU]=\S+)*:? (.*)$").unwrap()
});
static SENDMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sendmail\[\d+\]: \S+: to=<?([^>,\s]+)>?,(?:.*?\brelay=([^,]+),)?(?:.*?\bdsn=([245]\.\d+\.\d+),)?.*?\bstat=(.*)$").unwrap()
});
static REPLY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([245][0-5][0-9])(?:[ \-]([245]\.\d{1,3}\.\d{1,3}))?[ \-]\S").unwrap()
});
static SYSLOG_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))|([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d))").unwrap()
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
        .any(|l| {
            ANY_MTA_LINE.is_match(l)
                || POSTFIX.is_match(l)
                || EXIM.is_match(l)
                || SENDMAIL.is_match(l)
        })
}

/// One fact per deferral or bounce line; delivered lines are skipped.
/// Timestamps the lines leave partial are completed by the system's clock.
pub fn parse(text: &str, source: &str) -> Vec<Fact> {
    parse_with_clock(text, source, &LogClock::system())
}

/// [`parse`], with partial timestamps completed by `clock`.
pub fn parse_with_clock(text: &str, source: &str, clock: &LogClock) -> Vec<Fact> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let src = format!("{source}:{}", n + 1);
        if let Some(c) = POSTFIX.captures(line) {
            if &c[3] == "sent" {
                continue;
            }
            let relay = c.get(2).map(|m| m.as_str().to_owned());
            let (host, ip) = relay.as_deref().map(split_relay).unwrap_or((None, None));
            out.push(
                Fact {
                    source: src,
                    recipient: Some(c[1].to_owned()),
                    action: Some(
                        if &c[3] == "deferred" {
                            "delayed"
                        } else {
                            "failed"
                        }
                        .into(),
                    ),
                    diagnostic: c[4].to_owned(),
                    remote_host: host,
                    remote_ip: ip,
                    timestamp: syslog_time(line, clock),
                    format: "log-postfix",
                    ..Fact::default()
                }
                .finish(),
            );
        } else if let Some(c) = EXIM.captures(line) {
            out.push(
                Fact {
                    source: src,
                    recipient: Some(c.get(4).map_or(&c[3], |m| m.as_str()).to_owned()),
                    action: Some(if &c[2] == "**" { "failed" } else { "delayed" }.into()),
                    diagnostic: c[5].to_owned(),
                    timestamp: clock.exim(&c[1]),
                    format: "log-exim",
                    ..Fact::default()
                }
                .finish(),
            );
        } else if let Some(c) = SENDMAIL.captures(line) {
            let stat = c[4].to_owned();
            if stat.starts_with("Sent") {
                continue;
            }
            let (host, ip) = c
                .get(2)
                .map(|m| split_relay(m.as_str()))
                .unwrap_or((None, None));
            out.push(
                Fact {
                    source: src,
                    recipient: Some(c[1].to_owned()),
                    action: Some(
                        if stat.starts_with("Deferred") {
                            "delayed"
                        } else {
                            "failed"
                        }
                        .into(),
                    ),
                    status: c.get(3).map(|m| m.as_str().to_owned()),
                    diagnostic: stat,
                    remote_host: host,
                    remote_ip: ip,
                    timestamp: syslog_time(line, clock),
                    format: "log-sendmail",
                    ..Fact::default()
                }
                .finish(),
            );
        }
    }
    out
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
            .filter(|h| !h.is_empty()),
            None,
        ),
    }
}

fn syslog_time(line: &str, clock: &LogClock) -> Option<String> {
    let c = SYSLOG_TIME.captures(line)?;
    match (c.get(1), c.get(2)) {
        (Some(precise), _) => Some(precise.as_str().to_owned()),
        (None, Some(traditional)) => clock.traditional_syslog(traditional.as_str()),
        (None, None) => None,
    }
}

/// Whether the first non-empty line starts with a reply code.
pub fn starts_like_reply(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| REPLY_LINE.is_match(l))
}

/// A pasted reply such as `451 4.7.500 Server busy...` (one or more lines,
/// the multi-line `550-` form included).
pub fn bare_reply(text: &str, source: &str) -> Option<Fact> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let c = REPLY_LINE.captures(first)?;
    // A reply is a few lines, not a message with headers.
    if text.lines().count() > 20
        || text
            .lines()
            .any(|l| l.starts_with("Received:") || l.starts_with("From:"))
    {
        return None;
    }
    let reply: u16 = c[1].parse().ok()?;
    let text = smtp::collapse(&text.lines().map(|l| l.trim()).collect::<Vec<_>>().join(" "));
    Some(
        Fact {
            source: source.to_owned(),
            action: Some(if reply >= 500 { "failed" } else { "delayed" }.into()),
            reply_code: Some(reply),
            status: c.get(2).map(|m| m.as_str().to_owned()),
            diagnostic: text,
            format: "smtp-reply",
            ..Fact::default()
        }
        .finish(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_deferral() {
        let line = "Nov 23 10:00:01 mail postfix/smtp[1234]: 4BQ2xY1abc: to=<user@example.net>, relay=mx1.example.net[198.51.100.4]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.500, status=deferred (host mx1.example.net[198.51.100.4] said: 451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761) (in reply to RCPT TO command))";
        assert!(looks_like_log(line));
        let facts = parse(line, "maillog");
        assert_eq!(facts.len(), 1);
        let f = &facts[0];
        assert_eq!(f.recipient.as_deref(), Some("user@example.net"));
        assert_eq!(
            (f.reply_code, f.status.as_deref(), f.command.as_deref()),
            (Some(451), Some("4.7.500"), Some("RCPT"))
        );
        assert_eq!(f.remote_ip, Some("198.51.100.4".parse().unwrap()));
        assert_eq!(f.sender_ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(f.action.as_deref(), Some("delayed"));
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
                f.reply_code,
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
    fn bare_replies() {
        let f = bare_reply(
            "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            "-",
        )
        .unwrap();
        assert_eq!(
            (f.reply_code, f.status.as_deref(), f.reason.as_str()),
            (Some(451), Some("4.7.500"), "ratelimited")
        );
        let g = bare_reply("421-4.7.28 Our system has detected an unusual rate of\n421-4.7.28 unsolicited mail originating from your IP address.", "-").unwrap();
        assert_eq!(g.reason.as_str(), "ratelimited");
        assert!(bare_reply("Hello there", "-").is_none());
    }
}

#[cfg(test)]
mod real_order_tests {
    use super::*;

    #[test]
    fn a_log_that_starts_with_other_lines_is_a_log() {
        let log = "Dec  1 09:00:01 mx1 postfix/pickup[1201]: 4XyZ1A2B3C: uid=1000 from=<taro@example.jp>\nDec  1 09:00:01 mx1 postfix/cleanup[1202]: 4XyZ1A2B3C: message-id=<x@example.jp>\n";
        assert!(ANY_MTA_LINE.is_match(log.lines().next().unwrap()));
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
        let facts = super::super::parse_bytes(log.as_bytes(), "maillog");
        assert_eq!(facts.len(), 1, "{facts:?}");
        assert_eq!(facts[0].status.as_deref(), Some("4.7.500"));
        // Exim's main log starts with arrivals.
        let exim = "2026-12-01 09:00:00 1tQxyz-0001ab-C3 <= taro@example.jp H=(client) [198.51.100.9] P=esmtpa S=1234\n\
2026-12-01 09:00:05 1tQxyz-0001ab-C3 ** someone@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<someone@example.net>: 550 5.1.1 User unknown\n";
        let facts = super::super::parse_bytes(exim.as_bytes(), "mainlog");
        assert_eq!(facts.len(), 1, "{facts:?}");
    }
}
