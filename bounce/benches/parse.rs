//! `cargo bench -p dix-client --bench parse`: parsing and classifying the
//! labelled corpus, next to bare mail-parser parsing of the same bytes, in
//! the same run and thread, so the ratio holds on a noisy machine.

use std::time::{Duration, Instant};

use mail_parser::MessageParser;

fn corpus() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/sisimai/maildir");
    let mut files = Vec::new();
    for sub in ["bsd", "not"] {
        let mut names: Vec<_> = std::fs::read_dir(dir.join(sub))
            .expect("corpus present")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|p| std::fs::read(p).unwrap()));
    }
    files
}

/// Best of several rounds of `f` over every message: emails per second.
fn rate(files: &[Vec<u8>], rounds: usize, mut f: impl FnMut(&[u8]) -> usize) -> f64 {
    let mut best = Duration::MAX;
    let mut sink = 0usize;
    for _ in 0..rounds {
        let t = Instant::now();
        for bytes in files {
            sink = sink.wrapping_add(f(bytes));
        }
        best = best.min(t.elapsed());
    }
    std::hint::black_box(sink);
    files.len() as f64 / best.as_secs_f64()
}

fn main() {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let rounds = 15;
    // Interleave the two measurements so both see the same machine state.
    let mut bare = Vec::new();
    let mut lean = Vec::new();
    let mut ours = Vec::new();
    // The header set dix's own parser structures (everything else skipped).
    let lean_parser = MessageParser::new()
        .with_minimal_headers()
        .header_id(mail_parser::HeaderName::MessageId)
        .default_header_ignore();
    for _ in 0..3 {
        bare.push(rate(&files, rounds, |b| {
            MessageParser::default()
                .parse(b)
                .map_or(0, |m| m.parts.len())
        }));
        lean.push(rate(&files, rounds, |b| {
            lean_parser.parse(b).map_or(0, |m| m.parts.len())
        }));
        ours.push(rate(&files, rounds, |b| {
            dix_bounce::parse_bytes(b, "bench").len()
        }));
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (bare, lean, ours) = (best(&bare), best(&lean), best(&ours));
    println!(
        "corpus: {} messages, {:.1} MB, single thread",
        files.len(),
        bytes as f64 / 1e6
    );
    println!("| parser | emails/s | MB/s |\n|---|---|---|");
    println!(
        "| bare mail-parser (MessageParser::parse) | {bare:.0} | {:.1} |",
        bare * bytes as f64 / files.len() as f64 / 1e6
    );
    println!(
        "| bare mail-parser, dix's header set (minimal + Message-ID, others skipped) | {lean:.0} | {:.1} |",
        lean * bytes as f64 / files.len() as f64 / 1e6
    );
    println!(
        "| dix parse + classify (bounce::parse_bytes) | {ours:.0} | {:.1} |",
        ours * bytes as f64 / files.len() as f64 / 1e6
    );
    println!(
        "ratio: dix runs at {:.0}% of bare mail-parser's rate (target: at least 50%)",
        100.0 * ours / bare
    );
    println!(
        "ratio against mail-parser with dix's own header set: {:.0}%",
        100.0 * ours / lean
    );
}
