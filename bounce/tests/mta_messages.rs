//! The failure messages mail servers print, from their own sources and
//! documentation (`tests/golden/mta_messages.toml`: Postfix, Exim — also
//! as Debian configures it —, qmail, Sendmail and its cf rulesets,
//! Courier, OpenSMTPD, dma, Dovecot, Haraka, Exchange and Exchange
//! Online's NDR codes, Domino, Gmail, Yahoo, Yandex, GMX / web.de, Mimecast,
//! Cox, QQ Mail, NetEase, Coremail, security gateways as their vendors
//! document them, and the filters mail servers run: amavisd-new,
//! policyd-spf, OpenDMARC, policyd-weight, rspamd, Mailman). Nothing here
//! was chosen from bounces we were shown; many come from the strings of
//! Debian's packages of these programs or from their source.
//!
//! Each message is read in the layouts it reaches a sender in: an RFC 3464
//! report with its status (every message); with no status field behind the
//! words, as Exim's and Postfix's notices (every permanent failure), in a
//! qmail notice and a Sendmail transcript (every permanent remote reply),
//! and in Exim's delay warning (every temporary failure). Every one must
//! get its reason in each.

use dix_bounce::parse_bytes;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    message: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    mta: String,
    source: String,
    status: String,
    text: String,
    reason: String,
}

/// The report an MTA sends for `m`: a DSN with its status and its words.
fn report(m: &Message) -> String {
    let action = if m.status.starts_with('4') {
        "delayed"
    } else {
        "failed"
    };
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mail.example.jp>\r\n\
To: taro@example.jp\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Date: Wed, 2 Dec 2026 10:00:00 +0900\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain\r\n\
\r\n\
Your message could not be delivered.\r\n\
\r\n\
--b\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mail.example.jp\r\n\
\r\n\
Final-Recipient: rfc822; a@example.net\r\n\
Action: {action}\r\n\
Status: {}\r\n\
Diagnostic-Code: smtp; {}\r\n\
\r\n\
--b--\r\n",
        m.status, m.text
    )
}

/// The failure notice Exim sends (deliver.c's wording, no DSN fields):
/// the address, then — for a remote server's reply — the host and the
/// command the reply answered, then the words. No status field to lean
/// on: the text alone must give the reason.
fn exim_notice(m: &Message) -> String {
    let stage = if is_remote_reply(&m.text) {
        "host mx.example.net [192.0.2.9]\r\n    SMTP error from remote mail server after RCPT TO:<a@example.net>:\r\n    "
    } else {
        ""
    };
    format!(
        "From: Mail Delivery System <Mailer-Daemon@mail.example.jp>\r\n\
To: taro@example.jp\r\n\
Subject: Mail delivery failed: returning message to sender\r\n\
Date: Wed, 2 Dec 2026 10:00:00 +0900\r\n\
X-Failed-Recipients: a@example.net\r\n\
Auto-Submitted: auto-replied\r\n\
\r\n\
This message was created automatically by mail delivery software.\r\n\
\r\n\
A message that you sent could not be delivered to one or more of its\r\n\
recipients. This is a permanent error. The following address(es) failed:\r\n\
\r\n\
  a@example.net\r\n\
    {stage}{}\r\n\
\r\n\
------ This is a copy of the message, including all the headers. ------\r\n\
\r\n\
From: taro@example.jp\r\n\
To: a@example.net\r\n\
Subject: hello\r\n\
\r\n\
hello\r\n",
        m.text
    )
}

/// Whether `text` begins with a reply code ("550 5.1.1 …", "421-…"): a
/// remote server's reply rather than the MTA's own words.
fn is_remote_reply(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 3
        && (b'2'..=b'5').contains(&b[0])
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && matches!(b[3], b' ' | b'-')
}

