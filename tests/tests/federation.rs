//! Federation between real `dixd` processes on 127.0.0.1, keys in a real
//! DNS server on loopback, every scenario on SQLite and PostgreSQL: nodes in
//! a line and a ring, a node killed mid-sync, peers that serve garbage,
//! tampered, cut-short, endless and oversized answers, logs that are
//! rewritten, truncated or re-keyed behind one URL, the live feed stream,
//! the gap-safe feed under concurrent writers, and two replicas on one
//! PostgreSQL.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dix_tests::{
    Backend, DixNode, FakeAnswer, FakePeer, Issuer, TestDb, TestDns, feed_page, get, not_found,
    on_both_databases, post,
};
use serde_json::{Value, json};

on_both_databases!(
    a_notice_crosses_a_line_and_a_ring,
    a_node_killed_mid_sync_resumes_exactly,
    bad_peers_cost_only_their_own_notices,
    a_rewritten_log_stops_the_peer_until_an_operator_forgets_it,
    a_truncated_or_rekeyed_log_stops_the_peer,
    the_feed_stream_announces_every_append,
    concurrent_writers_never_back_fill_the_feed,
    a_publish_is_matchable_when_it_is_answered,
    one_seq_with_two_notices_from_two_peers_is_equivocation,
    an_old_bounce_is_matched_from_the_store,
    a_peer_down_at_start_is_pulled_once_it_answers,
);

/// Fast settings: no limits in the way, quick retries, short deadlines.
fn config(sync_every: u64) -> String {
    format!(
        "rate_per_ip_per_minute = 100000\nrate_per_issuer_per_minute = 100000\nsync_every_secs = {sync_every}\npeer_backoff_cap_secs = 2\npeer_timeout_secs = 3\n"
    )
}

