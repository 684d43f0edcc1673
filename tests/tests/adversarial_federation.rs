//! A hostile peer or a stranger's notices go after a node's federation and
//! DNS: real `dixd` processes on 127.0.0.1, keys and scope in a real DNS
//! server on loopback, peers that are real nodes behind a switchable proxy
//! or fakes, every scenario on SQLite and PostgreSQL. Each test is one
//! attack that worked before (`server/src/federation`, `server/src/scope`,
//! `server/src/ingest`) and must not work now.

use std::future::Future;
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
    one_notice_costs_at_most_16_queries_and_a_replay_none,
    dns_queries_are_charged_to_the_issuers_domain_and_the_client,
    a_wildcard_key_record_mints_no_issuers,
    a_peers_notices_over_its_dns_budget_are_stored_and_checked_later,
    a_claim_published_while_dns_is_down_ends_verified_everywhere,
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

/// 64 recipient domains of others, each costing a delegation and an MX
/// look-up.
fn sprawling(issuer: &Issuer, first: usize, n: usize) -> Vec<u8> {
    let domains: Vec<String> = (first..first + n)
        .map(|i| format!("victim{i}.example"))
        .collect();
    issuer.notice(|d| {
        d["scope"] = json!({"recipient_domains": domains});
    })
}

fn claims(published: &Value) -> Vec<Value> {
    published["scope"]["entries"].as_array().unwrap().clone()
}

/// One notice claiming 64 other domains. Before: 129 queries to
/// names the sender chose, and 128 more for every replay of the same bytes
/// (scope was checked before the replay was noticed). Now at most 16; the
/// claims past the budget stay unverified (the same ones on every node);
/// a replay costs none.
async fn one_notice_costs_at_most_16_queries_and_a_replay_none(backend: Backend) {
    let dns = TestDns::start().await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    let db = TestDb::new(backend).await;
    let a = node(&db, &dns, &config(3600), &[]).await;
    let notice = sprawling(&evil, 0, 64);
    assert!(notice.len() > 1_500, "{}", notice.len());
    let before = dns.queries();
    let published = publish(&a, notice.clone()).await;
    let spent = dns.queries() - before;
    assert!(spent <= 16, "one notice cost {spent} DNS queries");
    let entries = claims(&published);
    assert_eq!(entries.len(), 64);
    let skipped = entries
        .iter()
        .filter(|e| {
            e["basis"]
                .as_str()
                .unwrap()
                .contains("DNS budget (14 queries) is spent")
        })
        .count();
    assert_eq!(skipped, 64 - 7, "{published}");
    assert!(
        entries[..7]
            .iter()
            .all(|e| !e["basis"].as_str().unwrap().contains("budget"))
    );

    let before = dns.queries();
    for _ in 0..5 {
        let r = post(&a.at("/v1/notices"), notice.clone()).await;
        assert_eq!(
            (r.status, r.json["status"].as_str()),
            (200, Some("replay")),
            "{}",
            r.text
        );
    }
    assert_eq!(dns.queries(), before, "a replay asked DNS");
}

