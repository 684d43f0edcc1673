//! `scripts/bench.sh federation`: federation under load (release `dixd`).
//!
//! 1. Sync: 200,000 notices seeded into node A (SQLite); an empty node B
//!    (SQLite, then PostgreSQL) pulls them all. Notices per second, next to
//!    bare `verify_strict` of the same 200,000 signatures on every core, and
//!    next to parsing and verifying them (what a node must do at least), in
//!    the same run.
//! 2. Propagation: 30 nodes on loopback, each pulling from 3 others chosen
//!    at random, 60 s schedule. Time from a publish on one node until the
//!    last node holds the notice, the graph's diameter, and the bytes all
//!    nodes fetched for it.
//!
//! Timings on shared machines are noisy: compare figures of one run.

mod common;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, get, post};
use serde_json::{Value, json};

/// `DIX_BENCH_SYNC_NOTICES` overrides it (for quicker comparisons).
fn sync_notices() -> usize {
    std::env::var("DIX_BENCH_SYNC_NOTICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}
const MESH_NODES: usize = 30;
const PULLS_FROM: usize = 3;

/// The signing input and signature of each notice, for the bare baseline.
fn signing_inputs(notices: &[Vec<u8>]) -> Vec<(Vec<u8>, ed25519_dalek::Signature)> {
    use base64::Engine;
    notices
        .iter()
        .map(|bytes| {
            let mut object: serde_json::Map<String, Value> = serde_json::from_slice(bytes).unwrap();
            let sig = object.remove("sig").unwrap();
            let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(sig.as_str().unwrap())
                .unwrap();
            let body = serde_json_canonicalizer::to_vec(&object).unwrap();
            let message = [dix_schema::signing::SIGNING_CONTEXT, &body].concat();
            (
                message,
                ed25519_dalek::Signature::from_bytes(&sig.try_into().unwrap()),
            )
        })
        .collect()
}

/// Runs `f` over `items` on every core; items per second.
fn on_every_core<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) -> f64 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|s| {
        for chunk in items.chunks(items.len().div_ceil(cores)) {
            let f = &f;
            s.spawn(move || chunk.iter().for_each(f));
        }
    });
    items.len() as f64 / started.elapsed().as_secs_f64()
}

