//! The HTTP API: one module per resource, each with its handlers; this module
//! assembles the router and the layers every request passes through (client
//! rate limit, timeout, a panic caught as a JSON 500, metrics, JSON errors
//! for unknown routes).

mod atom;
mod changes;
pub(crate) mod explain;
mod feed;
pub(crate) mod incidents;
mod issuers;
mod log;
mod meta;
mod notices;
pub mod openapi;
mod peers;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::node::Node;

/// The whole API. `/healthz` and `/metrics` sit outside the per-client
/// limit: a health checker sharing an address with busy clients must still
/// get its answer.
pub fn router(node: Arc<Node>) -> Router {
    let timeout = Duration::from_secs(node.config.request_timeout_secs.max(1));
    let operations = Router::new().route("/healthz", get(meta::healthz)).route(
        "/metrics",
        get(meta::metrics).layer(middleware::from_fn_with_state(
            node.clone(),
            metrics_allowed,
        )),
    );
    Router::new()
        .route("/v1/explain", post(explain::explain))
        .route("/v1/match", post(explain::match_facts))
        .route("/v1/notices", post(notices::publish))
        .route("/v1/feed", get(feed::feed))
        .route("/v1/feed/stream", get(feed::stream))
        .route("/v1/checkpoint", get(log::checkpoint))
        .route("/v1/proof/consistency", get(log::consistency))
        .route("/v1/peers", get(peers::list))
        .route("/v1/webhooks", get(webhooks::list))
        .route("/v1/incidents", get(incidents::list))
        .route("/v1/incidents.atom", get(atom::feed))
        .route("/v1/stream", get(changes::stream))
        .route("/v1/incidents/{id}", get(incidents::one))
        .route("/v1/incidents/{issuer}/{id}", get(incidents::by_issuer))
        .route("/v1/issuers/{domain}", get(issuers::one))
        .route("/v1/openapi.json", get(meta::openapi))
        .merge(crate::web::routes())
        // The API answers JSON; any other path is a page.
        .fallback(|request: Request| async move {
            if request.uri().path().starts_with("/v1/") {
                ApiError::not_found("no such endpoint; see /v1/openapi.json").into_response()
            } else {
                crate::web::not_found(request).await
            }
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not accept that method; see /v1/openapi.json",
            )
        })
        .layer(middleware::from_fn_with_state(node.clone(), client_limit))
        .merge(operations)
        .layer(DefaultBodyLimit::max(node.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(timeout, time_limit))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn_with_state(node.clone(), observe))
        .layer(middleware::from_fn(crate::web::security_headers))
        .with_state(node)
}

/// The methods counted under their own name; any other is `other`, so a
/// client inventing methods cannot grow the metrics.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// `/metrics` only for `metrics_allow` (everyone when it is empty).
async fn metrics_allowed(State(node): State<Arc<Node>>, req: Request, next: Next) -> Response {
    let allow = &node.config.metrics_allow;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if allow.is_empty() || peer.is_some_and(|ip| allow.iter().any(|net| net.contains(&ip))) {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "this address may not read /metrics (see metrics_allow in the node's configuration)",
    )
    .into_response()
}

/// Counts and times every request by its route pattern (not its raw path,
/// which would give every incident id its own series).
async fn observe(State(node): State<Arc<Node>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    // Route patterns are the router's own, a fixed set; anything else is
    // one label, whatever path was asked.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    node.metrics.request(
        method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Per-client rate limit (an IPv4 address, an IPv6 /64). Requests without a peer address (in-process
/// router tests) are not limited.
async fn client_limit(State(node): State<Arc<Node>>, req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
        && !node.is_peer_ip(&peer.ip())
        && let Err(not_until) = node
            .ip_limiter
            .check_key(&crate::limits::client_key(peer.ip()))
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        return ApiError::rate_limited(
            format!(
                "too many requests from {}; at most {} a minute",
                crate::limits::client_key(peer.ip()),
                node.config.rate_per_ip_per_minute
            ),
            wait.as_secs() + 1,
        )
        .into_response();
    }
    next.run(req).await
}

/// A handler that panicked answers a JSON 500 (the panic is logged), and
/// the connection and the node carry on.
fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    ApiError::internal(format!("handler panicked: {detail}")).into_response()
}

/// Bounds every request's time; a request that runs over gets a JSON 503.
async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(
            "timeout",
            format!("the request took longer than {} seconds", limit.as_secs()),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    /// A handler that panics answers a JSON 500 with the stable code, and
    /// the service keeps answering.
    #[tokio::test]
    async fn a_panicking_handler_answers_a_json_500() {
        async fn boom() -> &'static str {
            panic!("a handler bug")
        }
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
        let call = |path: &'static str| {
            let app = app.clone();
            async move {
                let r = app
                    .oneshot(Request::builder().uri(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let status = r.status();
                let body = axum::body::to_bytes(r.into_body(), 4096).await.unwrap();
                (status, body)
            }
        };
        let (status, body) = call("/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "internal", "{json}");
        assert!(
            !body.windows(3).any(|w| w == b"bug"),
            "the panic stays in the log"
        );
        assert_eq!(call("/fine").await.0, StatusCode::OK);
    }
}