/// Notices of 16 queries (key and scope) then 14. On one node the issuer's
/// budget is 30 a minute: evil.example publishes twice, then its
/// registrable domain's budget is spent — for every issuer name under it —
/// while another issuer still publishes. On another the client's budget is
/// 32: it runs out whoever the issuer. (Margins of 12 queries or more: the
/// budgets refill by half a query a second.) Before: no DNS budget at all.
async fn dns_queries_are_charged_to_the_issuers_domain_and_the_client(backend: Backend) {
    let dns = TestDns::start().await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    let sub = Issuer::new("x1.evil.example", "s1");
    sub.publish_key(&dns);
    let other = Issuer::new("other.example", "s1");
    other.publish_key(&dns);
    let refused = |r: &dix_tests::Reply, who: &str| {
        assert_eq!(
            (r.status, r.code()),
            (429, "dns_rate_limited"),
            "{}",
            r.text
        );
        assert!(r.text.contains(who), "{who}: {}", r.text);
        assert!(r.headers.contains_key("retry-after"), "{:?}", r.headers);
    };
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let a = node(
        &db_a,
        &dns,
        &format!("{}dns_queries_per_issuer_per_minute = 30\n", config(3600)),
        &[],
    )
    .await;
    publish(&a, sprawling(&evil, 0, 7)).await;
    publish(&a, sprawling(&evil, 7, 7)).await;
    for notice in [sprawling(&evil, 14, 7), sprawling(&sub, 21, 7)] {
        refused(
            &post(&a.at("/v1/notices"), notice).await,
            "issuer evil.example",
        );
    }
    publish(&a, sprawling(&other, 28, 7)).await;
    // A notice that needs no DNS still passes.
    publish(&a, evil.notice(|_| {})).await;

    let b = node(
        &db_b,
        &dns,
        &format!("{}dns_queries_per_client_per_minute = 32\n", config(3600)),
        &[],
    )
    .await;
    publish(&b, sprawling(&other, 0, 7)).await;
    publish(&b, sprawling(&other, 7, 7)).await;
    refused(
        &post(&b.at("/v1/notices"), sprawling(&evil, 14, 7)).await,
        "client 127.0.0.1",
    );
}

/// `*.evil.example TXT "v=DIX1; …"` answers a key for every name under
/// evil.example. Before: each name was an issuer with its own allowance of
/// notices a minute, so one record gave unlimited issuers. Now the
/// allowance is per registrable domain.
async fn a_wildcard_key_record_mints_no_issuers(backend: Backend) {
    let dns = TestDns::start().await;
    let template = Issuer::new("evil.example", "s1");
    dns.set_txt("*.evil.example", &[&template.record()]);
    let db = TestDb::new(backend).await;
    let a = node(
        &db,
        &dns,
        "rate_per_ip_per_minute = 100000\nrate_per_issuer_per_minute = 3\n",
        &[],
    )
    .await;
    let minted: Vec<Issuer> = (1..=6)
        .map(|i| {
            let mut issuer = Issuer::new(&format!("x{i}.evil.example"), "s1");
            issuer.key = dix_schema::SecretKey::from_seed(&template.key.seed());
            issuer
        })
        .collect();
    let mut statuses = Vec::new();
    for issuer in &minted {
        let r = post(&a.at("/v1/notices"), issuer.notice(|_| {})).await;
        statuses.push((r.status, r.code().to_owned()));
    }
    assert_eq!(
        statuses[..3],
        [
            (201, String::new()),
            (201, String::new()),
            (201, String::new())
        ],
        "the wildcard's keys verify: {statuses:?}"
    );
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == (429, "rate_limited".to_owned())),
        "{statuses:?}"
    );
    // Another registrable domain is not held back by evil.example's.
    let isp = Issuer::new("isp.example", "s1");
    isp.publish_key(&dns);
    publish(&a, isp.notice(|_| {})).await;
}

/// A peer serves five notices of 14 scope queries each; B may spend 30
/// queries a minute on that peer. Before: no limit (B asked all 70+). Now
/// the first is checked, the rest are stored at once with those claims
/// deferred to the re-checks — the sync is not held up, nothing is lost.
async fn a_peers_notices_over_its_dns_budget_are_stored_and_checked_later(backend: Backend) {
    let dns = TestDns::start().await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let a = node(&db_a, &dns, &config(3600), &[]).await;
    let mut incidents = Vec::new();
    for i in 0..5 {
        let notice = sprawling(&evil, 7 * i, 7);
        incidents.push(incident_of(&notice));
        publish(&a, notice).await;
    }
    let before = dns.queries();
    let b = node(
        &db_b,
        &dns,
        &format!("{}dns_queries_per_peer_per_minute = 30\n", config(1)),
        &["--peer", &a.url],
    )
    .await;
    for id in &incidents {
        let id = id.clone();
        eventually("B holds every notice", 20, || {
            let id = id.clone();
            let b = &b;
            async move { held_seq(b, "evil.example", &id).await.is_some() }
        })
        .await;
    }
    let spent = dns.queries() - before;
    assert!(
        spent <= 30,
        "B asked {spent} queries for one peer's notices"
    );
    let mut deferred = 0;
    for id in &incidents {
        let r = get(&b.at(&format!("/v1/incidents/evil.example/{id}"))).await;
        let entries = r.json["verification"]["scope"]["entries"]
            .as_array()
            .unwrap()
            .clone();
        if entries.iter().all(|e| {
            e["retry"] == true && e["basis"].as_str().unwrap().contains("DNS budget for peer")
        }) {
            deferred += 1;
        }
    }
    assert!(deferred >= 3, "{deferred} of 5 deferred");
    let s = peer_status(&b, &a.url).await;
    assert_eq!(s["consecutive_failures"], 0, "{s}");
}

