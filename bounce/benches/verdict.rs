//! `cargo bench -p dix-client --bench verdict`: the answer for each reply of
//! the golden table (`tests/golden/replies.toml`) — the knowledge base's
//! lookup and the verdict with its texts — next to parsing the same replies
//! alone, in the same run and thread, so the ratio holds on a noisy machine.

use std::time::{Duration, Instant};

use dix_bounce::knowledge::KnowledgeBase;
use dix_bounce::parse_reply;
use dix_bounce::verdict::{Sending, decide};

fn replies() -> Vec<(String, String)> {
    let text = include_str!("../tests/golden/replies.toml");
    let doc: toml::Value = toml::from_str(text).expect("the golden table parses");
    doc["case"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["reply"].as_str().unwrap().to_owned(),
                c["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Best of several rounds of `f` over every reply: replies per second.
fn rate(
    replies: &[(String, String)],
    rounds: usize,
    mut f: impl FnMut(&str, &str) -> usize,
) -> f64 {
    let mut best = Duration::MAX;
    let mut sink = 0usize;
    for _ in 0..rounds {
        let t = Instant::now();
        for (reply, to) in replies {
            sink = sink.wrapping_add(f(reply, to));
        }
        best = best.min(t.elapsed());
    }
    std::hint::black_box(sink);
    replies.len() as f64 / best.as_secs_f64()
}

fn main() {
    let replies = replies();
    let kb = KnowledgeBase::embedded();
    let sending = Sending::default();
    let rounds = 50;
    let (mut parse, mut lookup, mut answer) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        lookup.push(rate(&replies, rounds, |r, to| {
            parse_reply(r, Some(to), None).map_or(0, |f| kb.explain(&f).entry.len())
        }));
        parse.push(rate(&replies, rounds, |r, to| {
            parse_reply(r, Some(to), None).map_or(0, |f| f.diagnostic.len())
        }));
        answer.push(rate(&replies, rounds, |r, to| {
            parse_reply(r, Some(to), None).map_or(0, |f| {
                let e = kb.explain(&f);
                decide(&f, &e, &[], &sending).customer_reply.ja.len()
            })
        }));
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (parse, lookup, answer) = (best(&parse), best(&lookup), best(&answer));
    println!("golden table: {} replies, single thread", replies.len());
    println!("| step | replies/s | µs per reply |\n|---|---|---|");
    println!("| parse_reply alone | {parse:.0} | {:.1} |", 1e6 / parse);
    println!(
        "| parse_reply + knowledge base lookup | {lookup:.0} | {:.1} |",
        1e6 / lookup
    );
    println!(
        "| parse_reply + knowledge base + verdict (all texts, both languages) | {answer:.0} | {:.1} |",
        1e6 / answer
    );
    println!(
        "ratio: the whole answer runs at {:.0}% of parsing alone; the knowledge base and the verdict cost {:.1} µs a reply",
        100.0 * answer / parse,
        1e6 / answer - 1e6 / parse
    );
}
