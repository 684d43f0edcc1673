//! Webhooks against a real dixd, on SQLite and PostgreSQL: a subscription
//! gets each new or changed incident for its destinations, signed with
//! HMAC-SHA256 of the body, retried with backoff while the receiver fails,
//! with the same event id on every attempt; the outbox survives `kill -9`,
//! so nothing is lost and nothing delivered twice; `/v1/webhooks` shows the
//! state. A stranger's unverified claim on the destination reaches nobody.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, get, post};
use serde_json::{Value, json};

const SECRET: &str = "a-long-shared-secret-for-tests";
/// The node's `webhook_timeout_secs`: long enough to kill it mid-request.
const TIMEOUT_SECS: u64 = 5;

/// The receiver's `answer` that makes it hold the request open, unanswered.
const HANG: u16 = 0;

/// What the receiver saw: (event id, signature, body, the status it answered
/// or `HANG`).
type Seen = Arc<Mutex<Vec<(String, String, String, u16)>>>;

struct Receiver {
    addr: SocketAddr,
    answer: Arc<AtomicU16>,
    seen: Seen,
}

async fn receiver() -> Receiver {
    let answer = Arc::new(AtomicU16::new(500));
    let seen: Seen = Arc::default();
    let (a, s) = (answer.clone(), seen.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (a, s) = (a.clone(), s.clone());
            async move {
                let status = a.load(Ordering::SeqCst);
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                s.lock().unwrap().push((
                    h("x-dix-event-id"),
                    h("x-dix-signature"),
                    String::from_utf8_lossy(&body).into_owned(),
                    status,
                ));
                if status == HANG {
                    // Longer than the node's timeout: it gives up first.
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { addr, answer, seen }
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 30 s");
}

async fn state(node: &DixNode) -> Value {
    get(&node.at("/v1/webhooks")).await.json["webhooks"][0].clone()
}

async fn deliveries(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let shop = Issuer::new("shop.example", "s1");
    shop.publish_key(&dns);
    let stranger = Issuer::new("stranger.example", "s1");
    stranger.publish_key(&dns);
    let rx = receiver().await;
    let config = db.dir.path().join("dixd.toml");
    std::fs::write(
        &config,
        format!(
            "webhook_retry_secs = 1\nwebhook_retry_cap_secs = 2\nwebhook_timeout_secs = {TIMEOUT_SECS}\n\n[[webhooks]]\nurl = \"http://{}/hook\"\ndomains = [\"shop.example\"]\nsecret = \"{SECRET}\"\n",
            rx.addr
        ),
    )
    .unwrap();
    let mut node = DixNode::start(&db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    eventually("the subscription starts", async || {
        !state(&node).await.is_null()
    })
    .await;

    // One for the destination, one for another, one stranger claiming it.
    let first = shop.notice(|n| n["summary"] = json!({"en": "Deferring mail"}));
    assert_eq!(post(&node.at("/v1/notices"), first).await.status, 201);
    let other = shop.notice(|n| n["scope"] = json!({"recipient_domains": ["elsewhere.example"]}));
    assert_eq!(post(&node.at("/v1/notices"), other).await.status, 201);
    let claim = stranger.notice(|n| n["scope"] = json!({"recipient_domains": ["shop.example"]}));
    assert_eq!(post(&node.at("/v1/notices"), claim).await.status, 201);

    // The receiver fails: the same event is tried again, with backoff.
    eventually("retries", async || rx.seen.lock().unwrap().len() >= 2).await;
    let s = state(&node).await;
    assert_eq!(s["pending"], 1, "{s}");
    assert!(
        s["next"]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("500"),
        "{s}"
    );
    rx.answer.store(200, Ordering::SeqCst);
    eventually("delivered", async || state(&node).await["delivered"] == 1).await;

    // kill -9 while the node is sending an event (it holds the event's
    // claim): nothing is lost, and the restarted node sends it once the
    // claim lapses, one attempt's timeout and a margin later.
    rx.answer.store(HANG, Ordering::SeqCst);
    let second = shop.notice(|n| n["status"] = json!("monitoring"));
    assert_eq!(post(&node.at("/v1/notices"), second).await.status, 201);
    eventually("the second is being sent", async || {
        rx.seen
            .lock()
            .unwrap()
            .iter()
            .any(|(_, _, _, status)| *status == HANG)
    })
    .await;
    node.kill9().await;
    rx.answer.store(200, Ordering::SeqCst);
    node.start_again().await;
    eventually("delivered after the restart", async || {
        state(&node).await["delivered"] == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let seen = rx.seen.lock().unwrap().clone();
    let mut ids: Vec<&str> = seen.iter().map(|(id, ..)| id.as_str()).collect();
    ids.dedup();
    assert_eq!(
        ids.len(),
        2,
        "two events, each with one id on every attempt: {seen:?}"
    );
    for (id, signature, body, _) in &seen {
        assert_eq!(
            signature,
            &dix_server::webhooks::signature(SECRET, body.as_bytes()),
            "{body}"
        );
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            (event["event_id"].as_str(), event["issuer"].as_str()),
            (Some(id.as_str()), Some("shop.example")),
            "{body}"
        );
        assert_eq!(
            event["recipient_domains"],
            json!(["shop.example"]),
            "{body}"
        );
    }
    for id in &ids {
        let ok = seen
            .iter()
            .filter(|(i, _, _, status)| i == id && *status == 200)
            .count();
        assert_eq!(ok, 1, "event {id} delivered {ok} times: {seen:?}");
    }
    assert_eq!(
        serde_json::from_str::<Value>(&seen.last().unwrap().2).unwrap()["status"],
        "monitoring"
    );
    let s = state(&node).await;
    assert_eq!(
        (s["pending"].as_i64(), s["delivered"].as_i64()),
        (Some(0), Some(2)),
        "{s}"
    );
    assert!(
        s.to_string().contains("shop.example") && !s.to_string().contains(SECRET),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_sqlite() {
    deliveries(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_postgres() {
    deliveries(Backend::Postgres).await;
}