/// A node with `config` and these extra flags.
async fn node(db: &TestDb, dns: &TestDns, config: &str, extra: &[&str]) -> DixNode {
    let path = db
        .dir
        .path()
        .join(format!("dixd-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, config).unwrap();
    let mut args = vec!["--config", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    DixNode::start(db, dns.addr(), &args).await
}

/// A port that was free a moment ago, for a node that must keep its URL
/// across restarts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `check` holds, or fails with `what` after `secs`.
async fn eventually<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn publish(node: &DixNode, notice: Vec<u8>) {
    let r = post(&node.at("/v1/notices"), notice).await;
    assert_eq!(r.status, 201, "{} / {}", r.text, node.logs());
}

/// The seq of the incident's current revision on `node`, if it holds it.
async fn held_seq(node: &DixNode, issuer: &str, incident: &str) -> Option<u64> {
    let r = get(&node.at(&format!("/v1/incidents/{issuer}/{incident}"))).await;
    (r.status == 200).then(|| r.json["seq"].as_u64()).flatten()
}

/// Every notice in `node`'s feed, as served.
async fn feed(node: &DixNode) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let r = get(&node.at(&format!("/v1/feed?after={after}&limit=1000"))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        all.extend(r.json["notices"].as_array().unwrap().iter().cloned());
        after = r.json["next"].as_str().unwrap().to_owned();
        if !r.json["more"].as_bool().unwrap() {
            return all;
        }
    }
}

/// `node`'s view of the peer at `url`.
async fn peer_status(node: &DixNode, url: &str) -> Value {
    let r = get(&node.at("/v1/peers")).await;
    r.json["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"] == url)
        .cloned()
        .unwrap_or_else(|| panic!("{url} not in {}", r.text))
}

/// `writers` clients per URL, each publishing `each` fresh notices of `isp`.
async fn publish_concurrently(isp: &Arc<Issuer>, urls: &[String], writers: usize, each: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        for _ in 0..writers {
            let (isp, url) = (isp.clone(), url.clone());
            tasks.spawn(async move {
                for _ in 0..each {
                    let r = post(&url, isp.notice(|_| {})).await;
                    assert_eq!(r.status, 201, "{}", r.text);
                }
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// What a minimal relay serves: `notices` as its whole feed (ending at
/// cursor `next`), 404 for everything else (no checkpoints, no stream).
fn serving(
    notices: Vec<Vec<u8>>,
    next: u64,
) -> impl Fn(&str) -> FakeAnswer + Send + Sync + 'static {
    move |path: &str| {
        if path.starts_with("/v1/feed?after=0") {
            feed_page(&notices, next)
        } else if path.starts_with("/v1/feed?") {
            feed_page(&[], next)
        } else {
            not_found()
        }
    }
}

fn incident_of(notice: &[u8]) -> String {
    serde_json::from_slice::<Value>(notice).unwrap()["incident"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A notice published on A reaches C through B and verifies there, byte for
/// byte; with the stream alone (the schedule is an hour). Closing the ring
/// multiplies nothing: each node holds each notice once.
async fn a_notice_crosses_a_line_and_a_ring(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let (db_a, db_b, db_c) = (
        TestDb::new(backend).await,
        TestDb::new(backend).await,
        TestDb::new(backend).await,
    );
    let cfg = config(3600);
    let port_a = free_port().to_string();
    let listen_a = format!("127.0.0.1:{port_a}");
    let mut a = node(&db_a, &dns, &cfg, &["--listen", &listen_a]).await;
    let b = node(&db_b, &dns, &cfg, &["--peer", &a.url]).await;
    let c = node(&db_c, &dns, &cfg, &["--peer", &b.url]).await;

    let first = isp.notice(|_| {});
    let id = incident_of(&first);
    let started = Instant::now();
    publish(&a, first.clone()).await;
    eventually("C holds the notice published on A", 15, || async {
        held_seq(&c, "isp.example", &id).await.is_some()
    })
    .await;
    let crossed = started.elapsed();
    // The sync schedule's scheduler keeps its start-up to itself.
    assert!(!b.logs().contains("Uninited"), "{}", b.logs());
    assert!(
        crossed < Duration::from_secs(10),
        "two hops took {crossed:?} with an hour's schedule: the stream did not push"
    );
    let at_c = feed(&c).await;
    assert_eq!(at_c.len(), 1);
    assert_eq!(
        serde_json::to_vec(&at_c[0]).unwrap(),
        serde_json::to_vec(&serde_json::from_slice::<Value>(&first).unwrap()).unwrap(),
        "relayed verbatim"
    );
    let r = get(&c.at(&format!("/v1/incidents/isp.example/{id}"))).await;
    assert_eq!(
        r.json["verification"]["key"]["source"], "dns",
        "verified at C: {}",
        r.text
    );
    assert_eq!(
        r.json["revisions"][0]["source"], b.url,
        "relayed by B: {}",
        r.text
    );

    // Close the ring: A pulls from C.
    a.add_args(&["--peer", &c.url]);
    a.restart().await;
    let mut revision = serde_json::from_slice::<Value>(&first).unwrap();
    revision["seq"] = json!(isp.next_seq());
    revision["status"] = json!("resolved");
    revision["ended_at"] = json!(dix_schema::types::Timestamp::now().to_string());
    revision["published_at"] = revision["ended_at"].clone();
    revision.as_object_mut().unwrap().remove("sig");
    let revised = isp.sign(&revision);
    publish(&a, revised).await;
    let later = isp.notice(|_| {});
    let later_id = incident_of(&later);
    publish(&b, later).await;
    for n in [&a, &b, &c] {
        eventually(
            "every node holds both incidents at their newest seq",
            20,
            || async {
                held_seq(n, "isp.example", &id).await == Some(revision["seq"].as_u64().unwrap())
                    && held_seq(n, "isp.example", &later_id).await.is_some()
            },
        )
        .await;
    }
    // Let the ring go round once more, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for n in [&a, &b, &c] {
        let all = feed(n).await;
        let distinct: BTreeSet<String> = all.iter().map(|v| v.to_string()).collect();
        assert_eq!((all.len(), distinct.len()), (3, 3), "{}", n.url);
    }
}

/// B is killed with SIGKILL while pulling 1,000 notices in pages of 5; after
/// the restart it resumes at its saved cursor: every notice once, none lost.
async fn a_node_killed_mid_sync_resumes_exactly(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Arc::new(Issuer::new("isp.example", "s1"));
    isp.publish_key(&dns);
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let a = node(&db_a, &dns, &config(3600), &[]).await;
    publish_concurrently(&isp, &[a.at("/v1/notices")], 8, 125).await;
    // B reaches A through a proxy that records what B asks for.
    let target = a.url.clone();
    let proxy = FakePeer::start(move |path: &str| {
        if path.starts_with("/v1/feed/stream") {
            not_found()
        } else {
            FakeAnswer::Proxy(target.clone())
        }
    })
    .await;
    let mut b = node(
        &db_b,
        &dns,
        &format!("{}peer_page = 5\n", config(3600)),
        &["--peer", &proxy.url],
    )
    .await;
    eventually("B has started pulling", 30, || async {
        peer_status(&b, &proxy.url).await["received"]
            .as_i64()
            .unwrap()
            > 0
    })
    .await;
    b.kill9().await;
    let asked_before = proxy.requests().len();
    b.start_again().await;
    // A bound on liveness, not a timing: a debug build on a busy machine
    // takes 40 s to store and prove these 200 pages of 5.
    let waited = tokio::time::timeout(Duration::from_secs(240), async {
        while peer_status(&b, &proxy.url).await["cursor"] != "1000" {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "not within 240 s: B holds all 1000 notices; B's view of A: {}\nB's log: {}",
        peer_status(&b, &proxy.url).await,
        b.logs()
    );
    let resumed_at: i64 = proxy.requests()[asked_before..]
        .iter()
        .find_map(|p| p.strip_prefix("/v1/feed?after="))
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        resumed_at > 0 && resumed_at < 1000 && resumed_at % 5 == 0,
        "killed mid-sync, B resumed after {resumed_at}"
    );
    let all = feed(&b).await;
    let distinct: BTreeSet<String> = all.iter().map(|v| v.to_string()).collect();
    assert_eq!((all.len(), distinct.len()), (1000, 1000));
    let status = peer_status(&b, &proxy.url).await;
    assert_eq!(status["received"], 1000, "{status}");
    assert_eq!(status["rejected"], json!({}), "{status}");
    assert_eq!(status["checkpoint"]["state"], "verified", "{status}");
    assert_eq!(status["checkpoint"]["size"], 1000, "{status}");
}

/// One node pulling from five bad peers and one good one: the tampered
/// notice is skipped and counted while the good ones around it are stored;
/// garbage, a cut-short answer, an endless one and an oversized one each
/// fail with their own code and are backed off; the good peer syncs all
/// along; and a bad peer that recovers is back by itself.
async fn bad_peers_cost_only_their_own_notices(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let (g1, g2, g3, g4) = (
        isp.notice(|_| {}),
        isp.notice(|_| {}),
        isp.notice(|_| {}),
        isp.notice(|_| {}),
    );
    let tampered = String::from_utf8(g2.clone())
        .unwrap()
        .replace("Inbound MX overloaded.", "Inbound MX overloaded!")
        .into_bytes();
    assert_ne!(tampered, g2);
    let tampering = FakePeer::start(serving(vec![g1.clone(), tampered, g3.clone()], 3)).await;
    let garbage = FakePeer::start(|_: &str| FakeAnswer::Full {
        status: 200,
        body: b"<html>502 Bad Gateway</html>".to_vec(),
    })
    .await;
    let cut_short = FakePeer::start(|_: &str| FakeAnswer::CutShort {
        announced: 5000,
        body: b"{\"notices\":[{\"v\":1,".to_vec(),
    })
    .await;
    let endless = FakePeer::start(|_: &str| FakeAnswer::NeverEnds).await;
    let huge = format!(
        "{{\"notices\":[],\"next\":\"0\",\"more\":false,\"pad\":\"{}\"}}",
        "x".repeat(300_000)
    );
    let oversized = FakePeer::start(move |_: &str| FakeAnswer::Full {
        status: 200,
        body: huge.clone().into_bytes(),
    })
    .await;
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let good = node(&db_a, &dns, &config(3600), &[]).await;
    let b = node(
        &db_b,
        &dns,
        &format!("{}peer_max_response_bytes = 100000\n", config(1)),
        &[
            "--peer",
            &tampering.url,
            "--peer",
            &garbage.url,
            "--peer",
            &cut_short.url,
            "--peer",
            &endless.url,
            "--peer",
            &oversized.url,
            "--peer",
            &good.url,
        ],
    )
    .await;
    let from_good = isp.notice(|_| {});
    publish(&good, from_good.clone()).await;

    eventually("B stores the tampering peer's good notices", 15, || async {
        held_seq(&b, "isp.example", &incident_of(&g1))
            .await
            .is_some()
            && held_seq(&b, "isp.example", &incident_of(&g3))
                .await
                .is_some()
    })
    .await;
    assert_eq!(held_seq(&b, "isp.example", &incident_of(&g2)).await, None);
    let status = peer_status(&b, &tampering.url).await;
    assert_eq!(
        status["rejected"],
        json!({"signature_mismatch": 1}),
        "{status}"
    );
    assert_eq!(status["received"], 2, "{status}");
    assert_eq!(status["checkpoint"]["state"], "not_served", "{status}");

    for (peer, code) in [
        (&garbage, "peer_malformed"),
        (&cut_short, "peer_truncated"),
        (&endless, "peer_timeout"),
        (&oversized, "peer_too_large"),
    ] {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = peer_status(&b, &peer.url).await;
            if s["last_error"]["code"] == code && s["consecutive_failures"].as_u64() >= Some(1) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} does not fail with {code}: {s}",
                peer.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let s = peer_status(&b, &peer.url).await;
        assert!(s["next_attempt"].is_string(), "{s}");
        assert!(
            s["last_error"]["message"]
                .as_str()
                .unwrap()
                .contains(&peer.url),
            "{s}"
        );
    }
    eventually("the good peer's notice arrives meanwhile", 15, || async {
        held_seq(&b, "isp.example", &incident_of(&from_good))
            .await
            .is_some()
    })
    .await;
    let metrics = get(&b.at("/metrics")).await.text;
    assert!(
        metrics.contains(&format!(
            "dix_peer_consecutive_failures{{peer=\"{}\"}}",
            endless.url
        )),
        "{metrics}"
    );
    assert_eq!(get(&b.at("/healthz")).await.status, 200);

    // Failures pile up, each wait longer (and capped at 2 s here)...
    let before = peer_status(&b, &garbage.url).await["consecutive_failures"]
        .as_u64()
        .unwrap();
    eventually("the garbage peer keeps being retried", 15, || async {
        peer_status(&b, &garbage.url).await["consecutive_failures"].as_u64() > Some(before)
    })
    .await;
    // ...and the peer comes back by itself once it serves a feed.
    garbage.set(serving(vec![g4.clone()], 1));
    eventually("the recovered peer's notice arrives", 15, || async {
        held_seq(&b, "isp.example", &incident_of(&g4))
            .await
            .is_some()
    })
    .await;
    let s = peer_status(&b, &garbage.url).await;
    assert_eq!(s["consecutive_failures"], 0, "{s}");
    assert!(s["last_success"].is_string(), "{s}");
}

/// Nodes serving `n` fresh notices each, behind one switchable URL: `proxy`.
struct Changing {
    dns: TestDns,
    isp: Issuer,
    key_file: std::path::PathBuf,
    proxy: FakePeer,
    b: DixNode,
    b_db: TestDb,
    backends: Vec<(TestDb, DixNode)>,
    backend: Backend,
}

impl Changing {
    async fn new(backend: Backend) -> Self {
        let dns = TestDns::start().await;
        let isp = Issuer::new("isp.example", "s1");
        isp.publish_key(&dns);
        let keys = tempfile::tempdir().unwrap().keep();
        let key_file = keys.join("node.key");
        let proxy = FakePeer::start(|_: &str| not_found()).await;
        let b_db = TestDb::new(backend).await;
        let b = node(&b_db, &dns, &config(1), &["--peer", &proxy.url]).await;
        Self {
            dns,
            isp,
            key_file,
            proxy,
            b,
            b_db,
            backends: Vec::new(),
            backend,
        }
    }

    /// A new node (fresh database) with `key` and `n` notices, put behind
    /// the proxy. Returns the last notice's incident.
    async fn serve(&mut self, n: usize, key: &std::path::Path) -> String {
        let db = TestDb::new(self.backend).await;
        let a = node(
            &db,
            &self.dns,
            &config(3600),
            &["--node-key", key.to_str().unwrap()],
        )
        .await;
        let mut last = String::new();
        for _ in 0..n {
            let notice = self.isp.notice(|_| {});
            last = incident_of(&notice);
            publish(&a, notice).await;
        }
        let target = a.url.clone();
        self.proxy.set(move |path: &str| {
            if path.starts_with("/v1/feed/stream") {
                not_found()
            } else {
                FakeAnswer::Proxy(target.clone())
            }
        });
        self.backends.push((db, a));
        last
    }

    async fn status(&self) -> Value {
        peer_status(&self.b, &self.proxy.url).await
    }

    async fn wait_verified(&self, size: u64) {
        eventually(
            &format!("B verifies a checkpoint of {size}"),
            20,
            || async {
                let s = self.status().await;
                s["checkpoint"]["state"] == "verified" && s["checkpoint"]["size"] == size
            },
        )
        .await;
    }

    async fn wait_halted(&self, code: &str) -> Value {
        eventually(&format!("B stops the peer with {code}"), 20, || async {
            self.status().await["halted"]["code"] == code
        })
        .await;
        self.status().await
    }

    /// What the operator does after looking at the evidence.
    async fn forget(&mut self) {
        self.b.stop().await;
        let out = std::process::Command::new(dix_tests::binary_path("dixd"))
            .args(["--db", &self.b_db.url, "--forget-peer", &self.proxy.url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.b.start_again().await;
    }
}

/// The same URL and node key, a different history: caught by the
/// checkpoint, the peer stopped with both checkpoints as evidence, nothing
/// further taken from it — across a restart too — until the operator
/// forgets it; then it syncs again.
async fn a_rewritten_log_stops_the_peer_until_an_operator_forgets_it(backend: Backend) {
    let mut w = Changing::new(backend).await;
    let key = w.key_file.clone();
    w.serve(3, &key).await;
    w.wait_verified(3).await;
    let fourth = w.serve(4, &key).await;
    let s = w.wait_halted("feed_rewritten").await;
    let evidence = &s["halted"];
    assert!(
        evidence["previous_checkpoint"]
            .as_str()
            .unwrap()
            .contains("\n3\n"),
        "{s}"
    );
    assert!(
        evidence["new_checkpoint"]
            .as_str()
            .unwrap()
            .contains("\n4\n"),
        "{s}"
    );
    assert_eq!(s["last_error"]["code"], "feed_rewritten", "{s}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        held_seq(&w.b, "isp.example", &fourth).await,
        None,
        "nothing taken after the rewrite"
    );
    assert!(w.b.logs().contains("feed_rewritten"));

    w.b.restart().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        w.status().await["halted"]["code"],
        "feed_rewritten",
        "still stopped after a restart"
    );
    assert_eq!(held_seq(&w.b, "isp.example", &fourth).await, None);

    w.forget().await;
    eventually(
        "after the operator forgets the peer, it syncs again",
        20,
        || async { held_seq(&w.b, "isp.example", &fourth).await.is_some() },
    )
    .await;
    w.wait_verified(4).await;
    assert!(w.status().await["halted"].is_null());
}

/// A log that shrinks, and one signed by another key, are stopped too.
async fn a_truncated_or_rekeyed_log_stops_the_peer(backend: Backend) {
    let mut w = Changing::new(backend).await;
    let key = w.key_file.clone();
    w.serve(3, &key).await;
    w.wait_verified(3).await;
    w.serve(2, &key).await;
    let s = w.wait_halted("feed_truncated").await;
    assert!(
        s["halted"]["new_checkpoint"]
            .as_str()
            .unwrap()
            .contains("\n2\n"),
        "{s}"
    );

    w.forget().await;
    w.wait_verified(2).await;
    let other_key = key.with_file_name("other.key");
    let last = w.serve(3, &other_key).await;
    let s = w.wait_halted("node_key_changed").await;
    assert_ne!(s["halted"]["known_key"], s["halted"]["served_key"], "{s}");
    assert_eq!(held_seq(&w.b, "isp.example", &last).await, None);
}

/// `/v1/feed/stream` sends the head on connect and on every append.
async fn the_feed_stream_announces_every_append(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let db = TestDb::new(backend).await;
    let a = node(
        &db,
        &dns,
        &format!("{}max_streams = 2\n", config(3600)),
        &[],
    )
    .await;
    publish(&a, isp.notice(|_| {})).await;
    let mut stream = reqwest::Client::new()
        .get(a.at("/v1/feed/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut text = String::new();
    let mut next_event = async || -> String {
        loop {
            if let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if event.contains("event: head") {
                    return event;
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    assert!(next_event().await.contains("data: 1\n"));
    publish(&a, isp.notice(|_| {})).await;
    assert!(next_event().await.contains("data: 2\n"));
    publish(&a, isp.notice(|_| {})).await;
    assert!(next_event().await.contains("data: 3\n"));

    // Streams hold connections: a client cannot open more than the cap.
    let open = || async {
        reqwest::Client::new()
            .get(a.at("/v1/feed/stream"))
            .send()
            .await
            .unwrap()
    };
    let second = open().await;
    assert_eq!(second.status(), 200);
    let third = open().await;
    assert_eq!(third.status(), 503);
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
    // A closed stream gives its place back (noticed at the next event).
    drop(second);
    publish(&a, isp.notice(|_| {})).await;
    eventually("a stream can be opened again", 20, || async {
        open().await.status() == 200
    })
    .await;
}

/// Eight issuers publish at once while a reader follows the feed: no entry
/// ever appears below a cursor already served (on PostgreSQL, sequence
/// values commit out of order unless writers take turns).
async fn concurrent_writers_never_back_fill_the_feed(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let a = node(&db, &dns, &config(3600), &[]).await;
    let url = Arc::new(a.at("/v1/notices"));
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let isp = Issuer::new(&format!("isp{i}.example"), "s1");
        isp.publish_key(&dns);
        let url = url.clone();
        writers.spawn(async move {
            for _ in 0..40 {
                let r = post(&url, isp.notice(|_| {})).await;
                assert_eq!(r.status, 201, "{}", r.text);
            }
        });
    }
    let feed_url = a.at("/v1/feed?after=0&limit=1000");
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    let mut reads = 0;
    loop {
        let done = writers.is_empty();
        let r = get(&feed_url).await;
        let cursors: Vec<i64> = r.json["cursors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().parse().unwrap())
            .collect();
        let max_seen = seen.last().copied().unwrap_or(0);
        for c in &cursors {
            assert!(
                seen.contains(c) || *c > max_seen,
                "entry {c} appeared after {max_seen} had been served"
            );
        }
        seen.extend(cursors);
        reads += 1;
        if done {
            break;
        }
        while let Some(finished) = writers.try_join_next() {
            finished.unwrap();
        }
    }
    assert_eq!(seen.len(), 320, "after {reads} reads");
}

/// A notice is matchable by the time its 201 is sent: no gap in which a
/// publish followed at once by a match misses it.
async fn a_publish_is_matchable_when_it_is_answered(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let a = node(&db, &dns, &config(3600), &[]).await;
    for i in 0..20 {
        let isp = Issuer::new(&format!("mx{i}.example"), "s1");
        isp.publish_key(&dns);
        publish(&a, isp.notice(|_| {})).await;
        let r = post(
            &a.at("/v1/match"),
            serde_json::to_vec(
                &json!({"queries": [{"recipient_domain": isp.domain, "reply_code": 451}]}),
            )
            .unwrap(),
        )
        .await;
        assert_eq!(
            r.json["results"][0]["matches"][0]["issuer"], isp.domain,
            "publish {i}: {}",
            r.text
        );
    }
}

/// Two replicas on one PostgreSQL serve the same data: a notice published on
/// one is matched by the other within a second or so, both sign the same
/// checkpoint with the one node key, and a peer following one replica while
/// both take writes gets every notice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_one_postgres() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Postgres).await;
    let key = db.dir.path().join("node.key");
    let key = key.to_str().unwrap();
    let cfg = config(3600);
    let r1 = node(&db, &dns, &cfg, &["--node-key", key]).await;
    let r2 = node(&db, &dns, &cfg, &["--node-key", key]).await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    publish(&r1, isp.notice(|_| {})).await;
    let started = Instant::now();
    eventually("the other replica matches it", 5, || async {
        let r = post(
            &r2.at("/v1/match"),
            serde_json::to_vec(
                &json!({"queries": [{"recipient_domain": "isp.example", "reply_code": 451}]}),
            )
            .unwrap(),
        )
        .await;
        r.json["results"][0]["matches"][0]["issuer"] == "isp.example"
    })
    .await;
    let lag = started.elapsed();
    assert!(lag < Duration::from_millis(1500), "replica lag {lag:?}");

    let follower_db = TestDb::new(Backend::Postgres).await;
    let follower = node(&follower_db, &dns, &config(1), &["--peer", &r1.url]).await;
    let isp = Arc::new(isp);
    publish_concurrently(&isp, &[r1.at("/v1/notices"), r2.at("/v1/notices")], 3, 30).await;
    eventually("both replicas sign the same checkpoint", 5, || async {
        let (c1, c2) = (
            get(&r1.at("/v1/checkpoint")).await,
            get(&r2.at("/v1/checkpoint")).await,
        );
        c1.json["size"] == 181 && c1.json["note"] == c2.json["note"]
    })
    .await;
    eventually("the follower holds every notice", 20, || async {
        peer_status(&follower, &r1.url).await["received"] == 181
    })
    .await;
    assert_eq!(feed(&follower).await.len(), 181);
    assert_eq!(
        peer_status(&follower, &r1.url).await["checkpoint"]["state"],
        "verified"
    );
}

/// `dixd --print-node-key` (what deploy/FEDERATION.md tells operators to
/// give their peers) prints the key that signs the node's checkpoints, and
/// the same key on every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_node_key_signs_the_checkpoints() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let print = || {
        let out = std::process::Command::new(dix_tests::binary_path("dixd"))
            .args(["--db", &db.url, "--print-node-key"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let key = print();
    assert_eq!(print(), key, "created once, then read back");
    let a = node(&db, &dns, &config(3600), &[]).await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    publish(&a, isp.notice(|_| {})).await;
    let cp = get(&a.at("/v1/checkpoint")).await;
    assert_eq!(cp.json["node_key"], key.as_str());
    let public = dix_schema::PublicKey::from_base64(&key).unwrap();
    let verified =
        dix_server::tlog::Checkpoint::verify(cp.json["note"].as_str().unwrap(), &public).unwrap();
    assert_eq!(verified.size, 1);
    let bad = get(&a.at("/v1/proof/consistency?from=2&to=1")).await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_range"));
}

/// The issuer signs two different notices with one seq and each reaches B
/// through a different peer: both are kept as evidence and the issuer is
/// flagged, as when both are published directly.
async fn one_seq_with_two_notices_from_two_peers_is_equivocation(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let first = isp.notice(|_| {});
    let mut twin: Value = serde_json::from_slice(&first).unwrap();
    twin["summary"]["en"] = json!("Something else entirely.");
    twin.as_object_mut().unwrap().remove("sig");
    let second = isp.sign(&twin);
    let p1 = FakePeer::start(serving(vec![first.clone()], 1)).await;
    let p2 = FakePeer::start(serving(vec![second.clone()], 1)).await;
    let db = TestDb::new(backend).await;
    let b = node(
        &db,
        &dns,
        &config(1),
        &["--peer", &p1.url, "--peer", &p2.url],
    )
    .await;
    eventually("B flags the issuer", 15, || async {
        get(&b.at("/v1/issuers/isp.example")).await.json["flagged"] == true
    })
    .await;
    let r = get(&b.at("/v1/issuers/isp.example")).await;
    assert_eq!(
        r.json["equivocations"][0]["notices"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{}",
        r.text
    );
    assert_eq!(feed(&b).await.len(), 2, "both kept as evidence");
    for p in [&p1, &p2] {
        assert_eq!(peer_status(&b, &p.url).await["rejected"], json!({}));
    }
}

/// An incident that ended 40 days ago is not held in memory, yet a bounce
/// whose own time falls inside it is still matched — from the store — on
/// /v1/match and /v1/explain, and across a restart (the first load leaves
/// history in the store).
async fn an_old_bounce_is_matched_from_the_store(backend: Backend) {
    use dix_schema::types::Timestamp;
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let db = TestDb::new(backend).await;
    let mut a = node(&db, &dns, &config(3600), &[]).await;
    let day = 86_400;
    let now = Timestamp::now().unix();
    let at = |secs: i64| Timestamp::from_unix(secs).unwrap().to_string();
    publish(
        &a,
        isp.notice(|n| {
            n["status"] = json!("resolved");
            n["started_at"] = json!(at(now - 41 * day));
            n["ended_at"] = json!(at(now - 40 * day));
        }),
    )
    .await;
    let bounced = at(now - 40 * day - 3600);
    let query = |timestamp: Option<&str>| {
        let mut q =
            json!({"recipient_domain": "isp.example", "reply_code": 451, "status": "4.7.500"});
        if let Some(t) = timestamp {
            q["timestamp"] = json!(t);
        }
        serde_json::to_vec(&json!({"queries": [q]})).unwrap()
    };
    for round in 0..2 {
        let old = post(&a.at("/v1/match"), query(Some(&bounced))).await;
        assert_eq!(
            old.json["results"][0]["matches"][0]["issuer"], "isp.example",
            "round {round}: {}",
            old.text
        );
        let undated = post(&a.at("/v1/match"), query(None)).await;
        assert_eq!(
            undated.json["results"][0]["matches"],
            json!([]),
            "round {round}: history is not in memory: {}",
            undated.text
        );
        let explained = post(
            &a.at("/v1/explain"),
            serde_json::to_vec(&json!({
                "text": "451 4.7.500 Server busy. Please try again later",
                "recipient": "user@isp.example",
                "at": bounced,
            }))
            .unwrap(),
        )
        .await;
        assert!(
            explained.text.contains("\"issuer\":\"isp.example\""),
            "round {round}: {}",
            explained.text
        );
        a.restart().await;
    }
}

/// B starts while its peer is down: the failed pull backs off for up to an
/// hour, but once the peer answers (its stream connects) B pulls at once.
async fn a_peer_down_at_start_is_pulled_once_it_answers(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let slow =
        "rate_per_ip_per_minute = 100000\nsync_every_secs = 3600\npeer_backoff_cap_secs = 3600\n";
    let b = node(&db_b, &dns, slow, &["--peer", &url]).await;
    eventually("the first pull fails", 10, || async {
        peer_status(&b, &url).await["consecutive_failures"].as_u64() >= Some(1)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let listen = format!("127.0.0.1:{port}");
    let a = node(&db_a, &dns, slow, &["--listen", &listen]).await;
    let notice = isp.notice(|_| {});
    publish(&a, notice.clone()).await;
    eventually(
        "B holds the notice soon after its peer answers",
        30,
        || async {
            held_seq(&b, "isp.example", &incident_of(&notice))
                .await
                .is_some()
        },
    )
    .await;
    assert_eq!(peer_status(&b, &url).await["consecutive_failures"], 0);
}
