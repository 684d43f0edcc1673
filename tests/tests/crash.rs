//! `kill -9` of dixd while clients publish, again and again, on SQLite and
//! PostgreSQL: every notice the node acknowledged (201) is there after the
//! restarts, and the feed holds nothing twice.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, get, on_both_databases};

on_both_databases!(kill_9_under_publishing_load_loses_nothing);

async fn kill_9_under_publishing_load_loses_nothing(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let isp = Arc::new(Issuer::new("example-isp.jp", "s2026"));
    isp.publish_key(&dns);
    let config = db.dir.path().join("dixd.toml");
    std::fs::write(
        &config,
        "rate_per_ip_per_minute = 1000000\nrate_per_issuer_per_minute = 1000000\n",
    )
    .unwrap();
    let mut node = DixNode::start(&db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    let url = Arc::new(RwLock::new(node.url.clone()));
    let acked: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut publishers = Vec::new();
    for _ in 0..4 {
        let (isp, url, acked, stop, client) = (
            isp.clone(),
            url.clone(),
            acked.clone(),
            stop.clone(),
            client.clone(),
        );
        publishers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let notice = isp.notice(|_| {});
                let at = format!("{}/v1/notices", url.read().unwrap());
                match client
                    .post(&at)
                    .header("content-type", "application/json")
                    .body(notice.clone())
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 201 => acked.lock().unwrap().push(notice),
                    // Refused or cut off by the kill: not acknowledged, so not promised.
                    _ => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }
    for round in 0..4 {
        tokio::time::sleep(Duration::from_millis(400 + 150 * round)).await;
        node.kill9().await;
        node.start_again().await;
        *url.write().unwrap() = node.url.clone();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for p in publishers {
        p.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "the load was real: {} acknowledged",
        acked.len()
    );

    // Read the whole feed.
    let mut stored: Vec<String> = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let page = get(&node.at(&format!("/v1/feed?after={after}&limit=1000"))).await;
        assert_eq!(page.status, 200, "{}", page.text);
        for n in page.json["notices"].as_array().unwrap() {
            stored.push(n.to_string());
        }
        after = page.json["next"].as_str().unwrap().to_owned();
        if page.json["more"] != true {
            break;
        }
    }
    let set: HashSet<&String> = stored.iter().collect();
    assert_eq!(set.len(), stored.len(), "a notice is in the feed twice");
    for n in &acked {
        let canonical: serde_json::Value = serde_json::from_slice(n).unwrap();
        assert!(
            set.contains(&canonical.to_string()),
            "a notice acknowledged with 201 was lost after kill -9"
        );
    }
    eprintln!(
        "{} acknowledged, {} stored, across 4 kills",
        acked.len(),
        stored.len()
    );
}
