//! `dixd --demo` tells the field's stories: every sample of every story in
//! `server/data/demo.json`, explained by a real node (over `/v1/explain`,
//! through the page, and by the CLI), gets the story's incident and the
//! answer written beside it — who acts, from the incident's kind and the
//! side its issuer speaks for. `dix scan --node` finds the same incidents
//! for a log. On SQLite and PostgreSQL.

use std::process::Command;

use dix_server::demo::{sample_text, stories};
use dix_tests::{Backend, DixNode, TestDb, TestDns, binary_path, get, on_both_databases, post};
use serde_json::{Value, json};

on_both_databases!(every_story_gets_its_incident_and_its_actor);

async fn every_story_gets_its_incident_and_its_actor(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let node = DixNode::start(&db, dns.addr(), &["--demo"]).await;

    let listed = get(&node.at("/v1/incidents")).await;
    let count = listed.json["incidents"].as_array().map_or(0, Vec::len);
    assert_eq!(count, stories().len(), "{}", listed.text);
    let issuers: std::collections::BTreeSet<&str> = stories().iter().map(|s| s.issuer()).collect();
    assert!(issuers.len() >= 5, "several operators: {issuers:?}");

    let mut sample_number = 0;
    for story in stories() {
        for sample in &story.samples {
            sample_number += 1;
            let text = sample_text(sample);
            let body = json!({"text": text, "recipient": sample.recipient});
            let r = post(&node.at("/v1/explain"), serde_json::to_vec(&body).unwrap()).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let fact = &r.json["facts"][0];
            let verdict = &fact["verdict"];
            let what = format!("{} — {text}: {fact:#}", story.story.en);
            assert_eq!(verdict["based_on"], "incident", "{what}");
            assert_eq!(
                verdict["basis"]["incident"],
                json!([story.issuer(), story.incident()]),
                "{what}"
            );
            assert_eq!(verdict["actor"], sample.expect.actor, "{what}");
            assert_eq!(verdict["cause"], sample.expect.cause, "{what}");
            let best = &fact["matches"][0];
            assert_eq!(
                (best["issuer"].as_str(), best["incident"].as_str()),
                (Some(story.issuer()), Some(story.incident())),
                "{what}"
            );
            assert!(best["issuer_role"].is_string(), "{what}");

            // The home page offers it, and its page gives the same answer.
            let page = get(&node.at(&format!("/explain?sample={sample_number}&lang=ja"))).await;
            assert_eq!(page.status, 200, "{}", page.text);
            assert!(
                page.text.contains(&format!(
                    "/incidents/{}/{}",
                    story.issuer(),
                    story.incident()
                )),
                "sample {sample_number} ({}): {}",
                story.story.en,
                page.text
            );

            // The CLI, asking the node, agrees.
            let mut args = vec![
                "explain".to_owned(),
                "--json".into(),
                "--node".into(),
                node.at(""),
            ];
            match &sample.recipient {
                Some(to) => {
                    args.extend(["--reply".into(), text.clone(), "--to".into(), to.clone()])
                }
                None => args.push("-".into()),
            }
            let cli = run_dix(&args, &text);
            assert_eq!(cli.0, 0, "{}", cli.2);
            let doc: Value = serde_json::from_str(&cli.1).unwrap();
            let cli_verdict = &doc["facts"][0]["verdict"];
            assert_eq!(
                (&cli_verdict["actor"], &cli_verdict["cause"]),
                (&verdict["actor"], &verdict["cause"]),
                "{}",
                cli.1
            );
        }
    }

    // A day of log: the quarantine story's delivered line among other
    // lines, and a deferral the throttling story explains.
    let dir = tempfile::tempdir().unwrap();
    let now = dix_schema::types::Timestamp::now();
    let log = format!(
        "{now} mail postfix/cleanup[2230]: 4XyZ0Q1R2S: message-id=<a1@example.jp>\n\
{now} mail postfix/qmgr[1100]: 4XyZ0Q1R2S: from=<taro@example.jp>, size=2100, nrcpt=1 (queue active)\n\
{now} mail postfix/smtp[2231]: 4XyZ0Q1R2S: to=<saburo@tailspin.example>, relay=mx1.tailspin.example[192.0.2.80]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=4.7.0, status=deferred (host mx1.tailspin.example[192.0.2.80] said: 421 4.7.0 Too many messages from 192.0.2.44 in a short time; try again in 10 minutes (TS-RL2) (in reply to MAIL FROM command))\n\
{now} mail postfix/smtp[2232]: 4XyZ0Q1R3T: to=<hanako@fabrikam.example>, relay=mx1.fabrikam.example[192.0.2.25]:25, delay=0.8, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7F3A21C0D9)\n"
    );
    let path = dir.path().join("maillog");
    std::fs::write(&path, log).unwrap();
    let scan = run_dix(
        &[
            "scan".into(),
            "--json".into(),
            "--node".into(),
            node.at(""),
            path.display().to_string(),
        ],
        "",
    );
    assert_eq!(scan.0, 0, "{}", scan.2);
    let doc: Value = serde_json::from_str(&scan.1).unwrap();
    let groups = doc["summary"]["groups"].as_array().unwrap();
    let tailspin = groups
        .iter()
        .find(|g| g["domain"] == "tailspin.example")
        .expect("the deferral's group");
    assert_eq!(
        tailspin["incidents"][0]["issuer"], "tailspin.example",
        "{tailspin:#}"
    );
    assert_eq!(tailspin["sample"]["sender"], "taro@example.jp");
    assert_eq!(tailspin["sample"]["message_id"], "a1@example.jp");
}

fn run_dix(args: &[String], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(binary_path("dix"))
        .args(args)
        .env_remove("DIX_NODES")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dix runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
