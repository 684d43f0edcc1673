//! `scripts/bench.sh`: the node under load, on SQLite and on PostgreSQL.
//!
//! 1. Seeds 100,000 incidents through the store's batch publish (the same
//!    transaction code as a publish, in batches, so seeding takes seconds).
//! 2. Publish throughput over HTTP into that database: real `dixd`
//!    (release), real DNS key lookup (cached after the first), signature
//!    verification and a durable commit per notice.
//! 3. `GET /v1/incidents` latency (p50/p99) for typical queries, one client,
//!    and throughput with 8 concurrent clients.
//! 4. `POST /v1/explain` for a domain with one open incident, next to one
//!    with 1,000 (one symptom list, as one operator's notices share) and
//!    one with 1,000 whose text patterns all differ (SQLite).
//!    `scripts/bench.sh node candidates` runs this part alone.
//!
//! Timings on shared machines are noisy: compare rows of one run.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns};
use serde_json::json;

const INCIDENTS: usize = 100_000;
const PUBLISHES: usize = 2_000;
const PUBLISH_CLIENTS: usize = 8;
/// Open incidents on `many.` and on `varied.` the bench domain.
const CANDIDATES: usize = 1_000;
const TWICE_CANDIDATES: usize = 2 * CANDIDATES;

async fn seed(db: &TestDb, issuer: &Issuer) -> Duration {
    let started = Instant::now();
    common::seed(db, issuer, INCIDENTS, |i, n| {
        let (a, b) = ((i / 256) % 256, i % 256);
        // The first 2,000 are the candidates of the explain comparison.
        let domain = match i {
            0..CANDIDATES => format!("many.{}", issuer.domain),
            CANDIDATES..TWICE_CANDIDATES => {
                n["symptoms"] = json!([{"reply": 451, "status": "4.7.500", "text": format!("Server busy {i}*")}]);
                format!("varied.{}", issuer.domain)
            }
            _ => format!("c{i}.{}", issuer.domain),
        };
        n["scope"] = json!({"recipient_domains": [domain], "receiving_ips": [format!("10.{a}.{b}.0/24")]});
        if i % 3 == 0 && i >= TWICE_CANDIDATES {
            n["status"] = json!("resolved");
            n["ended_at"] = n["published_at"].clone();
        }
    })
    .await;
    started.elapsed()
}

async fn publish_throughput(node: &DixNode, issuer: &Arc<Issuer>) -> (f64, Duration, Duration) {
    let notices: Vec<Vec<u8>> = (0..PUBLISHES).map(|_| issuer.notice(|_| {})).collect();
    // Send in seq order per client so nothing is rejected as out of order.
    let chunks: Vec<Vec<Vec<u8>>> = notices
        .chunks(PUBLISHES / PUBLISH_CLIENTS)
        .map(|c| c.to_vec())
        .collect();
    let client = reqwest::Client::new();
    let url = node.at("/v1/notices");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in chunks {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            let mut times = Vec::new();
            for body in chunk {
                let t = Instant::now();
                let r = client.post(&url).body(body).send().await.expect("post");
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
                times.push(t.elapsed());
            }
            times
        });
    }
    let mut times = Vec::new();
    while let Some(t) = tasks.join_next().await {
        times.extend(t.unwrap());
    }
    let rate = PUBLISHES as f64 / started.elapsed().as_secs_f64();
    times.sort();
    (
        rate,
        common::percentile(&times, 0.5),
        common::percentile(&times, 0.99),
    )
}

