//! The golden pastes through the library: each case's text (encoded into
//! its charset first, as a file saved from a Japanese mail program) is read
//! by `paste::read` with the case's hints, the first fact explained by the
//! embedded knowledge base and decided with no incidents, and every
//! expected field compared. All failures are collected into one report
//! (per-field and per-layout pass counts, then each failed case, expected
//! against got) rather than stopping at the first. Every verdict must also
//! be free of contradictions (`verdict::check::contradictions`), here and
//! in a property test over random pastes built from the pieces real ones
//! are made of.

#[path = "support/pastes.rs"]
mod golden;

use dix_bounce::knowledge::KnowledgeBase;
use dix_bounce::paste::{self, Hints};
use dix_bounce::verdict::{self, Sending};
use golden::{Miss, Paste, Report};
use proptest::prelude::*;

/// The bytes a person's file or clipboard would hold.
fn encoded(p: &Paste) -> Vec<u8> {
    let Some(charset) = &p.charset else {
        return p.text.as_bytes().to_vec();
    };
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())
        .unwrap_or_else(|| panic!("{}: no encoder for {charset}", p.name));
    let (bytes, _, unmappable) = encoding.encode(&p.text);
    assert!(
        !unmappable,
        "{}: the text has characters {charset} cannot hold",
        p.name
    );
    bytes.into_owned()
}

/// The answer for one case, as JSON (fact, verdict), or why there is none.
fn answer(p: &Paste) -> Result<(serde_json::Value, serde_json::Value, Vec<String>), String> {
    let hints = Hints {
        recipient: p.to.as_deref().map(Into::into),
        at: p.at.as_deref().map(Into::into),
        from: p.from.as_deref().map(Into::into),
    };
    let facts =
        paste::read(&encoded(p), "paste", &hints).map_err(|e| format!("nothing read: {e:?}"))?;
    let fact = facts.first().ok_or("read gave no fact")?;
    let kb = KnowledgeBase::embedded().explain(fact);
    let v = verdict::decide(fact, &kb, &[], &Sending::default());
    let contradictions = verdict::check::contradictions(&v)
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    Ok((
        serde_json::to_value(fact).unwrap(),
        serde_json::to_value(&v).unwrap(),
        contradictions,
    ))
}

#[test]
fn every_golden_paste_reads_and_decides_as_expected() {
    let table = golden::load();
    assert!(table.paste.len() >= 150, "{} cases", table.paste.len());
    let mut report = Report::default();
    for p in &table.paste {
        let misses = match answer(p) {
            Err(why) => vec![Miss {
                field: "read",
                detail: why,
            }],
            Ok((fact, v, contradictions)) => {
                let mut misses = golden::compare(&p.expect, &fact, &v);
                if !contradictions.is_empty() {
                    misses.push(Miss {
                        field: "contradictions",
                        detail: contradictions.join("; "),
                    });
                }
                misses
            }
        };
        report.add(p, misses);
    }
    let rendered = report.render("paste::read + decide", golden::FIELDS);
    println!("{rendered}");
    assert!(report.failed.is_empty(), "{rendered}");
}

/// Every expected cause (each alternative of `a|b`) is one the knowledge
/// base knows, so a misspelt cause cannot hide as a failure of dix.
#[test]
fn every_expected_cause_is_a_cause() {
    let known: Vec<String> = dix_bounce::knowledge::cause::all()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for p in &golden::load().paste {
        for cause in p.expect.cause.split('|') {
            assert!(
                known.iter().any(|k| k == cause),
                "{}: no cause {cause}",
                p.name
            );
        }
    }
}

/// A paste that holds nothing readable says so (an error, not a fact).
#[test]
fn prose_without_a_bounce_is_nothing_found() {
    for text in [
        "Hi, my mail didn't arrive, can you check? Thanks",
        "お世話になっております。メールが届かないようです。",
        "",
        "   \n\t\n",
    ] {
        assert!(
            paste::read(text.as_bytes(), "paste", &Hints::default()).is_err(),
            "{text:?} gave a fact"
        );
    }
}

