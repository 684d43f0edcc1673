//! The live subscription to a peer's feed head: `GET /v1/feed/stream`
//! (Server-Sent Events). Each `head` event carries the peer's newest feed
//! cursor; when it is past what this node has pulled, the peer's worker is
//! woken, so a notice crosses a mesh in seconds instead of one schedule
//! interval per hop. The subscription reconnects with a capped backoff; the
//! schedule keeps pulling meanwhile.
//!
//! A connection proves little: a hostile or broken peer can answer 200 and
//! hang up at once, over and over. So a subscription that ended before it
//! had been up [`STEADY`] counts as a failure (its reconnects back off), and
//! the first valid `head` event — not the connection — is what tells the
//! worker the peer is back ([`Peer::recovered`], honoured once per run of
//! failed pulls): the pull backoff is never cut short twice in a row.
//!
//! The event framing read here is the subset of the SSE format a dix node
//! sends (`event:` and `data:` lines, blank line between events, `:`
//! comments as keep-alives); an event-source crate would add a dependency
//! for twenty lines.

use std::sync::Arc;
use std::time::Duration;

use super::Peer;
use super::backoff;
use super::client::{PeerClient, PeerError, error_chain};
use crate::node::Node;

/// A peer that sends nothing (not even a keep-alive) for this long is
/// taken as gone, and the subscription is made again.
const SILENCE: Duration = Duration::from_secs(60);
/// Largest event this node reads.
const MAX_EVENT: usize = 4096;
/// A subscription that lasted at least this long ended normally (the peer
/// restarted, say): the reconnect backoff starts over. One that ended
/// sooner is a failure, however it ended.
pub const STEADY: Duration = Duration::from_secs(30);

/// Follows the peer's stream for as long as the node runs.
pub async fn follow(node: Arc<Node>, peer: Arc<Peer>, client: PeerClient) {
    let cap = Duration::from_secs(node.config.peer_backoff_cap_secs.clamp(1, 300));
    let mut failures = 0u32;
    loop {
        if peer.status().halted.is_some() {
            tokio::time::sleep(Duration::from_secs(60)).await;
            continue;
        }
        let started = std::time::Instant::now();
        let result = subscribe(&client, &peer).await;
        peer.update(|s| s.stream_connected = false);
        let lasted = started.elapsed();
        failures = failures_after(failures, result.is_ok(), lasted);
        match result {
            Ok(()) => {
                tracing::debug!(peer = %peer.url, lasted_ms = lasted.as_millis() as u64, failures, "feed stream ended")
            }
            Err(e) => {
                tracing::debug!(peer = %peer.url, code = e.code, error = %e.message, failures, "feed stream failed")
            }
        }
        let wait = backoff::delay(
            Duration::from_secs(1),
            cap,
            failures,
            backoff::random_unit(),
        );
        tokio::time::sleep(wait).await;
    }
}

/// The reconnect backoff's failure count after a subscription that ended
/// (`clean`: the peer closed it; else an error) after `lasted`. A steady
/// one starts the count over (an error then counts once); one that ended
/// sooner adds to it, however it ended.
fn failures_after(failures: u32, clean: bool, lasted: Duration) -> u32 {
    if lasted >= STEADY {
        u32::from(!clean)
    } else {
        failures.saturating_add(1)
    }
}

