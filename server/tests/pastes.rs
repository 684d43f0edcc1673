//! Every golden paste (`bounce/tests/golden/pastes.toml`) through the node's
//! router in process (`oneshot`): `POST /v1/explain` with the text and the
//! case's recipient, From and time, and the same expectations as the
//! library harness on the JSON answer (`facts[0].fact`, `facts[0].verdict`).
//! One report for all failures. A case whose charset is ISO-2022-JP or
//! Shift_JIS is sent as its text: a JSON string is Unicode, as a browser or
//! an API client sends it (the library harness reads the encoded bytes).

#[path = "../../bounce/tests/support/pastes.rs"]
mod golden;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dix_server::config::Config;
use dix_server::dns::Dns;
use dix_server::http::router;
use dix_server::node::Node;
use dix_server::store::Store;
use golden::{Miss, Report};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let config = Config {
        db: db.clone(),
        ..Config::default()
    };
    let store = Store::connect(&db, 2).await.unwrap();
    // Nothing here should reach DNS; an unroutable server would make it fail loudly.
    let dns = Dns::new("127.0.0.1:9", std::time::Duration::from_millis(200)).unwrap();
    let log = dix_server::tlog::Log::new(dix_schema::SecretKey::from_seed(&[1; 32]), "");
    (router(Node::new(config, store, dns, log).unwrap()), dir)
}

async fn explain(app: &axum::Router, body: &Value) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri("/v1/explain")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_golden_paste_through_the_router() {
    let (app, _dir) = app().await;
    let table = golden::load();
    let mut report = Report::default();
    for p in &table.paste {
        let mut body = json!({ "text": p.text });
        for (key, value) in [("recipient", &p.to), ("from", &p.from), ("at", &p.at)] {
            if let Some(v) = value {
                body[key] = json!(v);
            }
        }
        let (status, answer) = explain(&app, &body).await;
        let misses = if status != StatusCode::OK {
            vec![Miss {
                field: "read",
                detail: format!("{status}: {answer}"),
            }]
        } else {
            let first = &answer["facts"][0];
            golden::compare(&p.expect, &first["fact"], &first["verdict"])
        };
        report.add(p, misses);
    }
    let rendered = report.render(
        "POST /v1/explain",
        &golden::FIELDS[..golden::FIELDS.len() - 1],
    );
    println!("{rendered}");
    assert!(report.failed.is_empty(), "{rendered}");
}

/// Prose with no bounce in it is refused with the stable code and a message
/// that shows what to paste.
#[tokio::test]
async fn prose_without_a_bounce_is_refused_with_an_example() {
    let (app, _dir) = app().await;
    let (status, answer) = explain(
        &app,
        &json!({"text": "Hi, my mail to Ken didn't arrive. Can you check?"}),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("no_bounce_found")),
        "{answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.chars().any(|c| c.is_ascii_digit()),
        "no example in {message:?}"
    );
}
