//! The baseline for the `/v1/match` benchmark: axum answering `POST
//! /v1/match` with a constant, no work at all. Prints its address like dixd.

use axum::Router;
use axum::routing::post;

#[tokio::main]
async fn main() {
    let app = Router::new().route(
        "/v1/match",
        post(|body: axum::body::Bytes| async move {
            std::hint::black_box(body);
            (
                [("content-type", "application/json")],
                "{\"results\":[{\"matches\":[]}]}",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    println!(
        "dixd listening on http://{}",
        listener.local_addr().expect("addr")
    );
    axum::serve(listener, app).await.expect("serve");
}
