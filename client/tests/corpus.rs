//! Accuracy on the labelled corpus in ../shared/corpus/sisimai, scored by
//! ../shared/corpus/score.py. Prints the figures; fails below the floors.
//! The corpus is a regression floor, not a target: its labels are another
//! classifier's outputs, and what counts is mail nobody here has seen
//! (`scripts/accuracy.sh` prints the corpus's two fixed halves as a gauge
//! of fitting). Under CI the corpus must be present: a missing corpus fails
//! rather than skips.

use std::path::Path;
use std::process::Command;

/// The figures measured when these were last set. Lowered only when rules
/// fitted to single corpus files are removed, and then said why: 94.0 until
/// the phrase rules had to name their sources; the wordings that had none
/// (Orange's and au's codes, one-off provider sentences, a list manager's
/// replies) were dropped, and reason agreement fell from 94.1 % to 87.9 %,
/// about the same on both halves (A 88.2 %, B 87.5 %): they were fitted to
/// the whole corpus, not to one half. 86.0 since issue 27 dropped the
/// guesses: a stock "user unknown" at no named stage was read as a filter
/// (9 labels follow that convention: they now read as the unknown users
/// the words say), and a bare 550/554 whose words no rule knows, or a 5xx
/// that only names the recipient, is now undecided instead of an unknown
/// user or a refusal (1 label lost; 4 wrong answers became undecided); a
/// delay warning that gives no reason is no longer "expired" (the labeller
/// calls one so). 88.1 % → 86.1 % (A 88.7 → 86.1 %, B 87.5 → 86.0 %).
const MIN_REASON: f64 = 86.0;
const MIN_STATUS: f64 = 99.0;

fn percent(output: &str, label: &str) -> f64 {
    let line = output
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("score.py printed no `{label}` line:\n{output}"));
    line.rsplit('=')
        .next()
        .unwrap()
        .trim()
        .trim_end_matches('%')
        .parse()
        .unwrap()
}

#[test]
fn sisimai_corpus_accuracy() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if !shared.join("sisimai/expected.jsonl").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the corpus is missing at {}: CI needs ../shared beside the checkout",
            shared.display()
        );
        eprintln!(
            "corpus not found at {}; skipped outside CI",
            shared.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let parsed = Command::new(env!("CARGO_BIN_EXE_dix"))
        .args(["parse", "--json"])
        .arg(shared.join("sisimai/maildir"))
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "dix parse failed: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    std::fs::write(&out, &parsed.stdout).unwrap();
    let score = Command::new("python3")
        .arg(shared.join("score.py"))
        .arg(shared.join("sisimai/expected.jsonl"))
        .arg(&out)
        .output()
        .expect("python3 runs score.py");
    let report = String::from_utf8_lossy(&score.stdout).into_owned();
    println!("{report}");
    let (reason, status) = (
        percent(&report, "reason agreement"),
        percent(&report, "status agreement"),
    );
    // One "non-bounce" of the corpus (not/rb-issue-368-bug.eml) is a real
    // bounce by its own text ("rejected ... reject reason: Mailbox full"), and
    // we report it; any other non-bounce reported fails the test.
    let false_bounces: u32 = report
        .lines()
        .find_map(|l| l.strip_prefix("non-bounces reported as bounces: "))
        .and_then(|v| v.split('/').next())
        .and_then(|n| n.parse().ok())
        .expect("score.py reports non-bounces");
    assert!(
        false_bounces <= 1,
        "non-bounces were reported as bounces:\n{report}"
    );
    assert!(
        reason >= MIN_REASON,
        "reason agreement {reason}% fell below {MIN_REASON}%"
    );
    assert!(
        status >= MIN_STATUS,
        "status agreement {status}% fell below {MIN_STATUS}%"
    );
}
