//! `scripts/bench.sh memory`: a node holding 1,000,000 incidents, most of
//! them resolved long ago (as history accumulates): resident memory after
//! start, and `POST /v1/match` next to a bare axum handler, in one run —
//! for a recent bounce (answered from memory) and for one 60 days old
//! (answered from the store).

mod common;

use std::time::{Duration, Instant};

use dix_schema::types::Timestamp;
use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, post};
use serde_json::json;

/// `DIX_BENCH_INCIDENTS` overrides it.
fn incidents() -> usize {
    std::env::var("DIX_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// One in this many incidents is open; the rest ended 60 days ago.
const OPEN_ONE_IN: usize = 20;

fn rss_mib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = incidents();
    let dns = TestDns::start().await;
    let issuer = Issuer::new("bench-isp.example", "b1");
    issuer.publish_key(&dns);
    let db = TestDb::new(Backend::Sqlite).await;
    let now = Timestamp::now().unix();
    let at = |s: i64| Timestamp::from_unix(s).unwrap().to_string();
    let day = 86_400;
    let started = Instant::now();
    common::seed(&db, &issuer, n, |i, d| {
        let (a, b) = ((i / 256) % 256, i % 256);
        d["scope"] = json!({"recipient_domains": [format!("c{i}.{}", issuer.domain)], "receiving_ips": [format!("10.{a}.{b}.0/24")]});
        if i % OPEN_ONE_IN != 0 {
            d["status"] = json!("resolved");
            d["started_at"] = json!(at(now - 61 * day));
            d["ended_at"] = json!(at(now - 60 * day));
        }
    })
    .await;
    eprintln!("seeded {n} incidents in {:.0?}", started.elapsed());

    let config = db.dir.path().join("bench.toml");
    std::fs::write(&config, "rate_per_ip_per_minute = 100000000\n").unwrap();
    let started = Instant::now();
    let node = DixNode::start(&db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    let start_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss = rss_mib(node.pid().unwrap());

    let recent = OPEN_ONE_IN * 4321;
    let old = recent + 1;
    let query = |i: usize, timestamp: Option<String>| {
        let (a, b) = ((i / 256) % 256, i % 256);
        let mut q = json!({
            "recipient_domain": format!("c{i}.{}", issuer.domain), "remote_ip": format!("10.{a}.{b}.9"),
            "reply_code": 451, "status": "4.7.500", "text": "451 4.7.500 Server busy. Please try again later"
        });
        if let Some(t) = timestamp {
            q["timestamp"] = json!(t);
        }
        serde_json::to_vec(&json!({ "queries": [q] })).unwrap()
    };
    let recent_q = query(recent, None);
    let old_q = query(old, Some(at(now - 60 * day - 3600)));
    for (q, what) in [(&recent_q, "recent"), (&old_q, "60 days old")] {
        let r = post(&node.at("/v1/match"), q.clone()).await;
        assert_eq!(
            r.json["results"][0]["matches"][0]["decisive"], true,
            "the {what} query finds nothing: {}",
            r.text
        );
    }
    let (mut bare, bare_url) = common::bare_server().await;
    let mut results = Vec::new();
    for round in 0..2 {
        let b = common::post_load(&format!("{bare_url}/v1/match"), recent_q.clone(), 8, 4).await;
        let r = common::post_load(&node.at("/v1/match"), recent_q.clone(), 8, 4).await;
        let o = common::post_load(&node.at("/v1/match"), old_q.clone(), 8, 4).await;
        if round == 1 {
            results = vec![b, r, o];
        }
    }
    let _ = bare.kill().await;
    let rss_after = rss_mib(node.pid().unwrap());
    let (b, r, o) = (results[0], results[1], results[2]);
    println!(
        "\n{n} incidents stored, {} open (the rest ended 60 days ago); SQLite.\n",
        n / OPEN_ONE_IN
    );
    println!("| measure | value |\n|---|---|");
    println!("| start until listening (index and log loaded) | {start_secs:.1} s |");
    println!("| resident memory after start | {rss} MiB |");
    println!("| resident memory after the load below | {rss_after} MiB |");
    println!("\n| server | p50 | p99 | throughput |\n|---|---|---|---|");
    println!(
        "| bare axum handler (constant answer) | {} | {} | {:.0} req/s |",
        common::ms(b.1),
        common::ms(b.2),
        b.0
    );
    println!(
        "| dixd POST /v1/match, a recent bounce (memory) | {} | {} | {:.0} req/s ({:.0}% of bare) |",
        common::ms(r.1),
        common::ms(r.2),
        r.0,
        100.0 * r.0 / b.0
    );
    println!(
        "| dixd POST /v1/match, a bounce 60 days old (store) | {} | {} | {:.0} req/s ({:.0}% of bare) |",
        common::ms(o.1),
        common::ms(o.2),
        o.0,
        100.0 * o.0 / b.0
    );
}
