//! The documented commands, run as written (README.md and
//! deploy/PUBLISHING.md): every command line of PUBLISHING.md runs in a
//! shell with the example host, port and file names replaced by a real
//! node's and this test's, in the order the document gives them; a line
//! the test does not know fails it, so the docs cannot drift from the code.
//! README's demo command starts a node that serves the pages and the demo
//! incidents (its test command, this suite, is the one exception).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dix_tests::{Backend, DixNode, TestDb, TestDns, binary_path, get};
use tokio::io::AsyncBufReadExt;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The indented command lines of a document that start with `programs`.
fn commands(doc: &str, indent: usize, programs: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let pad = " ".repeat(indent);
    text.lines()
        .filter_map(|l| l.strip_prefix(&pad))
        .filter(|l| {
            !l.starts_with(' ')
                && programs
                    .iter()
                    .any(|p| *l == *p || l.starts_with(&format!("{p} ")))
        })
        .map(str::to_owned)
        .collect()
}

/// Runs a command line in `dir` with the built `dix` first on the PATH.
fn sh(dir: &Path, line: &str) -> (bool, String, String) {
    let bin = binary_path("dix");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("sh runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_md_runs_as_written() {
    let lines = commands("deploy/PUBLISHING.md", 7, &["dix", "dixd", "curl"]);
    assert!(lines.len() >= 10, "{lines:?}");
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let dir = db.dir.path().to_owned();

    // The key first: the node the document pins it on needs it.
    let keygen = lines
        .iter()
        .find(|l| l.starts_with("dix keygen "))
        .expect("a keygen command");
    let (ok, out, err) = sh(&dir, keygen);
    assert!(ok, "{keygen}: {err}");
    let zone_line = out.clone();
    let record = out
        .trim()
        .split_once(" IN TXT ")
        .expect("a zone line")
        .1
        .trim_matches('"')
        .to_owned();
    let public = record.rsplit_once("p=").unwrap().1.to_owned();
    let pin = lines
        .iter()
        .find(|l| l.starts_with("dixd --pin "))
        .expect("the pinning command");
    let args: Vec<String> = pin
        .replace("BASE64_PUBLIC_KEY", &public)
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    let node = DixNode::start(
        &db,
        dns.addr(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;

    let mut incident = String::new();
    let mut summaries: Vec<(&str, String)> = Vec::new();
    for line in &lines {
        if line.starts_with("dix keygen ") || line.starts_with("dixd --pin ") {
            continue;
        }
        let run = line
            .replace("https://dix.example.net", &node.url)
            .replace("'v=DIX1; k=ed25519; p=...'", &format!("'{record}'"))
            .replace("INCIDENT", &incident);
        let known = [
            "dix notice new ",
            "dix notice sign ",
            "dix notice verify ",
            "curl ",
            "dix notice publish ",
            "dix notice update ",
            "dix notice resolve ",
            "dix notice list ",
            "dix key rotate ",
            "dix key record ",
        ];
        assert!(
            known.iter().any(|k| run.starts_with(k)),
            "PUBLISHING.md has a command this test does not run yet: {line}"
        );
        let (ok, out, err) = sh(&dir, &run);
        assert!(ok, "{run}\nstdout: {out}\nstderr: {err}");
        if run.starts_with("dix notice new ") {
            // "then edit it": what an operator writes over the placeholders.
            let draft = dir.join("draft.json");
            let text = dix_client::template::PLACEHOLDERS
                .iter()
                .fold(std::fs::read_to_string(&draft).unwrap(), |t, p| {
                    t.replace(p, "Inbound MX overloaded; deferring mail.")
                });
            std::fs::write(&draft, &text).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            incident = v["incident"].as_str().unwrap().to_owned();
        }
        if run.starts_with("curl ") {
            assert!(out.contains("\"status\":\"stored\""), "{run}: {out}");
        }
        if run.starts_with("dix key record ") {
            assert_eq!(out, zone_line, "the record printed again is keygen's");
        }
        if run.starts_with("dix notice update ") {
            // Both languages of the summary are what the line gave.
            let now = get(&node.at(&format!("/v1/incidents/example-isp.jp/{incident}"))).await;
            for lang in ["en", "ja"] {
                let given = quoted_arg(&run, &format!("--summary-{lang}"))
                    .unwrap_or_else(|| panic!("the update gives --summary-{lang}: {run}"));
                assert_eq!(now.json["notice"]["summary"][lang], given, "{}", now.text);
                summaries.push((lang, given));
            }
        }
        if run.starts_with("dix notice resolve ") {
            let now = get(&node.at(&format!("/v1/incidents/example-isp.jp/{incident}"))).await;
            for (lang, given) in &summaries {
                assert_eq!(now.json["notice"]["summary"][lang], *given, "{}", now.text);
            }
        }
        if run.starts_with("dix notice list ") {
            assert!(out.contains(&incident) && out.contains("resolved"), "{out}");
            if run.contains("--lang ja") {
                let ja = summaries
                    .iter()
                    .find(|(l, _)| *l == "ja")
                    .expect("updated first");
                assert!(out.contains(&ja.1), "the Japanese summary listed: {out}");
            }
        }
    }
    assert_eq!(summaries.len(), 2, "the update/resolve path ran");
    let done = get(&node.at(&format!("/v1/incidents/example-isp.jp/{incident}"))).await;
    assert_eq!(done.json["notice"]["status"], "resolved", "{}", done.text);
    assert!(
        dir.join("s2027.dixkey").exists(),
        "the rotation wrote the new key"
    );
}

/// The double-quoted value after `flag` in a shell line.
fn quoted_arg(line: &str, flag: &str) -> Option<String> {
    let rest = line.split_once(&format!("{flag} \""))?.1;
    Some(rest.split_once('"')?.0.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_demo_command_serves_the_pages() {
    let lines = commands("README.md", 4, &["cargo", "scripts/test.sh"]);
    let demo = lines
        .iter()
        .find(|l| l.starts_with("cargo run "))
        .expect("the demo command");
    assert!(
        lines.iter().any(|l| l.starts_with("scripts/test.sh")),
        "{lines:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    // The example port is replaced by a free one; the database goes to this test's folder.
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(demo)
        .current_dir(root())
        .env("DIXD_LISTEN", "127.0.0.1:0")
        .env(
            "DIXD_DB",
            format!("sqlite://{}", dir.path().join("dix.db").display()),
        )
        .env("DIXD_NODE_KEY", dir.path().join("node.key"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        // Its own process group: cargo and the dixd it runs go with the
        // shell when the test ends (killing the shell alone left dixd running).
        .process_group(0)
        .spawn()
        .expect("sh runs");
    let _group = KillGroup(child.id().expect("a pid"));
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(300), lines.next_line())
        .await
        .expect("the demo node starts within 5 minutes")
        .unwrap()
        .expect("it prints where it listens");
    let url = first
        .strip_prefix("dixd listening on ")
        .expect(&first)
        .trim()
        .to_owned();
    let home = get(&format!("{url}/")).await;
    assert!(
        home.status == 200 && home.text.contains("Why did this mail bounce?"),
        "{}",
        home.text
    );
    let incidents = get(&format!("{url}/v1/incidents")).await;
    assert!(
        incidents.json["incidents"]
            .as_array()
            .is_some_and(|a| a.len() >= 2),
        "{}",
        incidents.text
    );
    let _ = child.kill().await;
}

/// Kills a process group when dropped, whether the test passed or panicked.
struct KillGroup(u32);

impl Drop for KillGroup {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .status();
    }
}

/// README's install command, run as written into a folder of this test's
/// (`--prefix`, and the debug build that `cargo build --workspace --bins`
/// made for the tests instead of a release build): both binaries, dix's
/// manual pages and completions land where the unit file and the shells
/// look.
#[test]
fn the_readme_install_command_installs_both_binaries() {
    let install = commands("README.md", 4, &["scripts/install.sh"]);
    let [line] = install.as_slice() else {
        panic!("one install command in README.md: {install:?}")
    };
    let unit = std::fs::read_to_string(root().join("deploy/dixd.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let script = std::fs::read_to_string(root().join("scripts/install.sh")).unwrap();
    assert!(
        script.contains("prefix=/usr/local") && exec.starts_with("/usr/local/bin/dixd "),
        "the unit file runs dixd where the script installs it by default: {exec}"
    );
    let prefix = tempfile::tempdir().unwrap();
    let target = binary_path("dix")
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{line} --prefix '{}'", prefix.path().display()))
        .current_dir(root())
        .env("DIX_INSTALL_PROFILE", "dev")
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let p = prefix.path();
    for bin in ["bin/dix", "bin/dixd"] {
        let ok = Command::new(p.join(bin)).arg("--version").output().unwrap();
        assert!(ok.status.success(), "{bin}");
    }
    for file in [
        "share/man/man1/dix.1",
        "share/man/man1/dix-notice-publish.1",
        "share/bash-completion/completions/dix",
        "share/zsh/site-functions/_dix",
        "share/fish/vendor_completions.d/dix.fish",
    ] {
        let text = std::fs::read_to_string(p.join(file)).unwrap_or_default();
        assert!(text.contains("notice"), "{file}: {text}");
    }
}
