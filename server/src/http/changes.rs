//! `GET /v1/stream?domain=…`: Server-Sent Events of new and changed
//! incidents (one `incident` event per revision this node stores), for the
//! destination domain given (where a verified claim covers it), or all. Each event's id is the revision's feed
//! cursor, so a client that reconnects with `Last-Event-ID` (browsers do it
//! themselves) misses nothing and sees nothing twice; a new subscription
//! starts at the present. Capped on its own (`max_public_streams`), apart
//! from the peers' feed streams.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use dix_schema::types::Domain;

use crate::changes::Change;
use crate::error::ApiError;
use crate::node::Node;

/// Revisions read from the store per round.
const PAGE: u32 = 200;

fn event(change: &Change) -> Event {
    Event::default()
        .id(change.cursor.to_string())
        .event("incident")
        .data(change.json().to_string())
}

pub async fn stream(
    State(node): State<Arc<Node>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if let Some(unknown) = params.keys().find(|k| *k != "domain") {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("unknown parameter `{unknown}`; known: domain"),
        )
        .with_field(unknown.as_str()));
    }
    let domain = params
        .get("domain")
        .map(|d| Domain::parse_lenient(d))
        .transpose()
        .map_err(|e| {
            ApiError::bad_request("invalid_parameter", format!("domain: {e}")).with_field("domain")
        })?;
    let resume = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .filter(|c| *c >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_parameter",
                        "Last-Event-ID is not an event id this node sent (a feed cursor)",
                    )
                    .with_field("Last-Event-ID")
                })
        })
        .transpose()?;
    let start = match resume {
        Some(c) => c,
        None => node.store.last_cursor().await.map_err(ApiError::internal)?,
    };
    let permit = node.public_streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::unavailable(
            "too_many_streams",
            format!(
                "this node serves at most {} incident streams at once; poll /v1/incidents instead, or try again later",
                node.config.max_public_streams
            ),
        )
    })?;
    let head = node.watch_head();
    let state = (node, head, permit, start, domain, VecDeque::<Event>::new());
    let events = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            let (node, head, _, cursor, domain, pending) = &mut s;
            if let Some(e) = pending.pop_front() {
                return Some((Ok::<_, Infallible>(e), s));
            }
            let page = node.store.feed(*cursor, PAGE).await.ok()?;
            if page.notices.is_empty() {
                // Nothing past the cursor: wait for the next append.
                head.changed().await.ok()?;
                continue;
            }
            for row in &page.notices {
                *cursor = row.cursor;
                if let Some(change) = Change::read(row)
                    && change.concerns(domain.as_slice())
                {
                    pending.push_back(event(&change));
                }
            }
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
