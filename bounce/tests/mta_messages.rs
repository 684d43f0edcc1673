//! The failure messages mail servers print, from their own sources and
//! documentation (`tests/golden/mta_messages.toml`: Postfix, Exim, qmail,
//! Sendmail, Courier, OpenSMTPD, dma, Dovecot, Exchange and Exchange
//! Online's NDR codes, Domino, Gmail, Yahoo, Mimecast, Cox, QQ Mail,
//! NetEase, Coremail, and security gateways as their vendors document
//! them), each wrapped in the RFC 3464 report the MTA would send and
//! parsed: every one gets its reason. Unlike the labelled corpus, nothing
//! here was chosen from bounces we were shown.

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

#[test]
fn every_documented_message_gets_its_reason() {
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
    let mut wrong = Vec::new();
    for m in &table.message {
        assert!(
            !m.source.trim().is_empty(),
            "{}: no source for {}",
            m.mta,
            m.text
        );
        let facts = parse_bytes(report(m).as_bytes(), "mta_messages");
        let got = facts.first().map(|f| f.reason.as_str().to_owned());
        if got.as_deref() != Some(m.reason.as_str()) {
            wrong.push(format!(
                "{} ({}): {}\n    want {}, got {got:?}",
                m.mta, m.source, m.text, m.reason
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} wrong:\n{}",
        wrong.len(),
        table.message.len(),
        wrong.join("\n")
    );
}