/// The failure notice qmail-send writes (qmail-send.c and qmail-remote.c's
/// wording): the address in angle brackets, the remote host's reply after
/// "Remote host said:", no header naming the failed address.
fn qmail_notice(m: &Message) -> String {
    format!(
        "From: MAILER-DAEMON@mail.example.jp\r\n\
To: taro@example.jp\r\n\
Subject: failure notice\r\n\
Date: Wed, 2 Dec 2026 10:00:00 +0900\r\n\
\r\n\
Hi. This is the qmail-send program at mail.example.jp.\r\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
This is a permanent error; I've given up. Sorry it didn't work out.\r\n\
\r\n\
<a@example.net>:\r\n\
192.0.2.9 does not like recipient.\r\n\
Remote host said: {}\r\n\
Giving up on 192.0.2.9.\r\n\
\r\n\
--- Below this line is a copy of the message.\r\n\
\r\n\
Return-Path: <taro@example.jp>\r\n\
From: taro@example.jp\r\n\
To: a@example.net\r\n\
Subject: hello\r\n\
\r\n\
hello\r\n",
        m.text
    )
}

/// Sendmail's notice without its DSN part (as old versions and many
/// forwarders leave it): the address, the "(reason: …)" line, and the
/// transcript with the server's reply after "<<<" and Sendmail's own
/// status line for the address.
fn sendmail_notice(m: &Message) -> String {
    let (code, rest) = m.text.split_at(3);
    format!(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.jp>\r\n\
To: <taro@example.jp>\r\n\
Subject: Returned mail: see transcript for details\r\n\
Auto-Submitted: auto-generated (failure)\r\n\
\r\n\
The original message was received at Wed, 2 Dec 2026 10:00:00 +0900\r\n\
from localhost [127.0.0.1]\r\n\
\r\n\
   ----- The following addresses had permanent fatal errors -----\r\n\
<a@example.net>\r\n\
    (reason: {code}{rest})\r\n\
\r\n\
   ----- Transcript of session follows -----\r\n\
... while talking to mx.example.net.:\r\n\
>>> RCPT To:<a@example.net>\r\n\
<<< {code}{rest}\r\n\
{code} <a@example.net>...{rest}\r\n\
\r\n\
   ----- Original message follows -----\r\n\
\r\n\
From: taro@example.jp\r\n\
To: a@example.net\r\n\
\r\n\
hello\r\n"
    )
}

/// Postfix's notice without its DSN part: "<address>: host … said: reply
/// (in reply to … command)", or the MTA's own words after the address.
fn postfix_notice(m: &Message) -> String {
    let said = if is_remote_reply(&m.text) {
        format!(
            "host mx.example.net[192.0.2.9] said: {} (in reply to RCPT TO command)",
            m.text
        )
    } else {
        m.text.clone()
    };
    format!(
        "From: MAILER-DAEMON@mail.example.jp (Mail Delivery System)\r\n\
To: taro@example.jp\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
\r\n\
This is the mail system at host mail.example.jp.\r\n\
\r\n\
I'm sorry to have to inform you that your message could not\r\n\
be delivered to one or more recipients. It's attached below.\r\n\
\r\n\
                   The mail system\r\n\
\r\n\
<a@example.net>: {said}\r\n\
\r\n\
--- Returned message ---\r\n\
From: taro@example.jp\r\n\
To: a@example.net\r\n\
\r\n\
hello\r\n"
    )
}

/// Exim's delay warning (the "Warning: message … delayed" notice that
/// deliver.c's warning template writes): the address, the host, and the
/// reason after "Delay reason:" — the words of a temporary failure with no
/// status field.
fn exim_delay_warning(m: &Message) -> String {
    let reason = if is_remote_reply(&m.text) {
        format!(
            "Delay reason: SMTP error from remote mail server after RCPT TO:<a@example.net>:\r\n    {}",
            m.text
        )
    } else {
        m.text.clone()
    };
    format!(
        "From: Mail Delivery System <Mailer-Daemon@mail.example.jp>\r\n\
To: taro@example.jp\r\n\
Subject: Warning: message 1aBcDe-000123-Xy delayed 24 hours\r\n\
X-Failed-Recipients: a@example.net\r\n\
Auto-Submitted: auto-replied\r\n\
\r\n\
This message was created automatically by mail delivery software.\r\n\
A message that you sent has not yet been delivered to one or more of its\r\n\
recipients after more than 24 hours on the queue on mail.example.jp.\r\n\
\r\n\
The address to which the message has not yet been delivered is:\r\n\
\r\n\
  a@example.net\r\n\
    host mx.example.net [192.0.2.9]\r\n\
    {reason}\r\n\
\r\n\
No action is required on your part. Delivery attempts will continue for\r\n\
some time, and this warning may be repeated at intervals if the message\r\n\
remains undelivered.\r\n"
    )
}