/// Pieces real pastes are made of: codes, statuses, addresses, IPs, the
/// layouts' own phrases, Japanese text, quoting and folding.
const PIECES: &[&str] = &[
    "550 ",
    "550-",
    "421 ",
    "451 ",
    "554 ",
    "452 ",
    "250 ",
    "5.1.1 ",
    "4.7.1 ",
    "5.7.26 ",
    "4.4.7 ",
    "5.7.133 ",
    "4.16.55.1 ",
    "#5.1.1 ",
    "ken@example.net",
    "<ken@example.net>",
    "<ken@example.net>: ",
    "yamada@isp.example",
    "host mx.example.net[192.0.2.10] said: ",
    "(in reply to RCPT TO command)",
    "Client host [203.0.113.25] blocked using zen.spamhaus.org",
    "from [203.0.113.25]",
    "connect to mx.example.jp[198.51.100.20]:25: Connection refused",
    "Host or domain name not found. Name service error for name=x.example type=A: Host not found",
    "delivery temporarily suspended: ",
    "SMTP error from remote mail server after RCPT TO:<ken@example.net>:",
    "retry timeout exceeded",
    "Your message to ken@example.net couldn't be delivered.",
    "Remote Server returned '",
    "'",
    "Reported error: ",
    "Status code: ",
    "<mail.example #5.1.1 smtp;",
    ">",
    "** Address not found **",
    "The response from the remote server was:",
    "The response was:",
    "Gmail will retry for 45 more hours.",
    "Sorry, we were unable to deliver your message to the following address.",
    "Remote host said: ",
    "Diagnostic-Code: smtp; ",
    "Final-Recipient: rfc822; ken@example.net",
    "Action: failed",
    "Action: delayed",
    "Status: 5.1.1",
    "The server responded: ",
    "The mail server responded:",
    "The server response was: ",
    "Server Response: '",
    "status=deferred (",
    "status=bounced (",
    "postfix/smtp[123]: 4ZxY: to=<ken@example.net>, relay=mx.example.net[192.0.2.10]:25, ",
    "2026-12-07 10:40:01 1tKq3x-0003Ab-Cd == ",
    "Authentication required",
    "authentication failed",
    "Relay access denied",
    "not owned by user",
    "Greylisted",
    "Mailbox full",
    "User unknown",
    "DMARC",
    "TLS is required, but was not offered by host",
    "宛先：",
    "理由：",
    "送信エラー",
    "受信拒否",
    "日本語の文",
    "お世話になっております。",
    "> ",
    "> > ",
    "\n",
    "\n> ",
    "\n    ",
    "\t",
    "   ",
    "[",
    "]",
    "(",
    ")",
    ";",
    ":",
    "@",
    "\u{fffd}",
    "é",
];

fn paste_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => prop::sample::select(PIECES).prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
        // ISO-2022-JP and Shift_JIS fragments, whole or cut mid-sequence.
        1 => prop::sample::select(vec![
            b"\x1b$B%a!<%k\x1b(B".to_vec(),
            b"\x1b$B%a".to_vec(),
            b"\x83\x81\x81[\x83\x8b".to_vec(),
            b"\x83".to_vec(),
        ]),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// `read` never panics on anything pasted, and every verdict from what
    /// it reads says one thing.
    #[test]
    fn random_pastes_never_panic_nor_contradict(
        bytes in paste_bytes(),
        to in prop::option::of(prop::sample::select(vec!["ken@example.net", "x", "@", "ある@例.jp"])),
        from in prop::option::of(prop::sample::select(vec!["info@shop-yamada.example", "yamada@gmail.com", ""])),
        at in prop::option::of(prop::sample::select(vec!["2026-12-07T10:15:00+09:00", "yesterday", ""])),
    ) {
        let hints = Hints {
            recipient: to.map(Into::into),
            at: at.map(Into::into),
            from: from.map(Into::into),
        };
        if let Ok(facts) = paste::read(&bytes, "prop", &hints) {
            for fact in &facts {
                let kb = KnowledgeBase::embedded().explain(fact);
                let v = verdict::decide(fact, &kb, &[], &Sending::default());
                let c = verdict::check::contradictions(&v);
                prop_assert!(c.is_empty(), "{:?} for {:?}", c, String::from_utf8_lossy(&bytes));
            }
        }
    }

    /// The golden pastes, cut anywhere: never a panic.
    #[test]
    fn golden_pastes_cut_anywhere(case in 0usize..1000, cut in 0usize..100_000) {
        static TABLE: std::sync::LazyLock<golden::Table> = std::sync::LazyLock::new(golden::load);
        let p = &TABLE.paste[case % TABLE.paste.len()];
        let bytes = encoded(p);
        let cut = cut % (bytes.len() + 1);
        let _ = paste::read(&bytes[..cut], "cut", &Hints::default());
    }
}
