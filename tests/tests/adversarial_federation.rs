//! A hostile peer or a stranger's notices go after a node's federation and
//! DNS: real `dixd` processes on 127.0.0.1, keys and scope in a real DNS
//! server on loopback, peers that are real nodes behind a switchable proxy
//! or fakes, every scenario on SQLite and PostgreSQL. Each test is one
//! attack that worked before (`server/src/federation`, `server/src/scope`,
//! `server/src/ingest`) and must not work now.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dix_tests::{
    Backend, DixNode, FakeAnswer, FakePeer, Issuer, TestDb, TestDns, feed_page, get, not_found,
    on_both_databases, post,
};
use serde_json::{Value, json};

on_both_databases!(
    a_stream_that_hangs_up_at_once_does_not_defeat_the_backoff,
    a_withdrawn_checkpoint_stops_the_peer,
    a_cursor_the_page_does_not_justify_is_refused,
    public_streams_do_not_take_the_peers_places,
);

/// Fast settings: no request limits in the way, quick retries.
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

async fn publish(node: &DixNode, notice: Vec<u8>) -> Value {
    let r = post(&node.at("/v1/notices"), notice).await;
    assert_eq!(r.status, 201, "{} / {}", r.text, node.logs());
    r.json
}

/// The seq of the incident's current revision on `node`, if it holds it.
async fn held_seq(node: &DixNode, issuer: &str, incident: &str) -> Option<u64> {
    let r = get(&node.at(&format!("/v1/incidents/{issuer}/{incident}"))).await;
    (r.status == 200).then(|| r.json["seq"].as_u64()).flatten()
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

fn incident_of(notice: &[u8]) -> String {
    serde_json::from_slice::<Value>(notice).unwrap()["incident"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn count(requests: &[String], prefix: &str) -> usize {
    requests.iter().filter(|r| r.starts_with(prefix)).count()
}

/// A peer whose stream answers one valid `head` event and hangs up, while
/// its feed fails. Before: every reconnect (one a second) reset the stream's
/// backoff and cut the pull backoff short, so the node pulled the failing
/// peer about once a second. Now the pulls keep their backoff (2, 4, 8 s
/// with a 1 s schedule) and the reconnects back off too.
async fn a_stream_that_hangs_up_at_once_does_not_defeat_the_backoff(backend: Backend) {
    let dns = TestDns::start().await;
    let hostile = FakePeer::start(|path: &str| {
        if path.starts_with("/v1/feed/stream") {
            FakeAnswer::Full {
                status: 200,
                body: b"event: head\ndata: 99\n\n".to_vec(),
            }
        } else {
            FakeAnswer::Full {
                status: 200,
                body: b"<html>502 Bad Gateway</html>".to_vec(),
            }
        }
    })
    .await;
    let db = TestDb::new(backend).await;
    let b = node(
        &db,
        &dns,
        "rate_per_ip_per_minute = 100000\nsync_every_secs = 1\npeer_backoff_cap_secs = 3600\npeer_timeout_secs = 3\n",
        &["--peer", &hostile.url],
    )
    .await;
    eventually("the first pull fails", 10, || async {
        peer_status(&b, &hostile.url).await["consecutive_failures"].as_u64() >= Some(1)
    })
    .await;
    let start = hostile.requests();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let seen = hostile.requests();
    let later = &seen[start.len()..];
    // Every pull starts with the checkpoint.
    let pulls = count(later, "/v1/checkpoint");
    let connects = count(later, "/v1/feed/stream");
    assert!(
        pulls <= 4,
        "{pulls} pulls of a failing peer in 12 s: {later:?}\n{}",
        b.logs()
    );
    assert!(
        connects <= 5,
        "{connects} stream connects in 12 s: {later:?}"
    );
    let s = peer_status(&b, &hostile.url).await;
    assert!(s["consecutive_failures"].as_u64() >= Some(2), "{s}");
    assert_eq!(s["last_error"]["code"], "peer_malformed", "{s}");
}

/// A real node behind a proxy whose target can be switched: B verifies
/// the first node's checkpoints, then a fork is put behind the same URL
/// with its checkpoints withheld (404). Before: the 404 read as "this peer
/// serves no checkpoints" and the fork's next entry was taken unchecked.
async fn a_withdrawn_checkpoint_stops_the_peer(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let proxy = FakePeer::start(|_: &str| not_found()).await;
    let (db_a, db_fork, db_b) = (
        TestDb::new(backend).await,
        TestDb::new(backend).await,
        TestDb::new(backend).await,
    );
    let a = node(&db_a, &dns, &config(3600), &[]).await;
    for _ in 0..3 {
        publish(&a, isp.notice(|_| {})).await;
    }
    let target = a.url.clone();
    proxy.set(move |path: &str| {
        if path.starts_with("/v1/feed/stream") {
            not_found()
        } else {
            FakeAnswer::Proxy(target.clone())
        }
    });
    let b = node(&db_b, &dns, &config(1), &["--peer", &proxy.url]).await;
    eventually("B verifies the checkpoint of 3", 20, || async {
        let s = peer_status(&b, &proxy.url).await;
        s["checkpoint"]["state"] == "verified" && s["checkpoint"]["size"] == 3
    })
    .await;

    let fork = node(&db_fork, &dns, &config(3600), &[]).await;
    let mut last = String::new();
    for _ in 0..4 {
        let notice = isp.notice(|_| {});
        last = incident_of(&notice);
        publish(&fork, notice).await;
    }
    let target = fork.url.clone();
    proxy.set(move |path: &str| {
        if path.starts_with("/v1/feed/stream") || path.starts_with("/v1/checkpoint") {
            not_found()
        } else {
            FakeAnswer::Proxy(target.clone())
        }
    });
    eventually("B stops the peer", 20, || async {
        peer_status(&b, &proxy.url).await["halted"]["code"] == "checkpoint_withdrawn"
    })
    .await;
    let s = peer_status(&b, &proxy.url).await;
    assert!(
        s["halted"]["previous_checkpoint"]
            .as_str()
            .is_some_and(|c| c.contains("\n3\n")),
        "the evidence holds the last checkpoint verified: {s}"
    );
    assert_eq!(s["last_error"]["code"], "checkpoint_withdrawn", "{s}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        held_seq(&b, "isp.example", &last).await,
        None,
        "nothing taken from the fork"
    );
}

/// An empty page whose `next` is 2^63 − 1. Before: saved, and the peer was
/// asked after it for ever, so nothing it published later arrived. Now the
/// page is refused, the cursor stays, and the peer's next notice arrives.
async fn a_cursor_the_page_does_not_justify_is_refused(backend: Backend) {
    let dns = TestDns::start().await;
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    let peer = FakePeer::start(|path: &str| {
        if path.starts_with("/v1/feed?") {
            feed_page(&[], i64::MAX as u64)
        } else {
            not_found()
        }
    })
    .await;
    let db = TestDb::new(backend).await;
    let b = node(&db, &dns, &config(1), &["--peer", &peer.url]).await;
    eventually("the page is refused", 15, || async {
        let s = peer_status(&b, &peer.url).await;
        s["last_error"]["code"] == "peer_malformed"
            && s["last_error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("empty page"))
    })
    .await;
    assert_eq!(peer_status(&b, &peer.url).await["cursor"], "0");

    let notice = isp.notice(|_| {});
    let served = notice.clone();
    peer.set(move |path: &str| {
        if path.starts_with("/v1/feed?after=0") {
            feed_page(std::slice::from_ref(&served), 1)
        } else if path.starts_with("/v1/feed?") {
            feed_page(&[], 1)
        } else {
            not_found()
        }
    });
    eventually(
        "the peer's notice arrives once it serves one",
        20,
        || async {
            held_seq(&b, "isp.example", &incident_of(&notice))
                .await
                .is_some()
        },
    )
    .await;
    assert_eq!(peer_status(&b, &peer.url).await["cursor"], "1");
}

/// Anyone may follow incidents on `/v1/stream`; peers follow the feed on
/// `/v1/feed/stream`. Before: one cap for both, so public subscribers
/// filling it made every peer's feed stream answer 503.
async fn public_streams_do_not_take_the_peers_places(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let a = node(
        &db,
        &dns,
        &format!("{}max_streams = 2\n", config(3600)),
        &[],
    )
    .await;
    let open = |path: &'static str| {
        let url = a.at(path);
        async move { reqwest::Client::new().get(url).send().await.unwrap() }
    };
    let mut public = Vec::new();
    for _ in 0..3 {
        let r = open("/v1/stream").await;
        assert_eq!(r.status(), 200);
        public.push(r);
    }
    let peers = [open("/v1/feed/stream").await, open("/v1/feed/stream").await];
    for r in &peers {
        assert_eq!(
            r.status(),
            200,
            "a peer's feed stream with public streams open"
        );
    }
    let third = open("/v1/feed/stream").await;
    assert_eq!(third.status(), 503, "the feed streams keep their own cap");
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
    drop((public, peers));
}