fn table() -> Table {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/mta_messages.toml"
    );
    let table: Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        table.message.len() >= 50,
        "{} messages",
        table.message.len()
    );
    for m in &table.message {
        assert!(
            !m.source.trim().is_empty(),
            "{}: no source for {}",
            m.mta,
            m.text
        );
    }
    table
}

/// Parses `wrap(m)` for each of `messages` (at least `at_least` of them):
/// the first fact of each must carry the message's reason. `layout` names
/// the wrapping in the failure report.
fn assert_reasons<'a>(
    layout: &str,
    messages: impl Iterator<Item = &'a Message>,
    wrap: fn(&Message) -> String,
    at_least: usize,
) {
    let mut tried = 0;
    let mut wrong = Vec::new();
    for m in messages {
        tried += 1;
        let facts = parse_bytes(wrap(m).as_bytes(), "mta_messages");
        let got = facts.first().map(|f| f.reason.as_str().to_owned());
        if got.as_deref() != Some(m.reason.as_str()) {
            wrong.push(format!(
                "{} ({}): {}\n    want {}, got {got:?}",
                m.mta, m.source, m.text, m.reason
            ));
        }
    }
    assert!(tried >= at_least, "{layout}: only {tried} messages");
    assert!(
        wrong.is_empty(),
        "{layout}: {} of {tried} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn permanent(m: &&Message) -> bool {
    m.status.starts_with('5')
}

fn permanent_remote_reply(m: &&Message) -> bool {
    permanent(m) && is_remote_reply(&m.text)
}

#[test]
fn every_documented_message_gets_its_reason() {
    let table = table();
    assert_reasons("DSN", table.message.iter(), report, 50);
}

/// The same words in a prose notice instead of a DSN: every permanent
/// failure as Exim reports it. The reader must find the address and its
/// text even when the reply quotes another address (the sender's).
#[test]
fn every_permanent_failure_also_as_a_prose_notice() {
    let table = table();
    let messages = table.message.iter().filter(permanent);
    assert_reasons("Exim notice", messages, exim_notice, 100);
}

/// Every permanent remote reply as qmail reports it: no header says which
/// address failed, so the reader must tell the recipient's heading from
/// the addresses inside the quoted reply (the sender it refused, the
/// recipient as the server spells it).
#[test]
fn every_permanent_remote_reply_also_in_a_qmail_notice() {
    let table = table();
    let messages = table.message.iter().filter(permanent_remote_reply);
    assert_reasons("qmail notice", messages, qmail_notice, 80);
}

/// Sendmail's and Postfix's notices without their DSN part: the same
/// replies read from the prose alone.
#[test]
fn every_permanent_failure_also_in_sendmail_and_postfix_prose() {
    let table = table();
    let replies = table.message.iter().filter(permanent_remote_reply);
    assert_reasons("Sendmail transcript", replies, sendmail_notice, 80);
    let messages = table.message.iter().filter(permanent);
    assert_reasons("Postfix notice", messages, postfix_notice, 100);
}

/// Every temporary failure as Exim's delay warning reports it: the words
/// alone must give the reason, with no status field behind them.
#[test]
fn every_temporary_failure_also_in_a_delay_warning() {
    let table = table();
    let messages = table.message.iter().filter(|m| m.status.starts_with('4'));
    assert_reasons("Exim delay warning", messages, exim_delay_warning, 50);
}