async fn peers_of(node: &DixNode) -> Vec<Value> {
    get(&node.at("/v1/peers")).await.json["peers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn sync_benchmark(rows: &mut Vec<String>) {
    let dns = TestDns::start().await;
    let issuer = Issuer::new("bench-isp.example", "b1");
    issuer.publish_key(&dns);
    let db_a = TestDb::new(Backend::Sqlite).await;
    let started = Instant::now();
    let notices = common::seed(&db_a, &issuer, sync_notices(), |i, n| {
        n["scope"] = json!({"recipient_domains": [format!("c{i}.{}", issuer.domain)]});
        if i % 3 != 0 {
            n["status"] = json!("resolved");
            n["ended_at"] = n["published_at"].clone();
        }
    })
    .await;
    eprintln!(
        "seeded {} notices in {:.1?}",
        sync_notices(),
        started.elapsed()
    );

    let key = issuer.key.public_key();
    let inputs = signing_inputs(&notices);
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(key.as_bytes()).unwrap();
    let bare = on_every_core(&inputs, |(m, s)| {
        dalek.verify_strict(m, s).expect("valid");
    });
    let parse_verify = on_every_core(&notices, |b| {
        dix_schema::UnverifiedNotice::parse(b)
            .unwrap()
            .verify(&key)
            .expect("valid");
    });
    rows.push(format!(
        "| bare `verify_strict`, every core | {bare:.0} notices/s | 100% |"
    ));
    rows.push(format!(
        "| parse (canonical JSON, schema) + `verify_strict`, every core | {parse_verify:.0} notices/s | {:.0}% |",
        100.0 * parse_verify / bare
    ));

    let config = db_a.dir.path().join("a.toml");
    std::fs::write(&config, "rate_per_ip_per_minute = 100000000\n").unwrap();
    let a = DixNode::start(&db_a, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db_b = TestDb::new(backend).await;
        let config = db_b.dir.path().join("b.toml");
        std::fs::write(&config, "sync_every_secs = 3600\npeer_page = 1000\n").unwrap();
        let started = Instant::now();
        let b = DixNode::start(
            &db_b,
            dns.addr(),
            &["--config", config.to_str().unwrap(), "--peer", &a.url],
        )
        .await;
        loop {
            let peers = peers_of(&b).await;
            if peers[0]["received"].as_u64() == Some(sync_notices() as u64) {
                break;
            }
            assert!(
                peers[0]["last_error"].is_null(),
                "sync failed: {}",
                peers[0]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let took = started.elapsed();
        let rate = sync_notices() as f64 / took.as_secs_f64();
        let status = &peers_of(&b).await[0];
        assert_eq!(status["checkpoint"]["state"], "verified", "{status}");
        rows.push(format!(
            "| sync A (SQLite) → empty B ({backend:?}), pages of 1000, {} notices in {:.1} s | {rate:.0} notices/s | {:.0}% |",
            sync_notices(),
            took.as_secs_f64(),
            100.0 * rate / bare
        ));
        let rss = rss_kib(b.pid().unwrap());
        eprintln!(
            "B ({backend:?}) resident after the sync: {} MiB",
            rss / 1024
        );
    }
}

/// Resident memory of a process, KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A small deterministic generator, so every run builds the same mesh.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Hops from `from` to every node, following who pulls from whom.
fn hops(pulls: &[Vec<usize>], from: usize) -> Vec<Option<usize>> {
    let mut dist = vec![None; pulls.len()];
    dist[from] = Some(0);
    let mut queue = VecDeque::from([from]);
    while let Some(n) = queue.pop_front() {
        for (puller, sources) in pulls.iter().enumerate() {
            if sources.contains(&n) && dist[puller].is_none() {
                dist[puller] = Some(dist[n].unwrap() + 1);
                queue.push_back(puller);
            }
        }
    }
    dist
}

async fn propagation_benchmark(rows: &mut Vec<String>) {
    let dns = TestDns::start().await;
    let issuer = Issuer::new("mesh-isp.example", "m1");
    issuer.publish_key(&dns);
    // Each node pulls from 3 others; keep a mesh every node can reach.
    let mut rng = Lcg(20261201);
    let pulls: Vec<Vec<usize>> = loop {
        let pulls: Vec<Vec<usize>> = (0..MESH_NODES)
            .map(|me| {
                let mut chosen = Vec::new();
                while chosen.len() < PULLS_FROM {
                    let other = rng.below(MESH_NODES);
                    if other != me && !chosen.contains(&other) {
                        chosen.push(other);
                    }
                }
                chosen
            })
            .collect();
        if (0..MESH_NODES).all(|s| hops(&pulls, s).iter().all(Option::is_some)) {
            break pulls;
        }
    };
    let diameter = (0..MESH_NODES)
        .map(|s| hops(&pulls, s).into_iter().flatten().max().unwrap())
        .max()
        .unwrap();
    let from_first = hops(&pulls, 0).into_iter().flatten().max().unwrap();

    // Fixed ports, so every node's peers are known before it starts.
    let ports: Vec<u16> = (0..MESH_NODES)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let mut dbs = Vec::new();
    let mut nodes = Vec::new();
    for (me, sources) in pulls.iter().enumerate() {
        let db = TestDb::new(Backend::Sqlite).await;
        let config = db.dir.path().join("mesh.toml");
        std::fs::write(
            &config,
            "sync_every_secs = 60\nrate_per_ip_per_minute = 100000000\n",
        )
        .unwrap();
        let listen = format!("127.0.0.1:{}", ports[me]);
        let mut args = vec![
            "--config".to_owned(),
            config.to_str().unwrap().to_owned(),
            "--listen".to_owned(),
            listen,
        ];
        for s in sources {
            args.push("--peer".into());
            args.push(format!("http://127.0.0.1:{}", ports[*s]));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        nodes.push(DixNode::start(&db, dns.addr(), &args).await);
        dbs.push(db);
    }
    // Every stream up (the schedule's first pull is at start).
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in &nodes {
        while !peers_of(n)
            .await
            .iter()
            .all(|p| p["stream_connected"] == true)
        {
            assert!(Instant::now() < deadline, "streams did not connect");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let bytes_now = async |nodes: &[DixNode]| -> u64 {
        let mut total = 0;
        for n in nodes {
            total += peers_of(n)
                .await
                .iter()
                .map(|p| p["bytes_fetched"].as_u64().unwrap_or(0))
                .sum::<u64>();
        }
        total
    };
    let mut times = Vec::new();
    let mut bytes = Vec::new();
    for round in 0..3 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = bytes_now(&nodes).await;
        let notice = issuer.notice(|_| {});
        let id = serde_json::from_slice::<Value>(&notice).unwrap()["incident"]
            .as_str()
            .unwrap()
            .to_owned();
        let started = Instant::now();
        let r = post(&nodes[round].at("/v1/notices"), notice).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let mut missing: Vec<usize> = (0..MESH_NODES).collect();
        while !missing.is_empty() {
            let mut still = Vec::new();
            for &i in &missing {
                let r = get(&nodes[i].at(&format!("/v1/incidents/{}/{id}", issuer.domain))).await;
                if r.status != 200 {
                    still.push(i);
                }
            }
            missing = still;
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "not everywhere after 120 s: {missing:?}"
            );
        }
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_secs(1)).await;
        bytes.push(bytes_now(&nodes).await - before);
    }
    for (i, (t, b)) in times.iter().zip(&bytes).enumerate() {
        rows.push(format!(
            "| notice {} published on node {i}: last of {MESH_NODES} nodes holds it after | {:.2} s | {} bytes fetched mesh-wide (about {:.0} per node) |",
            i + 1,
            t.as_secs_f64(),
            b,
            *b as f64 / MESH_NODES as f64
        ));
    }
    rows.push(format!(
        "| mesh: {MESH_NODES} nodes, each pulling from {PULLS_FROM}, 60 s schedule | diameter {diameter} hops (from node 0: {from_first}) | |"
    ));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // cargo bench passes `--bench`; the part to run is the other word.
    let which = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_default();
    assert!(
        ["", "sync", "mesh"].contains(&which.as_str()),
        "unknown part {which:?}: sync or mesh (or nothing for both)"
    );
    let mut sync_rows = Vec::new();
    let mut mesh_rows = Vec::new();
    if which.is_empty() || which == "sync" {
        sync_benchmark(&mut sync_rows).await;
    }
    if which.is_empty() || which == "mesh" {
        propagation_benchmark(&mut mesh_rows).await;
    }
    if !sync_rows.is_empty() {
        println!(
            "\n| sync of {} notices | rate | of bare verify_strict |\n|---|---|---|",
            sync_notices()
        );
        sync_rows.iter().for_each(|r| println!("{r}"));
    }
    if !mesh_rows.is_empty() {
        println!("\n| propagation | time | bytes |\n|---|---|---|");
        mesh_rows.iter().for_each(|r| println!("{r}"));
    }
}
