//! `dix scan` and `dix parse` read their inputs as streams: the real `dix`
//! binary, run under a 256 MiB address-space cap (`prlimit --as`), reads a
//! ~200 MB log to the end, and refuses a 10 MB gzip of zeros (10 GB
//! unpacked) and an over-sized message with a clear message and exit
//! status 1. Before, `dix scan` passed 4 GiB on the gzip within seconds.

#[path = "support/maillog.rs"]
mod maillog;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The cap: well above what streaming needs, far below a whole input.
const CAP: &str = "268435456";

/// `dix ARGS` under the cap, stdout discarded (it may be long).
fn dix_capped(args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg(format!("--as={CAP}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_dix"))
        .args(args)
        // One malloc arena: each further one reserves 64 MiB of address
        // space it may never use, which the cap would count.
        .env("MALLOC_ARENA_MAX", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("prlimit (util-linux) runs dix")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// 10 MB of gzip that unpacks to 10 GB of zeros: one member holding
/// 1 MiB of zeros, written 10,240 times (gzip readers read every member,
/// as `cat a.gz b.gz` expects).
fn write_bomb(path: &Path) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 1 << 20]).unwrap();
    let member = gz.finish().unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..10 * 1024 {
        file.write_all(&member).unwrap();
    }
}

#[test]
fn a_gzip_bomb_is_refused_within_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("maillog.1.gz");
    write_bomb(&bomb);
    assert!(std::fs::metadata(&bomb).unwrap().len() > 9_000_000);
    let path = bomb.to_str().unwrap();
    for command in ["scan", "parse"] {
        let out = dix_capped(&[command, path]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "dix {command}: {err}");
        assert!(
            err.contains("maillog.1.gz") && err.contains("decompression bomb"),
            "dix {command}: {err}"
        );
    }
}

#[test]
fn an_oversized_message_is_refused_within_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("bounces.mbox");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&mbox).unwrap());
    writeln!(file, "From MAILER-DAEMON Mon Dec  1 09:00:00 2026").unwrap();
    writeln!(file, "Subject: Undelivered Mail\n\nline\n").unwrap();
    writeln!(file, "From MAILER-DAEMON Mon Dec  1 09:00:01 2026").unwrap();
    let line = "x".repeat(999) + "\n";
    for _ in 0..100_000 {
        file.write_all(line.as_bytes()).unwrap();
    }
    drop(file);
    let path = mbox.to_str().unwrap();
    for command in ["scan", "parse"] {
        let out = dix_capped(&[command, path]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "dix {command}: {err}");
        assert!(
            err.contains("bounces.mbox: message 2 is larger than 64 MiB"),
            "dix {command}: {err}"
        );
    }
}

#[test]
fn a_200_mb_log_is_read_to_the_end_within_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("maillog");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    let mut lines = 0;
    let mut seed = 1;
    while file.get_ref().metadata().unwrap().len() < 200_000_000 {
        let mut chunk = String::new();
        lines += maillog::generate(100_000, seed, &mut chunk).lines;
        file.write_all(chunk.as_bytes()).unwrap();
        file.flush().unwrap();
        seed += 1;
    }
    drop(file);
    let path = log.to_str().unwrap();
    let dir_out = dir.path().join("scan.json");
    let out = Command::new("prlimit")
        .arg(format!("--as={CAP}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_dix"))
        .args(["scan", "--json", path])
        .env("MALLOC_ARENA_MAX", "1")
        .stdout(std::fs::File::create(&dir_out).unwrap())
        .stderr(Stdio::piped())
        .output()
        .expect("prlimit (util-linux) runs dix");
    assert!(out.status.success(), "dix scan: {}", stderr(&out));
    let scan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&dir_out).unwrap()).unwrap();
    assert_eq!(scan["inputs"][0]["units"], lines, "every line was read");
    let out = dix_capped(&["parse", "--json", path]);
    assert!(out.status.success(), "dix parse: {}", stderr(&out));
}
