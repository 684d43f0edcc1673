//! `cargo bench -p dix-client --bench scan`: `dix scan`'s rate on a
//! generated 1,000,000-line Postfix log (most lines not deliveries), next
//! to `grep -c status=` of the same file in the same run, so the ratio holds
//! on a noisy machine. Both read the file from the page cache.

#[path = "../tests/support/maillog.rs"]
mod maillog;

use std::time::{Duration, Instant};

use dix_client::scan::{Options, scan};

fn best_of(rounds: usize, mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    best
}

fn main() {
    let mut log = String::new();
    let written = maillog::generate(1_000_000, 42, &mut log);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("maillog");
    std::fs::write(&path, &log).expect("the log is written");
    let lines = written.lines as f64;
    println!(
        "log: {} lines, {:.0} MB, {} with status=, {} messages",
        written.lines,
        log.len() as f64 / 1e6,
        written.status_lines,
        written.messages
    );
    drop(log);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let grep = || {
        let out = std::process::Command::new("grep")
            .args(["-c", "status="])
            .arg(&path)
            .output()
            .expect("grep runs");
        assert!(out.status.success());
        std::hint::black_box(out.stdout);
    };
    let ours = |threads: usize| {
        let mut options = Options::new();
        options.threads = threads;
        let result = scan(std::slice::from_ref(&path), &options);
        assert_eq!(result.summary.messages, written.messages);
        std::hint::black_box(result);
    };
    // Interleaved, so that each sees the same machine state.
    let mut grep_times = Vec::new();
    let mut one = Vec::new();
    let mut all = Vec::new();
    for _ in 0..3 {
        grep_times.push(best_of(3, grep));
        one.push(best_of(2, || ours(1)));
        all.push(best_of(2, || ours(threads)));
    }
    let best = |v: &[Duration]| v.iter().copied().min().unwrap_or_default();
    let (g, o, a) = (best(&grep_times), best(&one), best(&all));
    let rate = |d: Duration| lines / d.as_secs_f64();
    println!("grep -c status=       {:>12.0} lines/s ({:?})", rate(g), g);
    println!("dix scan, 1 thread    {:>12.0} lines/s ({:?})", rate(o), o);
    println!(
        "dix scan, {threads} threads   {:>12.0} lines/s ({:?})",
        rate(a),
        a
    );
    println!(
        "dix scan / grep: {:.1} % ({threads} threads), {:.1} % (1 thread); {threads} threads / 1: {:.2}×",
        100.0 * g.as_secs_f64() / a.as_secs_f64(),
        100.0 * g.as_secs_f64() / o.as_secs_f64(),
        o.as_secs_f64() / a.as_secs_f64()
    );
}
