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
    // The template's example symptom, written; and a sending range that is
    // not the issuer's own: a qualifier, which the answer explains.
    let draft = dix_client::template::PLACEHOLDERS
        .iter()
        .fold(draft, |t, p| t.replace(p, "Too many connections from *"));
    let mut draft_json: Value = serde_json::from_str(&draft).unwrap();
    assert_eq!(draft_json["symptoms"][0]["reply"], 451, "{draft}");
    draft_json["scope"]["sending_ips"] = serde_json::json!(["192.0.2.0/24"]);
    let draft = serde_json::to_string_pretty(&draft_json).unwrap();
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
    assert!(
        out.contains("192.0.2.0/24: qualifier") && out.contains("qualifier: senders' IP ranges"),
        "a qualifier is explained where the publisher reads it: {out}"
    );
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

    // The next revisions, from the node's current state. One language of
    // a two-language summary alone would leave the other saying the old
    // thing: refused, nothing published.
    let before = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    let one_language = [
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
    ];
    let (code, out, err) = dix(&one_language);
    assert_eq!(code, 1, "{err}\n{out}");
    assert!(
        err.contains("--summary-ja")
            && err.contains("--keep-other-language")
            && err.contains("受信サーバが過負荷のため配送を遅らせています。"),
        "{err}"
    );
    let after = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    assert_eq!(
        before.json["notice"], after.json["notice"],
        "nothing published"
    );
    let (code, out, err) = dix(&[&one_language[..], &["--keep-other-language"]].concat());
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
    // Resolving again publishes nothing and says why.
    let (code, out, err) = dix(&["notice", "resolve", &id, "--key", key, "--node", &node.url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("already resolved"), "{out}");
    let again = get(&node.at(&format!("/v1/incidents/example-isp.jp/{id}"))).await;
    assert_eq!(
        again.json["revisions"].as_array().unwrap().len(),
        4,
        "{}",
        again.text
    );

    let (code, out, err) = dix(&[
        "notice", "list", "--key", key, "--node", &node.url, "--lang", "en",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id) && out.contains("resolved"), "{out}");
    assert!(out.contains("Load back to normal"), "{out}");
    let (code, out, err) = dix(&[
        "notice", "list", "--key", key, "--node", &node.url, "--lang", "ja",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("受信サーバが過負荷"), "{out}");

    // A node that is not running: said in those words.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, _, err) = dix(&["notice", "list", "--key", key, "--node", &dead]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("cannot connect to {dead}: is dixd running there?")),
        "{err}"
    );
    let (code, _, err) = dix(&["notice", "resolve", &id, "--key", key, "--node", &dead]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is dixd running there?"), "{err}");

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
        "--keep-other-language",
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
        "--summary-ja",
        "新しい鍵で署名しました。",
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

    // `dix scan --node` that matched nothing says so.
    let log = dir.join("maillog");
    std::fs::write(
        &log,
        "Dec  7 14:00:01 out1 postfix/smtp[901]: 9E00000001: to=<u@unrelated.example>, relay=mx.unrelated.example[192.0.2.80]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.3.0, status=deferred (host mx.unrelated.example[192.0.2.80] said: 451 4.3.0 Try again later (in reply to RCPT TO command))\n",
    )
    .unwrap();
    let (code, out, err) = dix(&[
        "scan",
        "--lang",
        "en",
        "--node",
        &node.url,
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "No incident published on {} matches these failures.",
            node.url
        )),
        "{out}"
    );
}
