//! Following incidents without polling the API: the Atom feed
//! (`/v1/incidents.atom`) and the stream of new and changed incidents
//! (`/v1/stream`), resumed with `Last-Event-ID`, against a real dixd.

use std::time::Duration;

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, post, send};
use serde_json::{Value, json};

/// Reads SSE events until `want` have arrived: (id, data).
async fn events(response: &mut reqwest::Response, want: usize) -> Vec<(String, Value)> {
    let mut buffer = String::new();
    let mut out = Vec::new();
    while out.len() < want {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .expect("the stream reads")
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block
                .lines()
                .find_map(|l| l.strip_prefix("id:"))
                .map(|s| s.trim().to_owned());
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(|s| s.trim().to_owned());
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, serde_json::from_str(&data).expect("JSON data")));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_and_the_stream_of_incidents() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let shop = Issuer::new("shop.example", "s1");
    shop.publish_key(&dns);
    let node = DixNode::start(&db, dns.addr(), &["--demo"]).await;
    let c = reqwest::Client::new();

    // Atom: the demo incident for contoso.example, in Japanese, one entry per revision.
    let atom = send(c.get(node.at("/v1/incidents.atom?domain=contoso.example&lang=ja"))).await;
    assert_eq!(atom.status, 200, "{}", atom.text);
    assert!(
        atom.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert!(
        atom.text.contains("xml:lang=\"ja\"") && atom.text.contains("<entry>"),
        "{}",
        atom.text
    );
    assert!(
        atom.text.contains("urn:dix:contoso.example:")
            && !atom.text.contains("urn:dix:blocklist.example:"),
        "{}",
        atom.text
    );
    assert!(atom.text.contains("受信用MX"), "{}", atom.text);
    let bad = send(c.get(node.at("/v1/incidents.atom?kind=spam"))).await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_parameter"));

    // The stream: only shop.example's incidents, from the present.
    let mut stream = c
        .get(node.at("/v1/stream?domain=shop.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let hostile = "<b>&</b>";
    let first = shop.notice(|n| n["summary"] = json!({"en": format!("Deferring {hostile}")}));
    assert_eq!(post(&node.at("/v1/notices"), first).await.status, 201);
    // Another destination's incident is not sent to this subscriber.
    let other = shop.notice(|n| n["scope"] = json!({"recipient_domains": ["elsewhere.example"]}));
    assert_eq!(post(&node.at("/v1/notices"), other).await.status, 201);
    let second = shop.notice(|n| n["status"] = json!("monitoring"));
    assert_eq!(post(&node.at("/v1/notices"), second).await.status, 201);
    let got = events(&mut stream, 2).await;
    assert_eq!(got[0].1["issuer"], "shop.example");
    assert_eq!(got[0].1["summary"]["en"], format!("Deferring {hostile}"));
    assert_eq!(got[1].1["status"], "monitoring");
    assert!(
        got.iter()
            .all(|(_, d)| d["recipient_domains"] == json!(["shop.example"])),
        "{got:?}"
    );
    drop(stream);

    // Resumed after the first event: the second comes again, then what is new.
    let third = shop.notice(|n| {
        n["status"] = json!("resolved");
        n["ended_at"] = n["published_at"].clone();
    });
    assert_eq!(post(&node.at("/v1/notices"), third).await.status, 201);
    let mut resumed = c
        .get(node.at("/v1/stream?domain=shop.example"))
        .header("last-event-id", &got[0].0)
        .send()
        .await
        .unwrap();
    let again = events(&mut resumed, 2).await;
    assert_eq!(
        again[0], got[1],
        "resuming repeats nothing and misses nothing"
    );
    assert_eq!(again[1].1["status"], "resolved");
    let bad = send(
        c.get(node.at("/v1/stream"))
            .header("last-event-id", "yesterday"),
    )
    .await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_parameter"));
}
