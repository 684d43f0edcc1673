//! dixd from the outside: real processes on 127.0.0.1 port 0, keys and scope
//! in a real DNS server on loopback, every scenario on SQLite and PostgreSQL.

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, get, on_both_databases, post};
use hickory_proto::rr::RecordType;
use serde_json::{Value, json};

on_both_databases!(
    publish_and_read_back_byte_identical,
    every_rejection_has_its_code,
    key_problems_are_named,
    scope_claims_are_verified_or_marked,
    replay_and_rollback_change_nothing,
    equivocation_is_recorded_and_flagged,
    restart_and_kill_9_lose_nothing,
    rotated_key_is_refetched_once,
    incident_filters,
);

struct World {
    dns: TestDns,
    /// Holds the database (and its temporary folder) for the test's life.
    _db: TestDb,
    node: DixNode,
    isp: Issuer,
}

async fn world(backend: Backend, extra: &[&str]) -> World {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let isp = Issuer::new("example-isp.jp", "s2026");
    isp.publish_key(&dns);
    let node = DixNode::start(&db, dns.addr(), extra).await;
    World {
        dns,
        _db: db,
        node,
        isp,
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

async fn publish_and_read_back_byte_identical(backend: Backend) {
    let w = world(backend, &[]).await;
    let notice = w.isp.notice(|_| {});
    let r = post(&w.node.at("/v1/notices"), notice.clone()).await;
    assert_eq!(r.status, 201, "{} / {}", r.text, w.node.logs());
    assert_eq!(r.json["status"], "stored");
    assert_eq!(r.json["current"], true);
    assert_eq!(r.json["key_source"], "dns");

    // The feed and the incident carry the exact signed bytes.
    let feed = get(&w.node.at("/v1/feed")).await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.text.contains(text(&notice)),
        "feed does not hold the exact bytes"
    );
    assert_eq!(feed.json["notices"].as_array().unwrap().len(), 1);
    let id: Value = serde_json::from_slice(&notice).unwrap();
    let one = get(&w.node.at(&format!(
        "/v1/incidents/{}",
        id["incident"].as_str().unwrap()
    )))
    .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(one.text.contains(text(&notice)));
    assert_eq!(one.json["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(one.json["scope_verified"], true);
    assert_eq!(one.json["issuer_flagged"], false);

    // An idle poll costs a 304.
    let etag = feed.headers["etag"].to_str().unwrap().to_owned();
    let again = reqwest::Client::new()
        .get(w.node.at("/v1/feed"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // ...until something new arrives.
    assert_eq!(
        post(&w.node.at("/v1/notices"), w.isp.notice(|_| {}))
            .await
            .status,
        201
    );
    let changed = reqwest::Client::new()
        .get(w.node.at("/v1/feed"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    // Paging: limit 1 gives one notice and `more`; `next` continues.
    let first = get(&w.node.at("/v1/feed?limit=1")).await;
    assert_eq!(
        (
            first.json["notices"].as_array().unwrap().len(),
            &first.json["more"]
        ),
        (1, &json!(true))
    );
    let next = first.json["next"].as_str().unwrap();
    let second = get(&w.node.at(&format!("/v1/feed?after={next}&limit=1"))).await;
    assert_eq!(
        (
            second.json["notices"].as_array().unwrap().len(),
            &second.json["more"]
        ),
        (1, &json!(false))
    );
    assert_ne!(first.json["notices"][0], second.json["notices"][0]);

    let health = get(&w.node.at("/healthz")).await;
    assert_eq!(health.status, 200);
    let metrics = get(&w.node.at("/metrics")).await;
    assert!(
        metrics
            .text
            .contains("dix_notices_total{outcome=\"stored\"} 2"),
        "{}",
        metrics.text
    );
    let openapi = get(&w.node.at("/v1/openapi.json")).await;
    assert_eq!(openapi.json["openapi"], "3.1.0");
    // What a shell leaves after the JSON (the newline `dix notice sign`
    // prints) is not part of the notice: the exact bytes before it are stored.
    let signed = w.isp.notice(|_| {});
    let mut with_newline = signed.clone();
    with_newline.extend_from_slice(b"\r\n \n");
    let r = post(&w.node.at("/v1/notices"), with_newline).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let stored = get(&w.node.at("/v1/feed")).await;
    assert!(
        stored.text.contains(&format!("{}]", text(&signed))),
        "the trailing whitespace was stored: {}",
        stored.text
    );
}

async fn every_rejection_has_its_code(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    let good = w.isp.notice(|_| {});
    let good_text = text(&good).to_owned();

    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        (
            "bad signature",
            {
                let other = w.isp.notice(|_| {});
                let sig = |b: &[u8]| {
                    serde_json::from_slice::<Value>(b).unwrap()["sig"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                };
                good_text.replace(&sig(&good), &sig(&other)).into_bytes()
            },
            403,
            "signature_mismatch",
            "sig",
        ),
        (
            "tampered field",
            good_text
                .replace("Inbound MX overloaded.", "Inbound MX overloaded!")
                .into_bytes(),
            403,
            "signature_mismatch",
            "sig",
        ),
        (
            "stale published_at",
            w.isp.notice(|n| {
                n["published_at"] = json!("2020-01-01T00:00:00Z");
                n["started_at"] = json!("2019-12-31T23:00:00Z");
            }),
            422,
            "stale_published_at",
            "published_at",
        ),
        (
            "malformed JSON",
            b"{\"v\":1,".to_vec(),
            400,
            "malformed_json",
            "",
        ),
        (
            "duplicate key",
            good_text
                .replacen(
                    "\"kind\":\"throttling\"",
                    "\"kind\":\"throttling\",\"kind\":\"outage\"",
                    1,
                )
                .into_bytes(),
            400,
            "duplicate_key",
            "kind",
        ),
        (
            "non-canonical",
            good_text.replacen(",", ", ", 1).into_bytes(),
            400,
            "non_canonical",
            "",
        ),
        // The signer refuses invalid notices, so this one carries a dummy
        // signature: fields are checked before the signature, as they must be.
        (
            "unknown field",
            {
                let mut v = w.isp.draft();
                v["severity"] = json!("high");
                v["sig"] = json!("A".repeat(86));
                dix_schema::json::canonical_bytes(&v)
            },
            422,
            "unknown_field",
            "severity",
        ),
        (
            "oversized body",
            vec![b' '; 300 * 1024],
            413,
            "too_large",
            "",
        ),
    ];
    for (what, body, status, code, field) in cases {
        let r = post(&url, body).await;
        assert_eq!((r.status, r.code()), (status, code), "{what}: {}", r.text);
        assert_eq!(
            r.json["error"]["field"].as_str().unwrap_or(""),
            field,
            "{what}: {}",
            r.text
        );
        assert!(
            !r.json["error"]["message"].as_str().unwrap().is_empty(),
            "{what}: a message"
        );
    }
    // Nothing was stored.
    assert_eq!(
        get(&w.node.at("/v1/feed")).await.json["notices"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(post(&url, good).await.status, 201);
}

async fn key_problems_are_named(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");

    // An issuer whose domain does not exist in DNS.
    let ghost = Issuer::new("ghost.example", "s1");
    let r = post(&url, ghost.notice(|_| {})).await;
    assert_eq!((r.status, r.code()), (422, "unknown_issuer"), "{}", r.text);

    // An issuer that exists but publishes no key.
    let keyless = Issuer::new("keyless.example", "s1");
    w.dns.set_txt("keyless.example", &["v=spf1 -all"]);
    let r = post(&url, keyless.notice(|_| {})).await;
    assert_eq!((r.status, r.code()), (422, "key_not_found"), "{}", r.text);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("s1._dix.keyless.example")
    );

    // A revoked key.
    let revoked = Issuer::new("revoked.example", "old");
    w.dns
        .set_txt(&revoked.record_name(), &["v=DIX1; k=ed25519; p="]);
    let r = post(&url, revoked.notice(|_| {})).await;
    assert_eq!((r.status, r.code()), (422, "revoked_key"), "{}", r.text);

    // A wrong selector, for an issuer whose real selector the node has seen.
    assert_eq!(post(&url, w.isp.notice(|_| {})).await.status, 201);
    let wrong = Issuer::new(&w.isp.domain, "s2099");
    let r = post(&url, wrong.notice(|n| n["seq"] = json!(500))).await;
    assert_eq!(
        (r.status, r.code()),
        (422, "unknown_selector"),
        "{}",
        r.text
    );
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("s2026"),
        "{}",
        r.text
    );

    // A key published under the right name, but the notice signed by another key.
    let impostor = Issuer::new(&w.isp.domain, &w.isp.selector);
    let r = post(&url, impostor.notice(|n| n["seq"] = json!(600))).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "signature_mismatch"),
        "{}",
        r.text
    );

    // A malformed record.
    let broken = Issuer::new("broken.example", "s1");
    w.dns
        .set_txt(&broken.record_name(), &["v=DIX1; k=rsa; p=AAAA"]);
    let r = post(&url, broken.notice(|_| {})).await;
    assert_eq!(
        (r.status, r.code()),
        (422, "malformed_key_record"),
        "{}",
        r.text
    );
}

async fn scope_claims_are_verified_or_marked(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    // customer.example delegates to the ISP; hosted.example's MX are the ISP's;
    // elsewhere.example has nothing to do with it.
    w.dns
        .set_txt("_dix.customer.example", &["v=DIX1; d=example-isp.jp"]);
    w.dns.set_mx(
        "hosted.example",
        &["mx1.example-isp.jp", "mx2.example-isp.jp"],
    );
    w.dns.set_mx("elsewhere.example", &["mx.elsewhere.example"]);
    // 203.0.113.0/24's reverse zone delegates to the ISP; every address of
    // 198.51.100.8/30 has reverse DNS under it; 198.51.100.16/30 lacks one PTR.
    w.dns
        .set_txt("_dix.113.0.203.in-addr.arpa", &["v=DIX1; d=example-isp.jp"]);
    for last in 8u8..12 {
        w.dns.set_ptr(
            format!("198.51.100.{last}").parse().unwrap(),
            &format!("mx{last}.example-isp.jp"),
        );
    }
    for last in [16u8, 17, 19] {
        w.dns.set_ptr(
            format!("198.51.100.{last}").parse().unwrap(),
            &format!("mx{last}.example-isp.jp"),
        );
    }
    let r = post(
        &url,
        w.isp.notice(|n| {
            n["scope"] = json!({
                "recipient_domains": ["example-isp.jp", "*.customer.example", "hosted.example", "elsewhere.example"],
                "mx_hosts": ["mx*.example-isp.jp", "mx*.other.example"],
                "receiving_ips": ["203.0.113.0/24", "198.51.100.8/30", "198.51.100.16/30", "192.0.2.0/24"]
            })
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let verdict = |value: &str| -> bool {
        r.json["scope"]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["value"] == value)
            .unwrap_or_else(|| panic!("no entry {value}"))["verified"]
            .as_bool()
            .unwrap()
    };
    assert!(verdict("example-isp.jp"), "own domain");
    assert!(verdict("*.customer.example"), "delegated");
    assert!(verdict("hosted.example"), "MX under the issuer");
    assert!(!verdict("elsewhere.example"), "not the issuer's");
    assert!(verdict("mx*.example-isp.jp"));
    assert!(!verdict("mx*.other.example"));
    assert!(
        verdict("203.0.113.0/24"),
        "reverse zone delegated to the issuer"
    );
    assert!(
        verdict("198.51.100.8/30"),
        "reverse DNS of every address under the issuer"
    );
    assert!(
        !verdict("198.51.100.16/30"),
        "one address without reverse DNS"
    );
    assert!(
        !verdict("192.0.2.0/24"),
        "no delegation, too large to sweep"
    );
    assert_eq!(r.json["scope"]["all_verified"], false);

    // The stored incident says so too, and a domain filter finds it by the wildcard.
    let list = get(&w.node.at("/v1/incidents?domain=shop.customer.example")).await;
    let incident = &list.json["incidents"][0];
    assert_eq!(incident["scope_verified"], false);
    let entries = incident["verification"]["scope"]["entries"]
        .as_array()
        .unwrap();
    let elsewhere = entries
        .iter()
        .find(|e| e["value"] == "elsewhere.example")
        .unwrap();
    assert_eq!(elsewhere["verified"], false);
    assert!(
        elsewhere["basis"]
            .as_str()
            .unwrap()
            .contains("mx.elsewhere.example"),
        "{elsewhere}"
    );
}

async fn replay_and_rollback_change_nothing(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    let incident = uuid::Uuid::new_v4().to_string();
    let revision = |seq: u64, status: &str| {
        let incident = incident.clone();
        let status = status.to_owned();
        w.isp.notice(move |n| {
            n["incident"] = json!(incident);
            n["seq"] = json!(seq);
            n["status"] = json!(status);
        })
    };
    let v10 = revision(10, "identified");
    assert_eq!(post(&url, v10.clone()).await.status, 201);
    // Exact replay: 200, nothing new in the feed.
    let replay = post(&url, v10.clone()).await;
    assert_eq!(
        (replay.status, replay.json["status"].as_str()),
        (200, Some("replay")),
        "{}",
        replay.text
    );
    // An older revision arrives later: kept as history, not current.
    let older = post(&url, revision(9, "investigating")).await;
    assert_eq!(older.status, 201, "{}", older.text);
    assert_eq!(older.json["current"], false);
    let one = get(&w.node.at(&format!("/v1/incidents/{incident}"))).await;
    assert_eq!(one.json["seq"], 10);
    assert_eq!(one.json["notice"]["status"], "identified");
    assert_eq!(one.json["revisions"].as_array().unwrap().len(), 2);
    // A newer one moves it forward.
    assert_eq!(
        post(&url, revision(11, "monitoring")).await.json["current"],
        true
    );
    assert_eq!(
        get(&w.node.at(&format!("/v1/incidents/{incident}")))
            .await
            .json["notice"]["status"],
        "monitoring"
    );
    assert_eq!(
        get(&w.node.at("/v1/feed")).await.json["notices"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

async fn equivocation_is_recorded_and_flagged(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    let first = w.isp.notice(|n| n["seq"] = json!(42));
    let second = w.isp.notice(|n| n["seq"] = json!(42));
    assert_eq!(post(&url, first.clone()).await.status, 201);
    let r = post(&url, second.clone()).await;
    assert_eq!((r.status, r.code()), (409, "equivocation"), "{}", r.text);

    let issuer = get(&w.node.at("/v1/issuers/example-isp.jp")).await;
    assert_eq!(issuer.status, 200, "{}", issuer.text);
    assert_eq!(issuer.json["flagged"], true);
    let evidence = &issuer.json["equivocations"][0];
    assert_eq!(evidence["seq"], 42);
    assert!(
        issuer.text.contains(text(&first)) && issuer.text.contains(text(&second)),
        "both notices kept verbatim"
    );
    assert_eq!(issuer.json["keys"][0]["selector"], "s2026");
    // The incident is still the first notice's, and it shows its issuer is flagged.
    let id = serde_json::from_slice::<Value>(&first).unwrap()["incident"]
        .as_str()
        .unwrap()
        .to_owned();
    let incident = get(&w.node.at(&format!("/v1/incidents/{id}"))).await;
    assert!(incident.text.contains(text(&first)));
    assert_eq!(incident.json["issuer_flagged"], true);
    let listed = get(&w.node.at("/v1/incidents")).await;
    assert_eq!(listed.json["incidents"][0]["issuer_flagged"], true);
}

async fn restart_and_kill_9_lose_nothing(backend: Backend) {
    let mut w = world(backend, &[]).await;
    let mut published = Vec::new();
    for _ in 0..5 {
        let n = w.isp.notice(|_| {});
        assert_eq!(post(&w.node.at("/v1/notices"), n.clone()).await.status, 201);
        published.push(n);
    }
    w.node.restart().await;
    let feed = get(&w.node.at("/v1/feed")).await;
    assert_eq!(
        feed.json["notices"].as_array().unwrap().len(),
        5,
        "after a restart"
    );

    // kill -9 immediately after each 201.
    for _ in 0..3 {
        let n = w.isp.notice(|_| {});
        assert_eq!(post(&w.node.at("/v1/notices"), n.clone()).await.status, 201);
        published.push(n);
        w.node.kill9().await;
        w.node.start_again().await;
    }
    let feed = get(&w.node.at("/v1/feed")).await;
    for n in &published {
        assert!(
            feed.text.contains(text(n)),
            "a notice acknowledged with 201 was lost"
        );
    }
    assert_eq!(
        feed.json["notices"].as_array().unwrap().len(),
        published.len()
    );
}

async fn rotated_key_is_refetched_once(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    assert_eq!(post(&url, w.isp.notice(|_| {})).await.status, 201);
    // The issuer rotates its key behind the same selector; the node has the old one cached.
    let rotated = Issuer::new(&w.isp.domain, &w.isp.selector);
    rotated.publish_key(&w.dns);
    let r = post(&url, rotated.notice(|n| n["seq"] = json!(100))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The old key is now gone from DNS: its notices no longer verify.
    let r = post(&url, w.isp.notice(|n| n["seq"] = json!(101))).await;
    assert_eq!(
        (r.status, r.code()),
        (403, "signature_mismatch"),
        "{}",
        r.text
    );
    // Revocation takes effect once the cache is bypassed by a failure... and
    // on every fresh lookup.
    w.dns.remove(&rotated.record_name(), RecordType::TXT);
    w.dns
        .set_txt(&rotated.record_name(), &["v=DIX1; k=ed25519; p="]);
    let r = post(&url, w.isp.notice(|n| n["seq"] = json!(102))).await;
    assert_eq!((r.status, r.code()), (422, "revoked_key"), "{}", r.text);
}

async fn incident_filters(backend: Backend) {
    let w = world(backend, &[]).await;
    let url = w.node.at("/v1/notices");
    let listing_issuer = Issuer::new("bl.example.org", "k1");
    listing_issuer.publish_key(&w.dns);
    let listing = listing_issuer.notice(|n| {
        n["kind"] = json!("blocklist_listing");
        n["status"] = json!("monitoring");
        n["scope"] = json!({"sending_ips": ["198.51.100.0/24"]});
        n["symptoms"] = json!([{"reply": 554, "status": "5.7.1"}]);
        n["blocklist"] = json!({"name": "Example BL", "zone": "zen.bl.example.org"});
    });
    let r = post(&url, listing).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["scope"]["all_verified"], true,
        "a blocklist speaks for its own zone: {}",
        r.text
    );
    let resolved = w.isp.notice(|n| {
        n["kind"] = json!("outage");
        n["status"] = json!("resolved");
        n["started_at"] = json!("2026-01-01T00:00:00Z");
        n["ended_at"] = json!("2026-01-01T01:00:00Z");
    });
    assert_eq!(post(&url, resolved).await.status, 201);
    assert_eq!(post(&url, w.isp.notice(|_| {})).await.status, 201);

    let count = |query: &'static str| {
        let at = w.node.at(&format!("/v1/incidents{query}"));
        async move {
            let r = get(&at).await;
            assert_eq!(r.status, 200, "{query}: {}", r.text);
            r.json["incidents"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("").await, 3);
    assert_eq!(count("?ip=198.51.100.77").await, 1);
    assert_eq!(count("?ip=198.51.101.1").await, 0);
    assert_eq!(count("?kind=blocklist_listing").await, 1);
    assert_eq!(count("?status=resolved").await, 1);
    assert_eq!(count("?active_at=now").await, 2);
    assert_eq!(count("?active_at=2026-01-01T00:30:00Z").await, 1);
    assert_eq!(count("?issuer=example-isp.jp").await, 2);
    assert_eq!(count("?domain=example-isp.jp").await, 2);
    assert_eq!(count("?limit=2").await, 2);
    let page = get(&w.node.at("/v1/incidents?limit=2")).await;
    let before = page.json["next_before"].as_str().unwrap();
    assert_eq!(
        get(&w.node.at(&format!("/v1/incidents?limit=2&before={before}")))
            .await
            .json["incidents"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let bad = get(&w.node.at("/v1/incidents?kind=spam")).await;
    assert_eq!(
        (bad.status, bad.code(), bad.json["error"]["field"].as_str()),
        (400, "invalid_parameter", Some("kind"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let config = db.dir.path().join("dixd.toml");
    std::fs::write(
        &config,
        "rate_per_ip_per_minute = 5\nrate_per_issuer_per_minute = 2\n",
    )
    .unwrap();
    let node = DixNode::start(&db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    let isp = Issuer::new("example-isp.jp", "s2026");
    isp.publish_key(&dns);
    let statuses: Vec<u16> = {
        let mut s = Vec::new();
        for _ in 0..3 {
            s.push(
                post(&node.at("/v1/notices"), isp.notice(|_| {}))
                    .await
                    .status,
            );
        }
        s
    };
    assert_eq!(
        statuses,
        [201, 201, 429],
        "the third notice in a minute from one issuer"
    );
    let mut last = None;
    for _ in 0..5 {
        last = Some(get(&node.at("/v1/incidents")).await);
    }
    let last = last.unwrap();
    assert_eq!((last.status, last.code()), (429, "rate_limited"));
    assert!(last.headers.contains_key("retry-after"));
    // A health checker on the same address still gets its answer.
    assert_eq!(get(&node.at("/healthz")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_node_serves_demo_incidents() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let node = DixNode::start(&db, dns.addr(), &["--demo"]).await;
    let r = get(&node.at("/v1/incidents?domain=contoso.example")).await;
    assert_eq!(
        r.json["incidents"].as_array().unwrap().len(),
        1,
        "{}",
        r.text
    );
    assert_eq!(
        r.json["incidents"][0]["notice"]["symptoms"][0]["status"],
        "4.7.500"
    );
    // The demo's pinned issuers are trusted by configuration, with the same
    // meaning as proof: the listing's range narrows it, and it decides for a
    // bounce that names the list, not for every bounce from the range.
    let explain = |text: &str| {
        let body =
            serde_json::to_vec(&json!({"text": text, "recipient": "a@elsewhere.example"})).unwrap();
        let url = node.at("/v1/explain");
        async move { post(&url, body).await.json["facts"][0].clone() }
    };
    let named = explain(
        "554 5.7.1 Service unavailable; Client host [198.51.100.7] listed at bl.blocklist.example",
    )
    .await;
    assert_eq!(named["verdict"]["based_on"], "incident", "{named}");
    assert_eq!(named["matches"][0]["issuer"], "blocklist.example");
    let listing = get(&node.at("/v1/incidents?issuer=blocklist.example")).await;
    let entries = listing.json["incidents"][0]["verification"]["scope"]["entries"].to_string();
    assert!(entries.contains("\"status\":\"qualifier\""), "{entries}");
    let unnamed = explain("554 5.7.1 Client host [198.51.100.7] refused").await;
    assert!(
        unnamed["matches"].as_array().unwrap().is_empty(),
        "{unnamed}"
    );
}
