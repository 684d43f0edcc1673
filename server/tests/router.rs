//! The router in process (`oneshot`, no socket): every operation in the
//! OpenAPI document is routed, and errors keep the API's JSON shape.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dix_server::config::Config;
use dix_server::dns::Dns;
use dix_server::http::{openapi, router};
use dix_server::node::Node;
use dix_server::store::Store;
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

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    // A stream never ends: its status and type are the answer.
    if response
        .headers()
        .get("content-type")
        .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"))
    {
        return (status, serde_json::Value::Null);
    }
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let (app, _dir) = app().await;
    for (method, path) in openapi::OPERATIONS {
        let concrete = path
            .replace("{id}", "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10")
            .replace("{domain}", "example.jp");
        let (status, body) = call(&app, &method.to_uppercase(), &concrete, "").await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let unrouted = status == StatusCode::NOT_FOUND
            && body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no such endpoint"));
        assert!(!unrouted, "{method} {path} is documented but not routed");
    }
}

#[tokio::test]
async fn errors_are_json_with_codes() {
    let (app, _dir) = app().await;
    let (status, body) = call(&app, "POST", "/v1/notices", "not json").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    let (status, body) = call(&app, "GET", "/v1/incidents/not-a-uuid", "").await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_str(),
            body["error"]["field"].as_str()
        ),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_parameter"),
            Some("id")
        )
    );
    let (status, body) = call(&app, "GET", "/v1/feed?after=-1", "").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("after"))
    );
    let (status, body) = call(&app, "PUT", "/v1/incidents", "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    let (status, body) = call(&app, "GET", "/v1/issuers/nobody.example", "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}
