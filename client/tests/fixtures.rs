//! Our own fixtures (`tests/fixtures/`, written by us, modelled on real
//! formats), parsed by the `dix parse --json` binary (Japanese ones are in
//! `japanese.rs`): Microsoft's 4.7.500 throttling,
//! Gmail's 421 4.7.28, Yahoo's TSS04, and Postfix, Exim and Sendmail logs;
//! an Exchange Online report that is HTML only, a report with blank lines
//! and CR LF before its headers, a mailing list's refusal of a post; and
//! what is no failure: challenge-response and sender-verification
//! requests, list notices, TLS and DMARC aggregate reports, a phishing
//! lure dressed as a bounce and a mailbox-quota warning.

use std::process::Command;

use serde_json::Value;

#[path = "support/dix.rs"]
mod dix;
use dix::{assert_no_bounce, check, fixture, only, parse, parse_path, parse_path_in_zone};

#[test]
fn microsoft_4_7_500_names_the_sending_ip() {
    let fact = only("microsoft-4.7.500.eml");
    check(
        "microsoft-4.7.500.eml",
        &fact,
        &[
            ("recipient", "customer@outlook.example".into()),
            ("action", "delayed".into()),
            ("reason", "ratelimited".into()),
            ("status", "4.7.500".into()),
            ("reply_code", 451.into()),
            ("sender_ip", "203.0.113.7".into()),
            ("command", "RCPT".into()),
            ("hard_bounce", false.into()),
            (
                "remote_host",
                "outlook-example.mail.protection.outlook.com".into(),
            ),
        ],
    );
}

#[test]
fn gmail_4_7_28_in_an_exim_delay_warning() {
    let fact = only("gmail-4.7.28.eml");
    check(
        "gmail-4.7.28.eml",
        &fact,
        &[
            ("recipient", "reader@gmail.example".into()),
            ("reason", "ratelimited".into()),
            ("status", "4.7.28".into()),
            ("reply_code", 421.into()),
            ("command", "DATA".into()),
            ("remote_host", "gmail-smtp-in.l.google.com".into()),
            ("remote_ip", "192.0.2.27".into()),
            ("hard_bounce", false.into()),
        ],
    );
    // The multi-line reply reads as one sentence.
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("originating from your IP address"),
        "{diagnostic}"
    );
}

#[test]
fn yahoo_tss04() {
    let fact = only("yahoo-tss04.eml");
    check(
        "yahoo-tss04.eml",
        &fact,
        &[
            ("recipient", "friend@yahoo.example".into()),
            ("reason", "badreputation".into()),
            ("status", "4.7.0".into()),
            ("reply_code", 421.into()),
            ("sender_ip", "203.0.113.9".into()),
            ("command", "MAIL".into()),
            ("hard_bounce", false.into()),
        ],
    );
}

