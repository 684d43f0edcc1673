//! `GET /v1/feed?after=CURSOR&limit=N`: every stored notice, verbatim, in
//! the order this node stored them. The cursor is this node's own; `next` is
//! the cursor to ask after next time, `cursors` each notice's own. An `ETag`
//! lets an idle poll cost a 304. Cursors are gap-safe: once one has been
//! served, no notice with a lower one can appear (store::notices).
//!
//! `GET /v1/feed/stream`: Server-Sent Events, one `head` event with the
//! feed's newest cursor on connect and whenever any entry is appended, and
//! a keep-alive comment every 15 seconds. Peers pull as soon as it moves.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::http::incidents::raw;
use crate::node::Node;

pub async fn feed(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if let Some(unknown) = params.keys().find(|k| *k != "after" && *k != "limit") {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("unknown parameter `{unknown}`; known: after, limit"),
        )
        .with_field(unknown.as_str()));
    }
    let after: i64 = match params.get("after") {
        None => 0,
        Some(v) => v.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_parameter",
                format!("after `{v}` is not a cursor from this node's feed"),
            )
            .with_field("after")
        })?,
    };
    let max = node.config.max_page;
    let limit: u32 = match params.get("limit") {
        None => 100.min(max),
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_parameter",
                    format!("limit must be a number from 1 to {max}"),
                )
                .with_field("limit")
            })?,
    };

    // The page for (after, limit) can only change when a notice is added, so
    // the newest cursor identifies its content.
    let last = node.store.last_cursor().await.map_err(ApiError::internal)?;
    let etag = format!("\"feed-{after}-{limit}-{last}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"))],
        )
            .into_response());
    }

    let page = node
        .store
        .feed(after, limit)
        .await
        .map_err(ApiError::internal)?;
    let next = page.notices.last().map_or(after, |n| n.cursor);
    let body = json!({
        "notices": page.notices.iter().map(|n| raw(&n.bytes)).collect::<Result<Vec<_>, _>>()?,
        "cursors": page.notices.iter().map(|n| n.cursor.to_string()).collect::<Vec<_>>(),
        "next": next.to_string(),
        "more": page.more,
    });
    Ok((
        [(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"))],
        axum::Json(body),
    )
        .into_response())
}

/// A stream holds its connection for as long as the client wants, so the
/// number open at once is capped (`max_streams`), well under
/// `max_connections`: a client opening streams cannot take every connection.
pub async fn stream(State(node): State<Arc<Node>>) -> Result<Response, ApiError> {
    let permit = node.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::unavailable(
            "too_many_streams",
            format!(
                "this node serves at most {} feed streams at once; poll /v1/feed instead, or try again later",
                node.config.max_streams
            ),
        )
    })?;
    let mut head = node.watch_head();
    head.mark_changed();
    // The permit lives as long as the stream.
    let events = futures_util::stream::unfold((head, permit), |(mut head, permit)| async move {
        head.changed().await.ok()?;
        let cursor = *head.borrow_and_update();
        let event = Event::default().event("head").data(cursor.to_string());
        Some((Ok::<_, Infallible>(event), (head, permit)))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
