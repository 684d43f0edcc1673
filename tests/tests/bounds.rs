//! What a stranger meets at the edges of a node: real `dixd` processes on
//! 127.0.0.1, every scenario on SQLite and PostgreSQL. One address cannot
//! hold every connection (`server/src/serve.rs`); the pages and the Atom
//! feed mark a stranger's unverified claims and never echo the request's
//! `Host`; a paste over the body limit gets 413 with a message that says so;
//! `dix explain --node` and `dix scan --node` size their requests to the
//! node's body limit and report a fact the node still refuses.
//!
//! Every test client runs on loopback: the attacker binds 127.0.0.2 (all of
//! 127/8 is the loopback interface on Linux), so that the per-client cap
//! sees it as another client than the health check from 127.0.0.1.

use std::time::Duration;

use dix_tests::{
    Backend, DixNode, Issuer, TestDb, TestDns, binary_path, get, on_both_databases, post, send,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

on_both_databases!(
    one_address_cannot_hold_every_connection,
    unverified_claims_are_marked_in_the_feed_and_the_pages,
    a_paste_over_the_limit_is_refused_as_too_large,
    dix_explain_splits_its_requests_and_reports_a_refusal,
    dix_scan_sizes_its_requests_and_asks_on_after_a_refusal,
);

struct World {
    _dns: TestDns,
    db: TestDb,
    node: DixNode,
    evil: Issuer,
}

/// A node with `config`, and `evil.example`: a stranger with a valid key
/// for the one domain it owns.
async fn world(backend: Backend, config: &str) -> World {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    let path = db
        .dir
        .path()
        .join(format!("dixd-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, config).unwrap();
    let node = DixNode::start(&db, dns.addr(), &["--config", path.to_str().unwrap()]).await;
    World {
        _dns: dns,
        db,
        node,
        evil,
    }
}

/// A connection to `addr` from the loopback address `from`.
async fn connect_from(from: &str, addr: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

/// Whether the node closed `s` (or refused it) within `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 512];
    matches!(
        tokio::time::timeout(wait, s.read(&mut buf)).await,
        Ok(Ok(_)) | Ok(Err(_))
    )
}

/// 1,500 half-sent requests from one address once kept /healthz waiting
/// 11 s: one global cap and none per client, so the attacker held every
/// slot until the header timeout freed one. The header timeout here is a
/// minute, so only the per-client cap can let the health check through.
async fn one_address_cannot_hold_every_connection(backend: Backend) {
    let w = world(
        backend,
        "header_timeout_secs = 60\nidle_timeout_secs = 120\nmax_connections = 40\nmax_connections_per_client = 8\n",
    )
    .await;
    let addr = w.node.url.trim_start_matches("http://").to_owned();
    let mut attackers = Vec::new();
    for _ in 0..100 {
        let mut s = connect_from("127.0.0.2", &addr).await;
        let _ = s.write_all(b"GET /healthz HTT").await;
        attackers.push(s);
    }
    // The node keeps the attacker's first eight and closes the rest.
    let mut held = 0;
    for s in &mut attackers {
        if !closed_within(s, Duration::from_millis(300)).await {
            held += 1;
        }
    }
    assert_eq!(held, 8, "connections one address holds");
    // Another client is served at once, with the attack still going on.
    let health = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(w.node.at("/healthz"))
        .send()
        .await
        .expect("healthz answers during the attack");
    assert_eq!(health.status(), 200);
    // One more from the attacker is told why before it is closed.
    let mut more = connect_from("127.0.0.2", &addr).await;
    let mut told = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), more.read_to_end(&mut told)).await;
    let told = String::from_utf8_lossy(&told);
    assert!(
        told.starts_with("HTTP/1.1 503") && told.contains("too_many_connections"),
        "{told}"
    );
    // Its slots come back as its connections end.
    drop(attackers);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = connect_from("127.0.0.2", &addr).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), again.read_to_end(&mut answer))
        .await
        .expect("answered")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    drop(w.db);
}