async fn subscribe(client: &PeerClient, peer: &Peer) -> Result<(), PeerError> {
    let url = format!("{}/v1/feed/stream", peer.url);
    let mut response = tokio::time::timeout(
        SILENCE,
        client
            .http()
            .get(&url)
            .header("accept", "text/event-stream")
            .send(),
    )
    .await
    .map_err(|_| PeerError::new("peer_timeout", format!("{url}: no answer")))?
    .map_err(|e| PeerError::new("peer_unreachable", format!("{url}: {}", error_chain(&e))))?;
    if !response.status().is_success() {
        // A peer without a stream is pulled on the schedule only; asking
        // again at the backoff's cap costs it little.
        return Err(PeerError::new(
            "peer_http_status",
            format!("{url} answered {}", response.status()),
        ));
    }
    peer.update(|s| s.stream_connected = true);
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let chunk = tokio::time::timeout(SILENCE, response.chunk())
            .await
            .map_err(|_| {
                PeerError::new(
                    "peer_timeout",
                    format!("{url}: silent for {} s", SILENCE.as_secs()),
                )
            })?
            .map_err(|e| PeerError::new("peer_truncated", format!("{url}: {}", error_chain(&e))))?;
        let Some(chunk) = chunk else { return Ok(()) };
        buffer.extend_from_slice(&chunk);
        client.count(chunk.len());
        while let Some(end) = find_event_end(&buffer) {
            let event: Vec<u8> = buffer.drain(..end).collect();
            let Some(head) = head_cursor(&event) else {
                continue;
            };
            // A peer that speaks the protocol is back: a backed-off worker
            // may pull now (once per run of failures; see `Peer::recovered`).
            peer.recovered();
            if head > peer.cursor() {
                peer.wake();
            }
        }
        if buffer.len() > MAX_EVENT {
            return Err(PeerError::new(
                "peer_malformed",
                format!("{url}: an event longer than {MAX_EVENT} bytes"),
            ));
        }
    }
}

/// The end (exclusive, including the blank line) of the first complete
/// event in `buf`.
fn find_event_end(buf: &[u8]) -> Option<usize> {
    let text = buf;
    (0..text.len().saturating_sub(1)).find_map(|i| {
        if text[i] == b'\n' && text[i + 1] == b'\n' {
            Some(i + 2)
        } else if text[i..].starts_with(b"\r\n\r\n") {
            Some(i + 4)
        } else {
            None
        }
    })
}

/// The cursor of a `head` event.
fn head_cursor(event: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(event).ok()?;
    let mut name = "message";
    let mut data = String::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            name = v.trim();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.trim());
        }
    }
    (name == "head").then(|| data.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_steady_stream_resets_the_reconnect_backoff() {
        // Connect-and-hang-up, however politely, backs off.
        assert_eq!(failures_after(0, true, Duration::ZERO), 1);
        assert_eq!(failures_after(3, true, STEADY / 2), 4);
        assert_eq!(failures_after(3, false, STEADY / 2), 4);
        // A steady stream that then failed starts over from one failure.
        assert_eq!(failures_after(7, false, STEADY * 10), 1);
        assert_eq!(failures_after(u32::MAX, false, Duration::ZERO), u32::MAX);
        // A stream that stayed up ended normally.
        assert_eq!(failures_after(5, true, STEADY), 0);
        let cap = Duration::from_secs(300);
        let waits: Vec<Duration> = (1..=4)
            .map(|n| backoff::delay(Duration::from_secs(1), cap, n, 0.5))
            .collect();
        assert_eq!(waits, [2, 4, 8, 16].map(Duration::from_secs));
    }

    #[test]
    fn reads_head_events_and_ignores_the_rest() {
        assert_eq!(head_cursor(b"event: head\ndata: 42\n\n"), Some(42));
        assert_eq!(head_cursor(b"event:head\r\ndata:7\r\n\r\n"), Some(7));
        assert_eq!(head_cursor(b": keep-alive\n\n"), None);
        assert_eq!(head_cursor(b"event: other\ndata: 42\n\n"), None);
        assert_eq!(head_cursor(b"event: head\ndata: x\n\n"), None);
        let buf = b"event: head\ndata: 1\n\nevent: head\ndata: 2\n\npartial";
        let first = find_event_end(buf).unwrap();
        assert_eq!(head_cursor(&buf[..first]), Some(1));
        let second = first + find_event_end(&buf[first..]).unwrap();
        assert_eq!(head_cursor(&buf[first..second]), Some(2));
        assert_eq!(find_event_end(&buf[second..]), None);
    }
}
