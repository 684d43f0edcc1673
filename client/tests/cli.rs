//! The `dix` binary from the outside: keygen → notice new → sign → verify,
//! and the failures an operator will meet.

use std::path::Path;
use std::process::{Command, Output};

/// A template with every placeholder written over.
fn fill(template: &str) -> String {
    dix_client::template::PLACEHOLDERS
        .iter()
        .fold(template.to_owned(), |t, p| {
            t.replace(p, "Written by the operator.")
        })
}

fn dix(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(args)
        .output()
        .expect("dix runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The record text from a `name. IN TXT "..."` line.
fn record_of(zone_line: &str) -> String {
    zone_line
        .trim()
        .split_once("TXT \"")
        .unwrap()
        .1
        .trim_end_matches('"')
        .to_owned()
}

fn keygen(dir: &Path, issuer: &str, selector: &str) -> (String, String) {
    let key = dir.join(format!("{selector}.dixkey")).display().to_string();
    let out = dix(&[
        "keygen",
        "--issuer",
        issuer,
        "--selector",
        selector,
        "--out",
        &key,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    assert!(
        line.starts_with(&format!(
            "{selector}._dix.{issuer}. IN TXT \"v=DIX1; k=ed25519; p="
        )),
        "{line}"
    );
    (key, record_of(&line))
}

#[test]
fn keygen_sign_verify_round_trip_and_a_changed_character_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (key, record) = keygen(dir.path(), "example-isp.jp", "s2026");

    let new = dix(&[
        "notice",
        "new",
        "--key",
        &key,
        "--kind",
        "throttling",
        "--seq",
        "1042",
    ]);
    assert!(new.status.success(), "{}", text(&new.stderr));
    let draft = dir.path().join("draft.json");
    // The template's placeholders cannot be signed.
    std::fs::write(&draft, text(&new.stdout)).unwrap();
    let unfinished = dix(&["notice", "sign", draft.to_str().unwrap(), "--key", &key]);
    assert!(
        !unfinished.status.success()
            && text(&unfinished.stderr).contains("summary.en: (describe what is happening)"),
        "{}",
        text(&unfinished.stderr)
    );
    std::fs::write(
        &draft,
        fill(&text(&new.stdout).replace(
            "(describe what is happening)",
            "Inbound MX overloaded; we are deferring mail.",
        )),
    )
    .unwrap();

    let signed = dix(&["notice", "sign", draft.to_str().unwrap(), "--key", &key]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let signed_path = dir.path().join("signed.json");
    std::fs::write(&signed_path, &signed.stdout).unwrap();
    assert!(text(&signed.stdout).contains("\"seq\":1042"));

    let ok = dix(&[
        "notice",
        "verify",
        signed_path.to_str().unwrap(),
        "--record",
        &record,
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).starts_with("verified: issuer example-isp.jp key s2026 seq 1042"),
        "{}",
        text(&ok.stdout)
    );

    // The same with the bare public key.
    let pubkey = record.rsplit_once("p=").unwrap().1;
    assert!(
        dix(&[
            "notice",
            "verify",
            signed_path.to_str().unwrap(),
            "--pubkey",
            pubkey
        ])
        .status
        .success()
    );

    // One character changed: rejected, and the reason says the signature does not match.
    let tampered = dir.path().join("tampered.json");
    std::fs::write(
        &tampered,
        text(&signed.stdout).replacen("overloaded", "overloadex", 1),
    )
    .unwrap();
    let bad = dix(&[
        "notice",
        "verify",
        tampered.to_str().unwrap(),
        "--record",
        &record,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert!(
        err.contains("signature_mismatch")
            && err.contains("signature does not match the key at s2026._dix.example-isp.jp"),
        "{err}"
    );
}

#[test]
fn verify_rejects_another_issuers_key_and_revoked_records() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "example-isp.jp", "s2026");
    let (_, other_record) = keygen(dir.path(), "example.net", "s1");
    let draft = dir.path().join("d.json");
    std::fs::write(
        &draft,
        fill(&text(
            &dix(&[
                "notice", "new", "--key", &key, "--kind", "outage", "--seq", "1",
            ])
            .stdout,
        )),
    )
    .unwrap();
    let signed = dir.path().join("s.json");
    std::fs::write(
        &signed,
        dix(&["notice", "sign", draft.to_str().unwrap(), "--key", &key]).stdout,
    )
    .unwrap();

    let wrong = dix(&[
        "notice",
        "verify",
        signed.to_str().unwrap(),
        "--record",
        &other_record,
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stderr).contains("signature_mismatch"));

    let revoked = dix(&[
        "notice",
        "verify",
        signed.to_str().unwrap(),
        "--record",
        "v=DIX1; k=ed25519; p=",
    ]);
    assert_eq!(revoked.status.code(), Some(1));
    assert!(
        text(&revoked.stderr).contains("revoked_key"),
        "{}",
        text(&revoked.stderr)
    );
}

#[test]
fn sign_refuses_invalid_notices_and_mismatched_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "example-isp.jp", "s2026");
    let (other_key, _) = keygen(dir.path(), "example.net", "s1");
    let draft = dir.path().join("d.json");
    let template = text(
        &dix(&[
            "notice",
            "new",
            "--key",
            &key,
            "--kind",
            "throttling",
            "--seq",
            "5",
        ])
        .stdout,
    );
    let template = fill(&template);
    std::fs::write(&draft, &template).unwrap();

    let mismatch = dix(&[
        "notice",
        "sign",
        draft.to_str().unwrap(),
        "--key",
        &other_key,
    ]);
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(
        text(&mismatch.stderr).contains("the notice names issuer example-isp.jp and key s2026"),
        "{}",
        text(&mismatch.stderr)
    );

    std::fs::write(&draft, template.replace("\"throttling\"", "\"spam_wave\"")).unwrap();
    let invalid = dix(&["notice", "sign", draft.to_str().unwrap(), "--key", &key]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        text(&invalid.stderr).contains("invalid_value: kind: unknown variant `spam_wave`"),
        "{}",
        text(&invalid.stderr)
    );

    let missing = dix(&["notice", "sign", "/nonexistent/notice.json", "--key", &key]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("/nonexistent/notice.json"));
}

#[test]
fn keygen_never_overwrites_and_help_works() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "example-isp.jp", "s2026");
    let before = std::fs::read(&key).unwrap();
    let again = dix(&[
        "keygen",
        "--issuer",
        "example-isp.jp",
        "--selector",
        "s2026",
        "--out",
        &key,
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read(&key).unwrap(), before);

    let help = dix(&["--help"]);
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("keygen"));
    assert_eq!(
        dix(&[
            "keygen",
            "--issuer",
            "not a domain",
            "--selector",
            "s",
            "--out",
            "x"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn explain_reads_a_bounce_file_offline() {
    let dir = tempfile::tempdir().unwrap();
    let bounce = dir.path().join("bounce.eml");
    std::fs::write(
        &bounce,
        "From: MAILER-DAEMON@mx.example.jp\r\nTo: sender@example.jp\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n\
<friend@gmail.com>: host gmail-smtp-in.l.google.com[192.0.2.1] said: 552-5.2.2 The recipient's inbox is out of storage space. (in reply to RCPT TO command)\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; friend@gmail.com\r\nAction: failed\r\nStatus: 5.2.2\r\n\
Remote-MTA: dns; gmail-smtp-in.l.google.com\r\nDiagnostic-Code: smtp; 552-5.2.2 The recipient's inbox is out of storage space.\r\n--B--\r\n",
    )
    .unwrap();
    let out = dix(&["explain", bounce.to_str().unwrap(), "--lang", "en"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    // The cause in words, never the internal reason name.
    assert!(
        shown.contains("friend@gmail.com")
            && shown.contains("(mailbox full)")
            && !shown.contains("mailboxfull"),
        "{shown}"
    );
    assert!(shown.contains("Who must act: The recipient\n"), "{shown}");
    // Where the answer came from is said before the reply, never inside
    // or right after the text to paste.
    let note = shown.find("No node given").expect("the provenance note");
    let start = shown
        .find("Reply to the customer (begin)")
        .expect("the reply's start");
    let end = shown
        .find("Reply to the customer (end)")
        .expect("the reply's end");
    assert!(note < start && start < end, "{shown}");
    assert!(shown[start..end].contains("full"), "{shown}");
    assert!(shown[end..].lines().count() <= 2, "{shown}");
    let ja = text(&dix(&["explain", bounce.to_str().unwrap(), "--lang", "ja"]).stdout);
    assert!(
        ja.contains("誰が対応するか：受信者\n") && ja.contains("メールボックスの容量が一杯です"),
        "{ja}"
    );
    assert!(
        !ja.contains(": "),
        "half-width colons in the Japanese answer: {ja}"
    );
}

#[test]
fn key_rotation_prints_the_records_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen(dir.path(), "example-isp.jp", "s2026");
    let next = dir.path().join("s2027.dixkey");
    let out = dix(&[
        "key",
        "rotate",
        "--key",
        &key,
        "--selector",
        "s2027",
        "--out",
        next.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let publish = shown
        .find("s2027._dix.example-isp.jp. IN TXT \"v=DIX1; k=ed25519; p=")
        .expect(&shown);
    let keep = shown
        .find("Keep the current record (s2026._dix.example-isp.jp)")
        .expect(&shown);
    assert!(publish < keep, "{shown}");
    assert!(
        !shown.contains("p=\""),
        "a retirement revokes nothing: {shown}"
    );
    // The new key file signs for the same issuer under the new selector.
    let template = text(
        &dix(&[
            "notice",
            "new",
            "--key",
            next.to_str().unwrap(),
            "--kind",
            "outage",
            "--seq",
            "1",
        ])
        .stdout,
    );
    assert!(
        template.contains("\"key\": \"s2027\"")
            && template.contains("\"issuer\": \"example-isp.jp\""),
        "{template}"
    );
    // A compromised key is revoked with an empty p=.
    let third = dir.path().join("s2028.dixkey");
    let out = dix(&[
        "key",
        "rotate",
        "--key",
        next.to_str().unwrap(),
        "--selector",
        "s2028",
        "--out",
        third.to_str().unwrap(),
        "--compromised",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("s2027._dix.example-isp.jp. IN TXT \"v=DIX1; k=ed25519; p=\""),
        "{}",
        text(&out.stdout)
    );
    // Refusals: the same selector, an existing file.
    let same = dix(&[
        "key",
        "rotate",
        "--key",
        &key,
        "--selector",
        "s2026",
        "--out",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert!(!same.status.success() && text(&same.stderr).contains("must differ"));
    let again = dix(&[
        "key",
        "rotate",
        "--key",
        &key,
        "--selector",
        "s2029",
        "--out",
        next.to_str().unwrap(),
    ]);
    assert!(
        !again.status.success() && text(&again.stderr).contains("refusing to overwrite"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn scan_summarises_logs_and_bounces_and_fails_on_nothing() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // A rotated, compressed Postfix log and a folder of .eml bounces.
    let log = std::fs::read(fixtures.join("postfix.log")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&log).unwrap();
    std::fs::write(dir.path().join("maillog.1.gz"), gz.finish().unwrap()).unwrap();
    let bounces = dir.path().join("bounces");
    std::fs::create_dir(&bounces).unwrap();
    std::fs::copy(
        fixtures.join("microsoft-4.7.500.eml"),
        bounces.join("a.eml"),
    )
    .unwrap();
    let gz_path = dir.path().join("maillog.1.gz").display().to_string();
    let bounce_dir = bounces.display().to_string();

    let out = dix(&["scan", "--lang", "en", &gz_path, &bounce_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Piped: no progress bar, nothing on stderr.
    assert_eq!(text(&out.stderr), "");
    let table = text(&out.stdout);
    assert!(table.contains("Read 2 input(s) (1 log(s), "), "{table}");
    assert!(
        table.contains("example.net") && table.contains("userunknown"),
        "{table}"
    );

    let out = dix(&["scan", "--json", &gz_path, &bounce_dir]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["log", "mail"]);
    assert!(doc["summary"]["groups"].as_array().unwrap().len() >= 3);

    let out = dix(&["scan", "--csv", &gz_path]);
    assert!(out.status.success());
    let csv = text(&out.stdout);
    assert!(
        csv.starts_with("domain,reason,messages,hard,soft,"),
        "{csv}"
    );
    // A reply with a comma is quoted.
    assert!(
        csv.lines().skip(1).all(|l| l.split(',').count() >= 14),
        "{csv}"
    );

    let out = dix(&["scan", "--messages", "--json", &gz_path]);
    assert!(out.status.success());
    let messages: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!messages.is_empty());
    assert!(
        messages
            .iter()
            .all(|m| m["attempts"].as_u64() >= Some(1) && m["failure"].is_object())
    );

    // Nothing readable: said on stderr, exit 1, for each such input.
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello\nworld\n").unwrap();
    let junk = junk.display().to_string();
    let out = dix(&["scan", &junk]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("junk.txt: nothing read"),
        "{}",
        text(&out.stderr)
    );
    // With one good input, the run succeeds and still names the empty one.
    let out = dix(&["scan", &junk, &gz_path]);
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("junk.txt: nothing read"));
    // A missing file is an error.
    let out = dix(&["scan", "/nonexistent/maillog"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/maillog"));
}

#[test]
fn key_record_prints_keygens_line_again_and_kinds_take_both_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("s2026.dixkey");
    let key = key.to_str().unwrap();
    let first = dix(&[
        "keygen",
        "--issuer",
        "example-isp.jp",
        "--selector",
        "s2026",
        "--out",
        key,
    ]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let again = dix(&["key", "record", "--key", key]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), text(&first.stdout));
    // As the CLI spells a kind, and as the notice's JSON does.
    for kind in ["blocklist-listing", "blocklist_listing", "policy_change"] {
        let new = dix(&["notice", "new", "--key", key, "--kind", kind, "--seq", "1"]);
        assert!(new.status.success(), "{kind}: {}", text(&new.stderr));
    }
}

#[test]
fn completions_man_pages_and_version_on_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = dix(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(
            script.contains("keygen") && script.contains("summary-ja"),
            "{shell}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("man1");
    let out = dix(&["man", "--out", man.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(man.join("dix.1")).unwrap();
    assert!(page.contains(".TH dix"), "{page}");
    let sub = std::fs::read_to_string(man.join("dix-notice-update.1")).unwrap();
    assert!(sub.contains("keep\\-other\\-language"), "{sub}");
    // -V on a subcommand, as on dix itself.
    let version = dix(&["notice", "publish", "-V"]);
    assert!(version.status.success(), "{}", text(&version.stderr));
    assert!(text(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}

/// A Postfix log of one afternoon: refusals Postfix returned, whose
/// Microsoft trailing diagnostics differ, and many different replies of
/// one domain.
fn afternoon_log() -> String {
    let mut log = String::new();
    let mut line = |l: String| {
        log.push_str(&l);
        log.push('\n');
    };
    // Two messages, the second to two recipients.
    for (q, users) in [("5A00000000", &[0][..]), ("5A00000001", &[1, 2][..])] {
        line(format!(
            "Dec  7 14:00:01 out1 postfix/qmgr[900]: {q}: from=<shop@example.jp>, size=2100, nrcpt={} (queue active)",
            users.len()
        ));
        for i in users {
            line(format!(
                "Dec  7 14:0{i}:02 out1 postfix/smtp[901]: {q}: to=<user{i}@outlook.com>, relay=outlook-com.olc.protection.outlook.com[52.101.1.{i}]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host outlook-com.olc.protection.outlook.com[52.101.1.{i}] said: 550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). [SN1NAM02FT0{i}1.eop-nam02.prod.protection.outlook.com 2026-12-07T05:0{i}:02.123Z 08DE1A2B3C4D5E{i}F] (in reply to MAIL FROM command))"
            ));
        }
        line(format!(
            "Dec  7 14:03:03 out1 postfix/qmgr[900]: {q}: removed"
        ));
    }
    for i in 0..5 {
        let q = format!("6B{i:08X}");
        line(format!(
            "Dec  7 14:1{i}:01 out1 postfix/qmgr[900]: {q}: from=<shop@example.jp>, size=2100, nrcpt=1 (queue active)"
        ));
        line(format!(
            "Dec  7 14:1{i}:02 out1 postfix/smtp[902]: {q}: to=<a{i}@example.net>, relay=mx.example.net[192.0.2.80]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.3.0, status=deferred (host mx.example.net[192.0.2.80] said: 451 4.3.0 Temporary failure number {} of the day (in reply to RCPT TO command))",
            ["one", "two", "three", "four", "five"][i]
        ));
    }
    log
}

fn dix_tz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(args)
        .env("TZ", "Asia/Tokyo")
        .env_remove("DIX_NODES")
        .output()
        .expect("dix runs")
}

#[test]
fn scan_counts_what_happened_and_groups_replies_by_their_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("maillog");
    std::fs::write(&log, afternoon_log()).unwrap();
    let log = log.to_str().unwrap();

    let out = dix_tz(&["scan", "--lang", "en", log]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let header = table
        .lines()
        .find(|l| l.starts_with("DOMAIN"))
        .expect(&table);
    assert!(
        header.contains("PERMANENT") && header.contains("TEMPORARY") && header.contains("RETURNED"),
        "{header}"
    );
    // 550s that Postfix returned: permanent, returned; the three replies,
    // differing only in Microsoft's trailing diagnostic, are one, with
    // their code kept.
    let outlook = table
        .lines()
        .find(|l| l.starts_with("outlook.com"))
        .expect(&table);
    let numbers: Vec<&str> = outlook.split_whitespace().skip(2).take(7).collect();
    assert_eq!(numbers, ["3", "3", "0", "3", "0", "0", "3"], "{outlook}");
    assert!(
        table.contains("3 × 550 5.7.1 Unfortunately") && table.contains("(S3140). […]"),
        "{table}"
    );
    // Five different replies: three shown, and the rest said.
    assert!(
        table.contains("… and 2 other repl(ies), to 2 recipient(s)"),
        "{table}"
    );
    // No "0 other message(s) delivered" noise; messages and recipients
    // counted apart.
    assert!(!table.contains(" 0 other"), "{table}");
    assert!(table.contains("7 message(s) to 8 recipient(s)"), "{table}");
    assert!(table.contains("Times in Asia/Tokyo."), "{table}");

    // In Japanese, the reasons too.
    let out = dix_tz(&["scan", "--lang", "ja", log]);
    let table = text(&out.stdout);
    assert!(
        table.contains("恒久") && !table.contains(" blocked "),
        "{table}"
    );

    // --messages: a header, local times, the zone.
    let out = dix_tz(&["scan", "--messages", "--lang", "en", log]);
    let listing = text(&out.stdout);
    assert!(
        listing.starts_with("SOURCE\tRECIPIENT\tSENDER"),
        "{listing}"
    );
    assert!(
        listing.contains("\t2026-12-07 14:00:02\t") || listing.contains("-12-07 14:00:02\t"),
        "{listing}"
    );
    assert!(
        listing.trim_end().ends_with("Times in Asia/Tokyo."),
        "{listing}"
    );

    // CSV keeps a long reply whole.
    let long_reply = format!("550 5.7.1 {}", "refused ".repeat(40).trim_end());
    let long_log = dir.path().join("long.log");
    std::fs::write(
        &long_log,
        format!("Dec  7 15:00:01 out1 postfix/smtp[905]: 8D00000001: to=<x@example.org>, relay=mx.example.org[192.0.2.90]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.7.1, status=bounced (host mx.example.org[192.0.2.90] said: {long_reply} (in reply to RCPT TO command))\n"),
    )
    .unwrap();
    let out = dix_tz(&["scan", "--csv", long_log.to_str().unwrap()]);
    assert!(
        text(&out.stdout).contains(&long_reply),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn output_cut_short_by_head_is_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for i in 0..4000 {
        log.push_str(&format!("Dec  7 14:00:01 out1 postfix/smtp[901]: 9E{i:08X}: to=<u{i}@example.net>, relay=mx.example.net[192.0.2.80]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.3.0, status=deferred (host mx.example.net[192.0.2.80] said: 451 4.3.0 Try again later (in reply to RCPT TO command))\n"));
    }
    let path = dir.path().join("maillog");
    std::fs::write(&path, log).unwrap();
    let bin = env!("CARGO_BIN_EXE_dix");
    for command in ["scan --messages", "parse"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "'{bin}' {command} '{}' | head -n 1",
                path.display()
            ))
            .output()
            .unwrap();
        assert_eq!(
            text(&out.stderr),
            "",
            "{command}: nothing about a broken pipe"
        );
        assert_eq!(text(&out.stdout).lines().count(), 1, "{command}");
    }
}

#[test]
fn parse_says_temporary_or_permanent() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(["parse", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"550 5.7.1 Service unavailable, Client host [203.0.113.7] blocked using Spamhaus\n",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = text(&out.stdout);
    assert!(shown.contains("(permanent)"), "{shown}");
    assert!(
        !shown.contains("(soft)") && !shown.contains("(hard)"),
        "{shown}"
    );
}
