//! One golden paste per layout (`bounce/tests/golden/pastes.toml`) through
//! the home page of a real dixd, in Debian's Chromium driven by
//! playwright-core (`tests/browser/pastes.mjs`): pasted into the form as a
//! person would, submitted, and the answer checked in Japanese and in
//! English — the recipient shown, who must act (in the verdict's own words
//! for the expected actor) and a phrase the customer reply must hold.
//! Screenshots land in `target/browser-artifacts/pastes/`.

#[path = "../../bounce/tests/support/pastes.rs"]
mod golden;

use std::path::PathBuf;

use dix_bounce::knowledge::Actor;
use dix_bounce::verdict::words::actor_name;
use dix_tests::{Backend, DixNode, TestDb, TestDns};
use serde_json::json;

fn actor(name: &str) -> Actor {
    serde_json::from_value(json!(name)).unwrap_or_else(|_| panic!("actor {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_paste_per_layout_on_the_home_page() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let browser = root.join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = std::path::Path::new(&chromium).exists()
        && browser.join("node_modules/playwright-core").exists();
    if !ready {
        assert!(
            std::env::var("CI").is_err(),
            "the browser tests need {chromium} and `npm ci` in tests/browser (scripts/test.sh installs both)"
        );
        eprintln!("skipped: no Chromium or no tests/browser/node_modules (run scripts/test.sh)");
        return;
    }
    let table = golden::load();
    // The first undressed case of each layout without a From hint (the form
    // has no From field), preferring one with a single right actor, so
    // every layout is seen once as pasted.
    let mut cases = Vec::new();
    for layout in &table.layouts {
        let p = table
            .paste
            .iter()
            .find(|p| {
                &p.layout == layout
                    && p.dress.is_none()
                    && p.from.is_none()
                    && !p.expect.actor.contains('|')
            })
            .or_else(|| {
                table
                    .paste
                    .iter()
                    .find(|p| &p.layout == layout && p.dress.is_none() && p.from.is_none())
            })
            .or_else(|| table.paste.iter().find(|p| &p.layout == layout))
            .unwrap();
        let e = &p.expect;
        // The receiving side is named by the recipient's domain.
        let domain = e
            .recipient
            .rsplit_once('@')
            .map_or("?", |(_, d)| d)
            .to_owned();
        // Each right actor's name (a debatable case may allow two).
        let who: Vec<_> = e
            .actor
            .split('|')
            .map(|a| actor_name(actor(a), &domain, None))
            .collect();
        cases.push(json!({
            "name": p.name,
            "layout": p.layout,
            "text": p.text,
            "to": p.to,
            "recipient": e.recipient,
            "actor_en": who.iter().map(|w| w.en.clone()).collect::<Vec<_>>(),
            "actor_ja": who.iter().map(|w| w.ja.clone()).collect::<Vec<_>>(),
            "phrase_en": e.en.first(),
            "phrase_ja": e.ja.first(),
        }));
    }
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    // No demo incidents: the knowledge base alone answers, as in the
    // golden table.
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let out = root.join("target/browser-artifacts/pastes");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let scenario = out.join("scenario.json");
    std::fs::write(&scenario, json!({ "cases": cases }).to_string()).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(browser.join("pastes.mjs"))
        .arg(&node.url)
        .arg(&out)
        .arg(&scenario)
        .env("CHROMIUM", &chromium)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(600), run)
        .await
        .expect("the browser checks finish within 10 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let passed = stdout.matches("\"ok\":true").count();
    println!(
        "{passed} of {} page checks passed\n{stdout}",
        cases.len() * 2
    );
    assert!(
        output.status.success(),
        "page checks failed (screenshots in {}):\n{stdout}\n{stderr}",
        out.display()
    );
    assert_eq!(passed, cases.len() * 2, "{stdout}");
}
