//! No input panics the bounce parser: truncated and mutated real-looking
//! messages, prose notices built from the pieces the reader slices at,
//! arbitrary bytes, and oversized messages and header lines.

use dix_bounce::parse_bytes;
use proptest::prelude::*;

const DSN: &str = "From: MAILER-DAEMON@mx.example.jp\r\nTo: sender@example.jp\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B%a!<%k$rG[?.$G$-$^$;$s$G$7$?\x1b(B\r\n<user@example.net>: host mx.example.net[198.51.100.4] said: 550 5.1.1 User unknown (in reply to RCPT TO command)\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; user@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: sender@example.jp\r\nTo: user@example.net\r\nSubject: hello\r\n\r\nbody\r\n--B--\r\n";

#[test]
fn the_fixture_parses() {
    let facts = parse_bytes(DSN.as_bytes(), "fixture");
    assert_eq!(facts.len(), 1);
    assert_eq!(
        (facts[0].recipient.as_deref(), facts[0].reason.as_str()),
        (Some("user@example.net"), "userunknown")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn truncated(cut in 0usize..DSN.len()) {
        let _ = parse_bytes(&DSN.as_bytes()[..cut], "t");
    }

    #[test]
    fn mutated(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = DSN.as_bytes().to_vec();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let _ = parse_bytes(&bytes, "m");
    }

    /// A prose notice (no DSN part) whose failed-address lines are made of
    /// the pieces its reader slices at — codes, addresses, "from:", "<",
    /// multi-byte text — in any order: the address and quoted-reply
    /// checks cut lines at byte offsets.
    #[test]
    fn prose_notice_lines(lines in proptest::collection::vec(
        proptest::collection::vec(prop::sample::select(vec![
            "550 ", "4.7.1 ", "a@example.net", "<b@example.jp>", "MAIL FROM:", "from:<",
            "said: ", "<<< ", "(reason: ", "日本語", "é", " ", "-", ":", "5", "@",
        ]), 0..12),
        1..8,
    )) {
        let body: String = lines.iter().map(|l| l.concat() + "\r\n").collect();
        let notice = format!(
            "From: MAILER-DAEMON@mx.example.jp\r\nTo: sender@example.jp\r\nSubject: failure notice\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n{body}"
        );
        let _ = parse_bytes(notice.as_bytes(), "p");
    }

    #[test]
    fn arbitrary(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_bytes(&bytes, "a");
    }
}

#[test]
fn huge_inputs_complete() {
    let mut big = DSN.replace("body\r\n", "").into_bytes();
    big.extend(std::iter::repeat_n(b'x', 20 * 1024 * 1024));
    let _ = parse_bytes(&big, "20mb");
    let long_header = format!("Subject: {}\r\n{DSN}", "a".repeat(1024 * 1024));
    let _ = parse_bytes(long_header.as_bytes(), "1mb-header");
    let many_addresses = format!(
        "From: MAILER-DAEMON@x.example\r\nSubject: Undelivered\r\n\r\n{}",
        "<a@b.example> 550 user unknown\n".repeat(50_000)
    );
    let _ = parse_bytes(many_addresses.as_bytes(), "addresses");
}

/// mail-parser 0.11.9 panics ("Invalid part ID, could not find multipart")
/// on nested message/rfc822 parts under a malformed multipart, found by the
/// `bounce` fuzz target. The parser contains the panic and reports no facts.
#[test]
fn a_mail_parser_panic_is_contained() {
    let input = b"\0\x000\nContent-Type: multipart/;\n\tboundary=\"b0undary.1/host.example\"\n\n\n--b0undary.1/host.example-tail\nContent-Type: message/rfc822\n\nQ\nContent-Type: message/rfc822\nZ)\n\nhello\n\n--b0undary.1/host.example--\n";
    let facts = parse_bytes(input, "nested");
    assert!(facts.is_empty());
}
