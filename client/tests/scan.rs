//! `dix scan` from the library side: a generated day of Postfix log in its
//! real order is joined into messages and summarised; the counts must be
//! the ones the generator wrote.

#[path = "support/maillog.rs"]
mod maillog;

use dix_client::scan::{Options, scan};

#[test]
fn a_generated_day_is_counted_message_by_message() {
    let mut log = String::new();
    let written = maillog::generate(60_000, 7, &mut log);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("maillog");
    std::fs::write(&path, &log).unwrap();
    // A small block size is not settable; two threads and a big file still
    // cross many block boundaries (2 MiB each).
    let mut options = Options::new();
    options.threads = 2;
    let result = scan(&[path], &options);
    let s = &result.summary;
    assert_eq!(result.inputs[0].units, written.lines);
    assert_eq!(s.messages, written.messages, "{:?}", written);
    let still_waiting =
        written.messages - written.delivered_first_time - written.delivered_later - written.bounced;
    assert_eq!(s.delivered, written.delivered_first_time);
    assert_eq!(
        s.with_failures,
        written.delivered_later + written.bounced + still_waiting
    );
    let later: u64 = s.groups.iter().map(|g| g.delivered_later).sum();
    assert_eq!(later, written.delivered_later);
    let bounced: u64 = s
        .groups
        .iter()
        .filter(|g| g.reason == "userunknown")
        .map(|g| g.returned)
        .sum();
    assert_eq!(bounced, written.bounced);
    let waiting: u64 = s.groups.iter().map(|g| g.still_deferred).sum();
    assert_eq!(waiting, still_waiting);
    // Every deferral is an attempt of a message counted once.
    let attempts: u64 = s.groups.iter().map(|g| g.attempts).sum();
    assert_eq!(
        attempts,
        written.deferrals + written.delivered_later + written.bounced
    );
    // The deferrals of one reply are one reply, whatever its session id.
    let throttled = s
        .groups
        .iter()
        .find(|g| g.domain == "gmail.com" && g.still_deferred + g.delivered_later > 0)
        .expect("a gmail.com deferral group");
    assert_eq!(
        throttled.top_replies.len(),
        1,
        "{:?}",
        throttled.top_replies
    );
    assert!(
        throttled.top_replies[0]
            .text
            .starts_with("421 4.7.0 Try again later")
    );
    assert!(throttled.first_seen <= throttled.last_seen);
}

#[test]
fn rotated_and_compressed_files_are_one_stream() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // The deferral is in yesterday's rotated, compressed file; the delivery
    // in today's.
    let yesterday = "Nov 30 23:59:00 mx1 postfix/cleanup[1]: 4TAAAA0001: message-id=<m1@example.jp>\n\
Nov 30 23:59:00 mx1 postfix/qmgr[2]: 4TAAAA0001: from=<taro@example.jp>, size=100, nrcpt=1 (queue active)\n\
Nov 30 23:59:01 mx1 postfix/smtp[3]: 4TAAAA0001: to=<a@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=4.7.1, status=deferred (host mx.example.net[198.51.100.4] said: 450 4.7.1 Greylisted, try again in 5 minutes (in reply to RCPT TO command))\n";
    let today = "Dec  1 00:05:01 mx1 postfix/smtp[3]: 4TAAAA0001: to=<a@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=360, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n\
Dec  1 00:05:01 mx1 postfix/qmgr[2]: 4TAAAA0001: removed\n";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(yesterday.as_bytes()).unwrap();
    // Named without .gz: gzip is known by its bytes.
    std::fs::write(dir.path().join("maillog.1"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("maillog"), today).unwrap();
    // Given newest first, read oldest first.
    let result = scan(
        &[dir.path().join("maillog"), dir.path().join("maillog.1")],
        &Options::new(),
    );
    assert_eq!(
        result.inputs[0].path,
        dir.path().join("maillog.1").display().to_string()
    );
    let s = &result.summary;
    assert_eq!(s.messages, 1);
    let g = &s.groups[0];
    assert_eq!(
        (g.domain.as_str(), g.messages, g.delivered_later, g.attempts),
        ("example.net", 1, 1, 2)
    );
    assert_eq!(g.sample.sender.as_deref(), Some("taro@example.jp"));
    assert_eq!(g.sample.message_id.as_deref(), Some("m1@example.jp"));
}