async fn read_latency(node: &DixNode, path: &str) -> (Duration, Duration, f64) {
    let client = reqwest::Client::new();
    let url = node.at(path);
    for _ in 0..20 {
        client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    // Throughput: 8 clients for ~3 seconds.
    let url_for_load = url.clone();
    let (rate, _, _) = common::load(8, 3, move |c| c.get(&url_for_load)).await;
    (
        common::percentile(&times, 0.5),
        common::percentile(&times, 0.99),
        rate,
    )
}

/// `POST /v1/match` on a node holding 100,000 incidents, next to a bare axum
/// handler, same load generator, same run.
async fn match_versus_bare(node: &DixNode, issuer: &Issuer) -> Vec<String> {
    let query = serde_json::to_vec(&json!({"queries": [{
        "recipient_domain": format!("c54321.{}", issuer.domain), "remote_ip": "10.212.49.9",
        "reply_code": 451, "status": "4.7.500", "text": "451 4.7.500 Server busy. Please try again later"
    }]}))
    .unwrap();
    // Warm up, and check that the query really finds its incident.
    let check: serde_json::Value = reqwest::Client::new()
        .post(node.at("/v1/match"))
        .body(query.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        check["results"][0]["matches"][0]["decisive"], true,
        "the benchmark query does not find its incident on a verified claim: {check}"
    );

    let (mut bare, bare_url) = common::bare_server().await;

    let mut rows = Vec::new();
    let mut results = Vec::new();
    // Interleave, so both see the same machine state.
    for round in 0..2 {
        let b = common::post_load(&format!("{bare_url}/v1/match"), query.clone(), 8, 4).await;
        let d = common::post_load(&node.at("/v1/match"), query.clone(), 8, 4).await;
        if round == 1 {
            results = vec![b, d];
        }
    }
    let (b, d) = (results[0], results[1]);
    rows.push(format!(
        "| bare axum handler (constant answer) | {} | {} | {:.0} req/s |",
        common::ms(b.1),
        common::ms(b.2),
        b.0
    ));
    rows.push(format!("| dixd POST /v1/match, {INCIDENTS} incidents indexed | {} | {} | {:.0} req/s ({:.0}% of bare) |", common::ms(d.1), common::ms(d.2), d.0, 100.0 * d.0 / b.0));
    // Explain does the parsing, the knowledge base and the verdict too.
    let explain = serde_json::to_vec(&json!({
        "text": "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
        "recipient": format!("someone@c54321.{}", issuer.domain),
    }))
    .unwrap();
    let e = common::post_load(&node.at("/v1/explain"), explain, 8, 4).await;
    rows.push(format!("| dixd POST /v1/explain (a bare reply), {INCIDENTS} incidents indexed | {} | {} | {:.0} req/s ({:.0}% of bare) |", common::ms(e.1), common::ms(e.2), e.0, 100.0 * e.0 / b.0));
    let _ = bare.kill().await;
    rows
}

/// `POST /v1/explain` of one bare reply: to a domain with one open
/// incident, and to domains with 1,000, interleaved, 8 clients, 4 s each.
async fn explain_candidates(node: &DixNode, issuer: &Issuer) -> Vec<String> {
    let body = |domain: &str| {
        serde_json::to_vec(&json!({
            "text": "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
            "recipient": format!("someone@{domain}.{}", issuer.domain),
        }))
        .unwrap()
    };
    let cases = [
        ("one open incident", body("c54322")),
        ("1,000 open incidents, one symptom list", body("many")),
        ("1,000 open incidents, 1,000 text patterns", body("varied")),
    ];
    for (what, b) in &cases {
        let r = dix_tests::post(&node.at("/v1/explain"), b.clone()).await;
        let matches = r.json["facts"][0]["matches"].as_array().map_or(0, Vec::len);
        assert!(
            r.status == 200 && matches > 0 && r.json["facts"][0]["matches"][0]["decisive"] == true,
            "{what}: {}",
            &r.text[..r.text.len().min(400)]
        );
    }
    let mut results = Vec::new();
    for round in 0..2 {
        let mut this = Vec::new();
        for (_, b) in &cases {
            this.push(common::post_load(&node.at("/v1/explain"), b.clone(), 8, 4).await);
        }
        if round == 1 {
            results = this;
        }
    }
    let one = results[0].0;
    cases
        .iter()
        .zip(results)
        .map(|((what, _), (rate, p50, p99))| {
            format!(
                "| POST /v1/explain, {what} | {} | {} | {rate:.0} req/s ({:.0}% of one) |",
                common::ms(p50),
                common::ms(p99),
                100.0 * rate / one
            )
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `candidates`: only the explain comparison, on SQLite.
    let only_candidates = std::env::args().any(|a| a == "candidates");
    let mut rows = Vec::new();
    let mut match_rows = Vec::new();
    let mut candidate_rows = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if only_candidates && backend != Backend::Sqlite {
            continue;
        }
        let dns = TestDns::start().await;
        let db = TestDb::new(backend).await;
        let issuer = Arc::new(Issuer::new("bench-isp.example", "b1"));
        issuer.publish_key(&dns);
        let seeded = seed(&db, &issuer).await;
        eprintln!("{backend:?}: seeded {INCIDENTS} incidents in {seeded:.1?}");

        let config = db.dir.path().join("bench.toml");
        let settings = "rate_per_ip_per_minute = 100000000\nrate_per_issuer_per_minute = 100000000\ndb_max_connections = 16\n";
        std::fs::write(&config, settings).unwrap();
        let mut node =
            DixNode::start(&db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
        if only_candidates {
            candidate_rows = explain_candidates(&node, &issuer).await;
            continue;
        }

        // With the matching index and without, interleaved: on, off, on.
        let mut with_index = Vec::new();
        let (rate, p50, p99) = publish_throughput(&node, &issuer).await;
        with_index.push(rate);
        rows.push(format!("| {backend:?} | POST /v1/notices ({PUBLISH_CLIENTS} clients, {PUBLISHES} notices) | {} | {} | {rate:.0} notices/s |", common::ms(p50), common::ms(p99)));
        std::fs::write(&config, format!("{settings}match_index = false\n")).unwrap();
        node.restart().await;
        let (without, p50, p99) = publish_throughput(&node, &issuer).await;
        rows.push(format!("| {backend:?} | POST /v1/notices, match_index = false | {} | {} | {without:.0} notices/s |", common::ms(p50), common::ms(p99)));
        std::fs::write(&config, settings).unwrap();
        node.restart().await;
        let (rate, p50, p99) = publish_throughput(&node, &issuer).await;
        with_index.push(rate);
        let mean = with_index.iter().sum::<f64>() / 2.0;
        rows.push(format!("| {backend:?} | POST /v1/notices again, index on | {} | {} | {rate:.0} notices/s (mean of both runs with the index: {:.0}% of without) |", common::ms(p50), common::ms(p99), 100.0 * mean / without));
        for (label, path) in [
            ("GET /v1/incidents (newest 100)", "/v1/incidents".to_owned()),
            (
                "GET /v1/incidents?domain=… (one match)",
                format!("/v1/incidents?domain=c54321.{}", issuer.domain),
            ),
            (
                "GET /v1/incidents?ip=… (one match)",
                "/v1/incidents?ip=10.12.34.7".to_owned(),
            ),
            (
                "GET /v1/incidents?status=resolved&limit=100",
                "/v1/incidents?status=resolved&limit=100".to_owned(),
            ),
            (
                "GET /v1/incidents?active_at=now&limit=100",
                "/v1/incidents?active_at=now&limit=100".to_owned(),
            ),
        ] {
            let (p50, p99, rps) = read_latency(&node, &path).await;
            rows.push(format!(
                "| {backend:?} | {label} | {} | {} | {rps:.0} req/s |",
                common::ms(p50),
                common::ms(p99)
            ));
        }
        if backend == Backend::Sqlite {
            match_rows = match_versus_bare(&node, &issuer).await;
            candidate_rows = explain_candidates(&node, &issuer).await;
        }
        eprintln!(
            "{}",
            node.logs()
                .lines()
                .filter(|l| l.contains("WARN") || l.contains("ERROR"))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    println!(
        "\nPOST /v1/explain by the number of open incidents on the recipient's domain (SQLite, {INCIDENTS} stored): 8 clients, 4 s each, interleaved.\n"
    );
    println!("| request | p50 | p99 | throughput |\n|---|---|---|---|");
    for row in candidate_rows {
        println!("{row}");
    }
    if only_candidates {
        return;
    }
    println!(
        "\n{INCIDENTS} incidents stored; latency from one client, throughput from 8 (publish: {PUBLISH_CLIENTS}).\n"
    );
    println!("| store | request | p50 | p99 | throughput |\n|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!("\nPOST /v1/match: 8 clients, 4 s each, interleaved with the baseline.\n");
    println!("| server | p50 | p99 | throughput |\n|---|---|---|---|");
    for row in match_rows {
        println!("{row}");
    }
}