/// The Atom feed and `/incidents?domain=` once listed a stranger's claim
/// about gmail.com like gmail.com's own notice, and built the feed's links
/// from the `Host` the client sent.
async fn unverified_claims_are_marked_in_the_feed_and_the_pages(backend: Backend) {
    let w = world(backend, "").await;
    let stranger = post(
        &w.node.at("/v1/notices"),
        w.evil.notice(|n| {
            n["scope"] = json!({"recipient_domains": ["gmail.com"]});
            n["summary"] = json!({"en": "Gmail is down, buy our relay", "ja": "Gmail 障害中"});
        }),
    )
    .await;
    assert_eq!(stranger.status, 201, "{}", stranger.text);
    let own = post(
        &w.node.at("/v1/notices"),
        w.evil.notice(|n| {
            n["summary"] = json!({"en": "Our own MX is slow", "ja": "自社 MX の遅延"});
        }),
    )
    .await;
    assert_eq!(own.status, 201, "{}", own.text);

    let atom = |query: &str| {
        send(
            reqwest::Client::new()
                .get(w.node.at(&format!("/v1/incidents.atom?{query}")))
                .header("host", "phish.example"),
        )
    };
    let en = atom("domain=gmail.com&lang=en").await;
    assert_eq!(en.status, 200);
    assert!(
        en.text
            .contains("<title>[unverified claim] [identified] Gmail is down"),
        "{}",
        en.text
    );
    assert!(
        en.text.contains("<category term=\"unverified\""),
        "{}",
        en.text
    );
    assert!(!en.text.contains("phish.example"), "{}", en.text);
    assert!(
        en.text.contains("href=\"/incidents/evil.example/"),
        "links relative to the feed: {}",
        en.text
    );
    let ja = atom("domain=gmail.com&lang=ja").await;
    assert!(ja.text.contains("[未検証の主張]"), "{}", ja.text);
    // The issuer's statement about its own domain is not marked.
    let own_feed = atom("domain=evil.example&lang=en").await;
    assert!(
        own_feed.text.contains("Our own MX is slow"),
        "{}",
        own_feed.text
    );
    assert!(!own_feed.text.contains("unverified"), "{}", own_feed.text);

    let page = get(&w.node.at("/incidents?domain=gmail.com&lang=en")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Gmail is down") && page.text.contains(">unverified claim</span>"),
        "{}",
        page.text
    );
    let page = get(&w.node.at("/incidents?domain=gmail.com&lang=ja")).await;
    assert!(page.text.contains(">未検証の主張</span>"), "{}", page.text);
    let page = get(&w.node.at("/incidents?domain=evil.example&lang=en")).await;
    assert!(page.text.contains("Our own MX is slow"));
    assert!(
        !page.text.contains(">unverified claim</span>"),
        "{}",
        page.text
    );

    // With its public address configured, the feed's links start with it,
    // whatever Host says.
    let published = world(backend, "public_url = \"https://dix.example.net/\"\n").await;
    let r = post(
        &published.node.at("/v1/notices"),
        published.evil.notice(|_| {}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let feed = send(
        reqwest::Client::new()
            .get(published.node.at("/v1/incidents.atom?domain=evil.example"))
            .header("host", "phish.example"),
    )
    .await;
    assert!(!feed.text.contains("phish.example"), "{}", feed.text);
    assert!(
        feed.text
            .contains("<id>https://dix.example.net/v1/incidents.atom?domain=evil.example</id>")
            && feed
                .text
                .contains("href=\"https://dix.example.net/incidents/evil.example/"),
        "{}",
        feed.text
    );
    drop(published.db);
    drop(w.db);
}

/// A 300 kB paste sent URL-encoded once got "the uploaded file could not be
/// read" (400), as if it were broken, instead of 413 and the limit.
async fn a_paste_over_the_limit_is_refused_as_too_large(backend: Backend) {
    let w = world(backend, "").await;
    let paste = format!(
        "bounce={}&recipient=a%40example.jp&lang=en",
        "550+5.1.1+User+unknown%0A".repeat(300_000 / 24)
    );
    let r = send(
        reqwest::Client::new()
            .post(w.node.at("/explain"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(paste),
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(
        r.text.contains("too large") && r.text.contains("256 KiB"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("could not be read"), "{}", r.text);
    // A paste under the limit is still answered.
    let r = send(
        reqwest::Client::new()
            .post(w.node.at("/explain"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("bounce=550+5.1.1+User+unknown&recipient=a%40example.jp&lang=en"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    drop(w.db);
}

/// A Postfix deferral line of now to `recipient`, with `reply`.
fn deferral(i: usize, recipient: &str, reply: &str) -> String {
    // RFC 3339 with an offset, as rsyslog writes it.
    let now = dix_schema::types::Timestamp::now()
        .to_string()
        .replace('Z', "+00:00");
    format!(
        "{now} mx1 postfix/smtp[1300]: 4T{i:08X}: to=<{recipient}>, relay=mx.example.org[198.51.100.4]:25, delay=1, dsn=4.7.500, status=deferred (host mx.example.org[198.51.100.4] said: {reply} (in reply to RCPT TO command))\n"
    )
}

const BUSY: &str = "451 4.7.500 Server busy. Please try again later";

/// `dix ARGS`, run to its end: (exit code, stdout, stderr).
async fn dix(args: Vec<String>) -> (Option<i32>, String, String) {
    let out = tokio::process::Command::new(binary_path("dix"))
        .args(&args)
        .env("LANG", "C")
        .output()
        .await
        .expect("dix runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `dix explain FILE --node` once sent every fact in one request, and on
/// the node's 413 answered from the knowledge base alone, exit status 0,
/// as if no incident had been published.
async fn dix_explain_splits_its_requests_and_reports_a_refusal(backend: Backend) {
    let w = world(backend, "max_body_bytes = 16384\n").await;
    let r = post(&w.node.at("/v1/notices"), w.evil.notice(|_| {})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // 200 deferrals to evil.example: about 60 kB of queries.
    let log: String = (0..200)
        .map(|i| deferral(i, &format!("user{i}@evil.example"), BUSY))
        .collect();
    let path = w.db.dir.path().join("maillog");
    std::fs::write(&path, log).unwrap();
    let (code, out, err) = dix(vec![
        "explain".into(),
        path.display().to_string(),
        "--node".into(),
        w.node.url.clone(),
        "--json".into(),
    ])
    .await;
    assert_eq!(code, Some(0), "{err}");
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["knowledge_base_only"], false, "{err}");
    let facts = answer["facts"].as_array().unwrap();
    assert_eq!(facts.len(), 200);
    for item in facts {
        assert_eq!(
            item["matches"][0]["issuer"], "evil.example",
            "every fact was asked about: {item}"
        );
    }
    // One fact larger than the node takes: refused, and said so.
    let long_reply = format!("{BUSY} {}", "x".repeat(20_000));
    let path = w.db.dir.path().join("maillog.long");
    std::fs::write(&path, deferral(1, "someone@evil.example", &long_reply)).unwrap();
    let (code, out, err) = dix(vec![
        "explain".into(),
        path.display().to_string(),
        "--node".into(),
        w.node.url.clone(),
    ])
    .await;
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(err.contains("refused") && err.contains("413"), "{err}");
    assert!(out.contains("refused the request"), "{out}");
    assert!(!out.contains("knowledge base only"), "{out}");
    drop(w.db);
}

/// `dix scan --node` once asked in chunks of 500 groups whatever their
/// size, and stopped asking after the first refused chunk: every group lost
/// its incidents to one large one.
async fn dix_scan_sizes_its_requests_and_asks_on_after_a_refusal(backend: Backend) {
    let w = world(backend, "max_body_bytes = 16384\n").await;
    let r = post(&w.node.at("/v1/notices"), w.evil.notice(|_| {})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // One group too large for the node first, then 300 small groups (one
    // per domain), then evil.example's.
    let mut log = deferral(
        0,
        "someone@huge.example",
        &format!("{BUSY} {}", "x".repeat(20_000)),
    );
    log.push_str(&deferral(
        0,
        "someone@huge.example",
        &format!("{BUSY} {}", "x".repeat(20_000)),
    ));
    for i in 1..=300 {
        log.push_str(&deferral(i, &format!("user@d{i}.example"), BUSY));
    }
    for i in 301..310 {
        log.push_str(&deferral(i, &format!("user{i}@evil.example"), BUSY));
    }
    let path = w.db.dir.path().join("maillog");
    std::fs::write(&path, log).unwrap();
    let (code, out, err) = dix(vec![
        "scan".into(),
        path.display().to_string(),
        "--node".into(),
        w.node.url.clone(),
        "--json".into(),
    ])
    .await;
    assert_eq!(code, Some(1), "a refusal is an error: {err}");
    assert!(err.contains("refused") && err.contains("413"), "{err}");
    let scan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let groups = scan["summary"]["groups"].as_array().unwrap();
    assert!(groups.len() > 300, "{}", groups.len());
    let evil = groups
        .iter()
        .find(|g| g["domain"] == "evil.example")
        .expect("evil.example's group");
    assert_eq!(
        evil["incidents"][0]["issuer"], "evil.example",
        "asked on after the refusal: {evil}"
    );
    drop(w.db);
}
