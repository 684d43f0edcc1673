//! An operator's day, with the `dix` command against a real dixd and keys
//! in a real DNS server on loopback: make a key, publish its record, start
//! a notice from the template, publish it in one step, update it, resolve
//! it, list the incidents — never a `seq` typed by hand, the private key
//! never sent. A refusal prints the node's code and exits non-zero.

use std::process::Command;

use dix_tests::{Backend, DixNode, TestDb, TestDns, binary_path, get};
use serde_json::Value;

fn dix(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary_path("dix"))
        .args(args)
        .output()
        .expect("dix runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_update_resolve_list() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let dir = db.dir.path();
    let key = dir.join("s2026.dixkey");
    let key = key.to_str().unwrap();

    let (code, out, err) = dix(&[
        "keygen",
        "--issuer",
        "example-isp.jp",
        "--selector",
        "s2026",
        "--out",
        key,
    ]);
    assert_eq!(code, 0, "{err}");
    let line = out.trim();
    let (name, rest) = line.split_once(" IN TXT ").expect("a zone line");
    let record = rest.trim_matches('"');
    let draft_path = dir.join("draft.json");
    let (_, template, _) = dix(&[
        "notice",
        "new",
        "--key",
        key,
        "--kind",
        "throttling",
        "--seq",
        "1",
    ]);
    let draft = template
        .replace(
            "(describe what is happening)",
            "Inbound MX overloaded; deferring mail.",
        )
        .replace(
            "（何が起きているかを書いてください）",
            "受信サーバが過負荷のため配送を遅らせています。",
        )
        .replace("(what senders should do)", "Nothing: your server retries.")
        .replace("（送信者がすべきことを書いてください）", "対応は不要です。");
    std::fs::write(&draft_path, &draft).unwrap();
    let draft_arg = draft_path.to_str().unwrap();
    // An issuer whose key is in no DNS: the node says what to do.
    let stranger_key = dir.join("s1.dixkey");
    let stranger_key = stranger_key.to_str().unwrap();
    let (code, _, err) = dix(&[
        "keygen",
        "--issuer",
        "not-published.example",
        "--selector",
        "s1",
        "--out",
        stranger_key,
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, stranger, _) = dix(&[
        "notice",
        "new",
        "--key",
        stranger_key,
        "--kind",
        "outage",
        "--seq",
        "1",
    ]);
    let stranger_path = dir.join("stranger.json");
    std::fs::write(
        &stranger_path,
        dix_client::template::PLACEHOLDERS
            .iter()
            .fold(stranger, |t, p| t.replace(p, "Written.")),
    )
    .unwrap();
    let (code, _, err) = dix(&[
        "notice",
        "publish",
        stranger_path.to_str().unwrap(),
        "--key",
        stranger_key,
        "--node",
        &node.url,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("unknown_issuer") || err.contains("key_not_found"),
        "{err}"
    );
    assert!(
        err.contains("--pin") && err.contains("keygen"),
        "the refusal says what to do: {err}"
    );

    // With the record published: one command signs and posts.
    dns.set_txt(name.trim_end_matches('.'), &[record]);
    let (code, out, err) = dix(&[
        "notice", "publish", draft_arg, "--key", key, "--node", &node.url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("stored "), "{out}");
    let incident: Value = serde_json::from_str(&draft).unwrap();
    let id = incident["incident"].as_str().unwrap().to_owned();
    let stored = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    let first_seq = stored.json["notice"]["seq"].as_u64().unwrap();
    assert!(
        first_seq > 1_700_000_000_000_000,
        "seq comes from the clock: {first_seq}"
    );
    // The same draft published again is a new revision, never a collision.
    let (code, _, err) = dix(&[
        "notice", "publish", draft_arg, "--key", key, "--node", &node.url,
    ]);
    assert_eq!(code, 0, "{err}");

    // The next revisions, from the node's current state.
    let (code, out, err) = dix(&[
        "notice",
        "update",
        &id,
        "--key",
        key,
        "--node",
        &node.url,
        "--status",
        "monitoring",
        "--summary-en",
        "Load back to normal; watching.",
    ]);
    assert_eq!(code, 0, "{err}\n{out}");
    let now = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    assert_eq!(now.json["notice"]["status"], "monitoring");
    assert_eq!(
        now.json["notice"]["summary"]["en"],
        "Load back to normal; watching."
    );
    assert_eq!(
        now.json["notice"]["summary"]["ja"], "受信サーバが過負荷のため配送を遅らせています。",
        "the rest is kept"
    );
    assert!(now.json["notice"]["seq"].as_u64().unwrap() > first_seq);
    let (code, _, err) = dix(&["notice", "resolve", &id, "--key", key, "--node", &node.url]);
    assert_eq!(code, 0, "{err}");
    let done = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    assert_eq!(done.json["notice"]["status"], "resolved");
    assert!(done.json["notice"]["ended_at"].is_string(), "{}", done.text);
    assert_eq!(done.json["revisions"].as_array().unwrap().len(), 4);

    let (code, out, err) = dix(&["notice", "list", "--key", key, "--node", &node.url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id) && out.contains("resolved"), "{out}");

    // A refusal: the node's code and message, and a non-zero exit.
    let (code, _, err) = dix(&[
        "notice",
        "update",
        &id,
        "--key",
        key,
        "--node",
        &node.url,
        "--summary-en",
        "x\u{202e}y",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("bidirectional") || err.contains("invalid"),
        "{err}"
    );
    let (code, _, err) = dix(&[
        "notice",
        "update",
        "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10",
        "--key",
        key,
        "--node",
        &node.url,
        "--status",
        "identified",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not_found"), "{err}");

    // A new key: published beside the old one, it signs the next revision;
    // the revisions the old key signed still verify.
    let next = dir.join("s2027.dixkey");
    let next = next.to_str().unwrap();
    let (code, out, err) = dix(&[
        "key",
        "rotate",
        "--key",
        key,
        "--selector",
        "s2027",
        "--out",
        next,
    ]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("s2027._dix."))
        .expect("the new record")
        .trim();
    let (name, rest) = line.split_once(" IN TXT ").unwrap();
    dns.set_txt(name.trim_end_matches('.'), &[rest.trim_matches('"')]);
    let (code, _, err) = dix(&[
        "notice",
        "update",
        &id,
        "--key",
        next,
        "--node",
        &node.url,
        "--summary-en",
        "Signed with the new key.",
    ]);
    assert_eq!(code, 0, "{err}");
    let rotated = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    assert_eq!(rotated.json["notice"]["key"], "s2027");
    let keys = get(&node.at("/v1/issuers/example-isp.jp")).await;
    let selectors: Vec<&str> = keys.json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["selector"].as_str().unwrap())
        .collect();
    assert!(
        selectors.contains(&"s2026") && selectors.contains(&"s2027"),
        "{}",
        keys.text
    );
}
