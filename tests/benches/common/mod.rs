#![allow(dead_code)] // each benchmark uses part of it
//! What the benchmarks share: seeding a database with signed notices fast,
//! through the store's batch publish (the same transaction code a publish
//! runs, a thousand notices per commit).

use std::time::{Duration, Instant};

use dix_schema::SignedNotice;
use dix_server::scope::ScopeField;
use dix_server::store::{NewNotice, Store};
use dix_tests::{Issuer, TestDb};
use serde_json::{Value, json};

/// Stores `n` notices of `issuer`, each a new incident, `edit(i, draft)`
/// shaping the i-th; returns their signed bytes in feed order.
pub async fn seed(
    db: &TestDb,
    issuer: &Issuer,
    n: usize,
    edit: impl Fn(usize, &mut Value) + Sync,
) -> Vec<Vec<u8>> {
    let store = Store::connect(&db.url, 4).await.expect("store");
    let mut all = Vec::with_capacity(n);
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    for start in (0..n).step_by(10_000) {
        let end = (start + 10_000).min(n);
        // Signing and verifying is most of seeding: on every core.
        let mut signed: Vec<(Vec<u8>, SignedNotice)> = std::thread::scope(|s| {
            let per = (end - start).div_ceil(cores);
            let parts: Vec<_> = (start..end)
                .step_by(per)
                .map(|from| {
                    let (edit, to) = (&edit, (from + per).min(end));
                    s.spawn(move || {
                        (from..to)
                            .map(|i| {
                                let bytes = issuer.notice(|d| edit(i, d));
                                let n = dix_schema::UnverifiedNotice::parse(&bytes)
                                    .unwrap()
                                    .verify(&issuer.key.public_key())
                                    .unwrap();
                                (bytes, n)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
        });
        // Seqs come from one counter shared by the threads: store in seq
        // order, as an issuer publishes.
        signed.sort_by_key(|(_, n)| n.notice().seq);
        for chunk in signed.chunks(1000) {
            let batch: Vec<NewNotice> = chunk.iter().map(|(_, n)| stored_as(issuer, n)).collect();
            store.publish_many(&batch).await.expect("seed batch");
        }
        all.extend(signed.into_iter().map(|(b, _)| b));
    }
    store.close().await;
    all
}

/// What ingest stores for a notice whose claims all verified.
fn stored_as<'a>(issuer: &Issuer, n: &'a SignedNotice) -> NewNotice<'a> {
    let s = &n.notice().scope;
    let mut claims = Vec::new();
    let mut scope = Vec::new();
    for d in &s.recipient_domains {
        claims.push(json!({"field": "recipient_domains", "value": d.to_string(), "verified": true, "status": "verified", "basis": "bench"}));
        scope.push((ScopeField::RecipientDomains, d.to_string(), true));
    }
    for r in &s.receiving_ips {
        claims.push(json!({"field": "receiving_ips", "value": r.to_string(), "verified": true, "status": "verified", "basis": "bench"}));
        scope.push((ScopeField::ReceivingIps, r.to_string(), true));
    }
    NewNotice {
        notice: n,
        verification: json!({
            "key": {"selector": issuer.selector, "source": "dns", "public_key": issuer.key.public_key().to_base64()},
            "scope": {"all_verified": true, "entries": claims},
        })
        .to_string(),
        scope_verified: true,
        scope,
        key: (issuer.key.public_key().to_base64(), "dns"),
        source: "bench".into(),
        received_at: 0,
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Sends the request `make` builds from `clients` concurrent clients for
/// `secs`: requests per second, and latency percentiles over every request.
pub async fn load(
    clients: usize,
    secs: u64,
    make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Clone + Send + 'static,
) -> (f64, Duration, Duration) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (client, make) = (client.clone(), make.clone());
        tasks.spawn(async move {
            let mut times = Vec::new();
            while started.elapsed() < Duration::from_secs(secs) {
                let t = Instant::now();
                let r = make(&client).send().await.unwrap();
                assert!(r.status().is_success());
                r.bytes().await.unwrap();
                times.push(t.elapsed());
            }
            times
        });
    }
    let mut times = Vec::new();
    while let Some(t) = tasks.join_next().await {
        times.extend(t.unwrap());
    }
    let rate = times.len() as f64 / started.elapsed().as_secs_f64();
    times.sort();
    (rate, percentile(&times, 0.5), percentile(&times, 0.99))
}

/// POSTs `body` as JSON to `url`; see [`load`].
pub async fn post_load(
    url: &str,
    body: Vec<u8>,
    clients: usize,
    secs: u64,
) -> (f64, Duration, Duration) {
    let url = url.to_owned();
    load(clients, secs, move |c| {
        c.post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
    })
    .await
}

/// Starts the bare axum server (constant answers): the baseline.
pub async fn bare_server() -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut bare = tokio::process::Command::new(env!("CARGO_BIN_EXE_bare-axum"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(bare.stdout.take().unwrap()).lines();
    let url = lines
        .next_line()
        .await
        .unwrap()
        .unwrap()
        .replace("dixd listening on ", "");
    (bare, url)
}