#[test]
fn postfix_log_deferrals_and_a_bounce() {
    let facts = parse("postfix.log");
    // Three failures; the delivered line is not one.
    assert_eq!(facts.len(), 3, "{facts:#?}");
    check(
        "postfix.log:1",
        &facts[0],
        &[
            ("recipient", "customer@outlook.example".into()),
            ("action", "delayed".into()),
            ("reason", "ratelimited".into()),
            ("status", "4.7.500".into()),
            ("sender_ip", "203.0.113.7".into()),
            ("remote_ip", "198.51.100.25".into()),
            ("format", "log-postfix".into()),
        ],
    );
    check(
        "postfix.log:2",
        &facts[1],
        &[
            ("recipient", "friend@yahoo.example".into()),
            ("reason", "badreputation".into()),
            ("command", "MAIL".into()),
        ],
    );
    check(
        "postfix.log:3",
        &facts[2],
        &[
            ("recipient", "ghost@example.net".into()),
            ("action", "failed".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.1".into()),
            ("hard_bounce", true.into()),
        ],
    );
    assert!(
        facts[2]["source"]
            .as_str()
            .unwrap()
            .ends_with("postfix.log:3")
    );
}

#[test]
fn log_times_are_read_in_the_zone_tz_names() {
    let times = |name: &str, zone: &str| -> Vec<String> {
        parse_path_in_zone(&fixture(name), Some(zone))
            .iter()
            .map(|f| f["timestamp"].as_str().expect("a timestamp").to_owned())
            .collect()
    };
    // Traditional syslog: no year in the line, so only its shape is fixed.
    let postfix = times("postfix.log", "Asia/Tokyo");
    assert!(
        postfix[0].len() == 25 && postfix[0].ends_with("-11-23T10:00:01+09:00"),
        "{postfix:?}"
    );
    let postfix_utc = times("postfix.log", "UTC");
    assert!(
        postfix_utc[0].ends_with("-11-23T10:00:01+00:00"),
        "{postfix_utc:?}"
    );
    // Exim's own line has its year; the zone gives the offset.
    assert_eq!(
        times("exim.log", "Asia/Tokyo")[0],
        "2026-11-23T10:05:11+09:00"
    );
    assert_eq!(times("exim.log", "UTC")[0], "2026-11-23T10:05:11+00:00");
}

#[test]
fn exim_log_lines() {
    let facts = parse("exim.log");
    assert_eq!(facts.len(), 2, "{facts:#?}");
    check(
        "exim.log:1",
        &facts[0],
        &[
            ("recipient", "reader@gmail.example".into()),
            ("action", "delayed".into()),
            ("reason", "ratelimited".into()),
            ("status", "4.7.28".into()),
            ("remote_host", "gmail-smtp-in.l.google.com".into()),
            ("remote_ip", "192.0.2.27".into()),
            ("format", "log-exim".into()),
        ],
    );
    check(
        "exim.log:2",
        &facts[1],
        &[
            ("recipient", "nobody@example.org"),
            ("action", "failed"),
            ("reason", "userunknown"),
            ("command", "RCPT"),
        ]
        .map(|(k, v)| (k, Value::from(v))),
    );
}

#[test]
fn sendmail_log_lines() {
    let facts = parse("sendmail.log");
    assert_eq!(facts.len(), 2, "{facts:#?}");
    check(
        "sendmail.log:1",
        &facts[0],
        &[
            ("recipient", "user@example.jp".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.1".into()),
            ("remote_host", "mx.example.jp".into()),
            ("remote_ip", "192.0.2.100".into()),
            ("format", "log-sendmail".into()),
        ],
    );
    check(
        "sendmail.log:2",
        &facts[1],
        &[
            ("recipient", "busy@example.com".into()),
            ("action", "delayed".into()),
            ("reason", "requireptr".into()),
            ("status", "4.7.1".into()),
            ("reply_code", 450.into()),
            ("hard_bounce", false.into()),
        ],
    );
}

/// Amazon SES notifications, non-ARF complaints and auto-replies are
/// recognised as what they are; an ordinary message is not a bounce.
#[test]
fn what_is_not_a_dsn() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let ses = write(
        "ses.eml",
        "From: no-reply@sns.amazonaws.com\nTo: ops@example.jp\nSubject: AWS Notification Message\nContent-Type: text/plain\n\n{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"Suppressed\",\"bouncedRecipients\":[{\"emailAddress\":\"gone@example.net\"}]},\"mail\":{\"source\":\"news@example.jp\"}}\n",
    );
    let facts = parse_path(&ses);
    assert_eq!(facts.len(), 1, "{facts:#?}");
    assert_eq!(facts[0]["reason"], "suppressed");
    assert_eq!(facts[0]["format"], "amazonses");
    assert_eq!(facts[0]["recipient"], "gone@example.net");

    let jmrp = write(
        "jmrp.eml",
        "From: staff@hotmail.example\nTo: abuse@example.jp\nSubject: complaint about message from 203.0.113.5\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: message/rfc822\n\nX-HmXmrOriginalRecipient: reader@hotmail.example\nFrom: news@example.jp\nTo: reader@hotmail.example\nSubject: sale\n\nbody\n--b--\n",
    );
    let facts = parse_path(&jmrp);
    assert_eq!(facts.len(), 1, "{facts:#?}");
    assert_eq!(facts[0]["reason"], "feedback");
    assert_eq!(facts[0]["recipient"], "reader@hotmail.example");
    assert_eq!(facts[0]["sender_ip"], "203.0.113.5");

    let letter = write(
        "letter.eml",
        "From: Taro <taro@example.jp>\nTo: hanako@example.jp\nSubject: Re: returned mail?\nContent-Type: text/plain\n\nThe parcel was returned to sender, could not be delivered. Call me.\n",
    );
    // A letter about a returned parcel is no bounce: nothing on stdout, and
    // the command says it read nothing rather than exiting 0 in silence.
    assert_no_bounce(&letter);
}

/// A read receipt (RFC 8098) is a multipart/report too, but nothing failed:
/// no fact, and the command says it found no bounce.
#[test]
fn a_read_receipt_is_no_bounce() {
    assert_no_bounce(&fixture("read-receipt.eml"));
}

#[test]
fn a_failing_local_delivery_program_is_a_mailer_error() {
    // "Diagnostic-Code: x-unix; …": the pipe's exit, whatever it printed
    // ("temporary failure" would otherwise read as a system error).
    let fact = only("pipe-x-unix.eml");
    check(
        "pipe-x-unix.eml",
        &fact,
        &[
            ("recipient", "support@example-hosting.jp".into()),
            ("diagnostic_type", "x-unix".into()),
            ("reason", "mailererror".into()),
            ("status", "4.3.0".into()),
            ("hard_bounce", false.into()),
            ("original_subject", "Invoice question".into()),
        ],
    );
}

#[test]
fn exim_stages_decide_whom_a_refusal_concerns() {
    let facts = parse("exim-stages.eml");
    assert_eq!(facts.len(), 2, "{facts:#?}");
    // Refused at the greeting, in words no rule knows: the connecting host.
    check(
        "exim-stages.eml",
        &facts[0],
        &[
            ("recipient", "orders@wholesale.example.net".into()),
            ("command", "CONN".into()),
            ("reply_code", 554.into()),
            ("remote_ip", "198.51.100.20".into()),
            ("reason", "blocked".into()),
        ],
    );
    // The recipient's server names a missing domain that is not the
    // recipient's: the sender's domain.
    check(
        "exim-stages.eml",
        &facts[1],
        &[
            ("recipient", "kana@partner.example.org".into()),
            ("command", "DATA".into()),
            ("reply_code", 553.into()),
            ("reason", "rejected".into()),
            ("hard_bounce", false.into()),
        ],
    );
}

#[test]
fn readable_output_names_the_remote_host_and_its_address() {
    let path = format!(
        "{}/tests/fixtures/gmail-4.7.28.eml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(["parse", &path])
        .output()
        .expect("dix runs");
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        shown.contains("remote       gmail-smtp-in.l.google.com [192.0.2.27]"),
        "{shown}"
    );
}

#[test]
fn a_connection_failure_the_report_stopped_retrying_has_expired() {
    // Status 4.0.0 and "421 connection timed out" in a failure report whose
    // transcript says "could not be delivered for 5 days".
    let fact = only("sendmail-gave-up.eml");
    check(
        "sendmail-gave-up.eml",
        &fact,
        &[
            ("recipient", "noc@partner.example.net".into()),
            ("status", "4.0.0".into()),
            ("reply_code", 421.into()),
            ("reason", "expired".into()),
            ("hard_bounce", false.into()),
        ],
    );
}

#[test]
fn qmail_says_when_the_sender_was_refused() {
    let facts = parse("qmail-sender-rejected.eml");
    assert_eq!(facts.len(), 2, "{facts:#?}");
    // "… but sender was rejected": the refusal is of the sender, whatever
    // "Access denied" would mean elsewhere.
    check(
        "qmail-sender-rejected.eml",
        &facts[0],
        &[
            ("recipient", "yuki@client.example.org".into()),
            ("command", "MAIL".into()),
            ("status", "5.7.1".into()),
            ("reason", "rejected".into()),
        ],
    );
    // The remote's own words about reputation still come first.
    check(
        "qmail-sender-rejected.eml",
        &facts[1],
        &[
            ("recipient", "ken@client.example.org".into()),
            ("command", "MAIL".into()),
            ("reason", "badreputation".into()),
        ],
    );
}

#[test]
fn a_reason_stated_above_the_address_with_the_copy_after_a_heading() {
    // "reject reason: …" then "target mail address: …", then the copy of
    // the message under a heading alone on its line ("bounced E-Mail:"):
    // the copy's headers ("Content-Type") are not the reason.
    let fact = only("notice-reason-above-address.eml");
    check(
        "notice-reason-above-address.eml",
        &fact,
        &[
            ("recipient", "anna@example-provider.de".into()),
            ("reason", "mailboxfull".into()),
            ("hard_bounce", false.into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("reject reason: Mailbox full") && !diagnostic.contains("Content-Type"),
        "{diagnostic}"
    );
}

#[test]
fn delivery_status_fields_inside_a_quoted_printable_text_part_are_decoded() {
    // No message/delivery-status part: the fields are in a text part whose
    // quoted-printable soft breaks cut "expi=" / "red" and "a27=" / "-130".
    let fact = only("dsn-fields-in-quoted-printable.eml");
    check(
        "dsn-fields-in-quoted-printable.eml",
        &fact,
        &[
            ("recipient", "takumi@partner.example.org".into()),
            ("reporting_mta", "out-7.mail-out.example-cloud.net".into()),
            // The remote's own status inside the expiry notice.
            ("status", "4.4.2".into()),
            ("reason", "expired".into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("Message expired: unable to deliver in 840 minutes"),
        "{diagnostic}"
    );
}

#[test]
fn an_exchange_online_report_whose_only_content_is_html() {
    // The text/plain alternative is empty; the report's table is HTML.
    let fact = only("exchange-online-html-only.eml");
    check(
        "exchange-online-html-only.eml",
        &fact,
        &[
            ("recipient", "hanako@contoso.example".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.10".into()),
            ("reply_code", 550.into()),
            ("hard_bounce", true.into()),
            ("original_subject", "Meeting on Friday".into()),
        ],
    );
    let diagnostic = fact["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.starts_with("Reported error: 550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
        "the labelled reply comes first: {diagnostic}"
    );
}

#[test]
fn blank_lines_and_cr_lf_before_the_headers_do_not_hide_a_bounce() {
    let fact = only("leading-blank-lines-crlf.eml");
    check(
        "leading-blank-lines-crlf.eml",
        &fact,
        &[
            ("recipient", "jiro@example.net".into()),
            ("reason", "userunknown".into()),
            ("status", "5.1.1".into()),
            ("command", "RCPT".into()),
            // The headers were read as headers: the report's date.
            ("timestamp", "2026-12-02T10:05:00+09:00".into()),
        ],
    );
}

#[test]
fn challenge_response_and_sender_verification_requests_are_not_failures() {
    for name in ["challenge-response.eml", "whitelist-request.eml"] {
        assert_no_bounce(&fixture(name));
    }
}

/// What mailing lists and receivers send automatically that is no report
/// of a failed delivery: Mailman 3's "held for moderation" notice and its
/// "subscription disabled by bounces" warning (both talk of bounces and
/// delivery problems), an SMTP TLS report (RFC 8460: a multipart/report,
/// but report-type=tlsrpt) and a DMARC aggregate report (RFC 7489 §7.2).
#[test]
fn list_notices_and_aggregate_reports_are_not_bounces() {
    for name in [
        "mailman-held.eml",
        "mailman-disabled.eml",
        "tlsrpt.eml",
        "dmarc-aggregate.eml",
    ] {
        assert_no_bounce(&fixture(name));
    }
}

/// Bounce words with nothing a bounce carries — no failed address, no
/// server reply or status, no copy of a message that was sent: a
/// phishing lure dressed as a delivery failure ("4 incoming messages were
/// not delivered … click here"), and a server's warning that one's own
/// mailbox is nearly full.
#[test]
fn bounce_words_without_a_delivery_are_not_a_bounce() {
    for name in ["phishing-fake-bounce.eml", "quota-warning.eml"] {
        assert_no_bounce(&fixture(name));
    }
}

/// Mailman 3 refusing a post (`list:user:notice:rejected`): sent from the
/// list's owner address under the post's own subject, so only its layout
/// says what it is; the reason is the list's rule it names.
#[test]
fn a_mailing_list_refusing_a_post_is_a_refusal() {
    let fact = only("mailman-rejected.eml");
    check(
        "mailman-rejected.eml",
        &fact,
        &[
            ("recipient", "announce@lists.example.org".into()),
            ("reason", "rejected".into()),
            ("original_subject", "Quarterly results".into()),
            ("message_id", "<q4@example.jp>".into()),
        ],
    );
}

#[test]
fn postfix_gives_its_own_status_where_the_text_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("maillog");
    std::fs::write(
        &log,
        "Dec  2 09:00:01 mx postfix/smtp[100]: 4A1B2C3D4E: to=<a@nonexistent.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nonexistent.example type=A: Host not found)\n\
Dec  2 09:00:02 mx postfix/smtp[100]: 4A1B2C3D4F: to=<a@slow.example>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.slow.example[192.0.2.9]:25: Connection timed out)\n\
Dec  2 09:00:03 mx postfix/smtp[100]: 4A1B2C3D50: to=<a@n.example>, relay=mx.n.example[192.0.2.26]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.n.example[192.0.2.26] said: 554 5.7.1 <mail.example.jp>: Helo command rejected: Host not found (in reply to RCPT TO command))\n",
    )
    .unwrap();
    let facts = parse_path(log.to_str().unwrap());
    let got: Vec<(&str, &str)> = facts
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap_or("-"),
                f["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("5.4.4", "hostunknown"),
            ("4.4.1", "networkerror"),
            ("5.7.1", "blocked")
        ],
        "{facts:#?}"
    );
}