/// Deletes every scheduled scope re-check, as a crash between a notice's
/// commit and its schedule's would leave the store.
async fn forget_rechecks(db: &TestDb) {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect to the node's database");
    let gone = sqlx::query("DELETE FROM scope_rechecks")
        .execute(&mut conn)
        .await
        .expect("delete");
    assert_eq!(gone.rows_affected(), 1, "one re-check was scheduled");
}

/// victim.example delegates to evil.example (`_dix.victim.example`), but
/// victim.example's servers are down when the notice is published to A.
/// Before: the claim stayed unverified on A for good, while B, which
/// synced it after DNS came back, had it verified: two nodes disagreeing
/// for ever. Now A checks it again (across a restart, even one that lost
/// the schedule: the claim's `retry` mark is in the store) and both end
/// verified.
async fn a_claim_published_while_dns_is_down_ends_verified_everywhere(backend: Backend) {
    let dns = TestDns::start().await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    dns.set_txt("_dix.victim.example", &["v=DIX1; d=evil.example"]);
    dns.set_unreachable("victim.example", true);
    let (db_a, db_b) = (TestDb::new(backend).await, TestDb::new(backend).await);
    let fast = format!(
        "{}dns_timeout_ms = 200\nscope_recheck_first_secs = 1\n",
        config(1)
    );
    let mut a = node(&db_a, &dns, &fast, &[]).await;
    let notice = evil.notice(|d| {
        d["scope"] = json!({"recipient_domains": ["victim.example"]});
    });
    let id = incident_of(&notice);
    let published = publish(&a, notice).await;
    let entry = &claims(&published)[0];
    assert_eq!(entry["verified"], false, "{published}");
    assert_eq!(entry["retry"], true, "{published}");
    assert!(
        entry["basis"]
            .as_str()
            .unwrap()
            .contains("could not be checked"),
        "{published}"
    );

    // A stop right after the notice's commit, before its re-check was
    // scheduled: the schedule is gone; the next start finds the notice again.
    a.stop().await;
    forget_rechecks(&db_a).await;
    a.start_again().await;
    dns.set_unreachable("victim.example", false);
    let verified = |node: &DixNode| {
        let url = node.at(&format!("/v1/incidents/evil.example/{id}"));
        async move {
            let r = get(&url).await;
            r.json["scope_verified"] == true
                && r.json["verification"]["scope"]["entries"][0]["verified"] == true
        }
    };
    eventually("A checks the claim again and verifies it", 30, || {
        verified(&a)
    })
    .await;
    let b = node(&db_b, &dns, &fast, &["--peer", &a.url]).await;
    eventually("B, syncing later, agrees", 20, || verified(&b)).await;
    // The verdict follows: a bounce to victim.example is decided by it.
    let body = json!({"text": "451 4.7.500 Server busy. Please try again later", "recipient": "user@victim.example"});
    for node in [&a, &b] {
        let url = node.at("/v1/explain");
        let body = serde_json::to_vec(&body).unwrap();
        eventually("the claim decides the explanation", 30, || {
            let (url, body, id) = (url.clone(), body.clone(), id.clone());
            async move {
                let r = post(&url, body).await;
                r.status == 200 && r.text.contains(&id)
            }
        })
        .await;
    }
}
