//! Federation: this node pulls every configured peer's feed, verifies each
//! notice as if it were published here, and relays it verbatim in its own
//! feed (see DESIGN.md, "Federation").
//!
//! | module | holds |
//! |---|---|
//! | [`pull`] | one pull from one peer: feed pages, verification, cursor in the same commit, checkpoint checks |
//! | [`stream`] | the live subscription to a peer's `/v1/feed/stream`, which starts a pull as its feed grows |
//! | [`client`] | bounded HTTP requests to peers (deadline, size cap), failures with codes |
//! | [`backoff`] | the capped, jittered wait before retrying a failing peer |
//!
//! Each peer has one worker task, so pulls from one peer never overlap. The
//! worker wakes on the schedule (a tokio-cron-scheduler job every
//! `sync_every_secs`), when the peer's stream says its feed grew, and once
//! at start; a failing peer's next attempt waits for its backoff.

pub mod backoff;
pub mod client;
pub mod pull;
pub mod stream;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dix_schema::PublicKey;
use dix_schema::types::Timestamp;
use serde::Serialize;
use tokio::sync::Notify;

use crate::config::PeerConfig;
use crate::node::Node;
use client::PeerClient;
use pull::{CheckpointState, PullError};

/// One configured peer and how it is doing.
pub struct Peer {
    /// Its base URL, as configured.
    pub url: String,
    /// Its node key, when configured.
    pub configured_key: Option<PublicKey>,
    status: Mutex<PeerStatus>,
    wake: Notify,
    /// The peer answered again (its stream sent a `head` event): the backoff
    /// ends.
    recovered: Notify,
}

/// What `/v1/peers` shows of a peer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerStatus {
    /// The peer's URL.
    pub url: String,
    /// The peer's feed cursor this node asks after next.
    pub cursor: String,
    /// Last complete pull (RFC 3339).
    pub last_success: Option<String>,
    /// The last failure.
    pub last_error: Option<PeerFailure>,
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// When the next pull may start (RFC 3339).
    pub next_attempt: Option<String>,
    /// New notices it brought.
    pub received: i64,
    /// Notices it served that were refused, by code.
    pub rejected: BTreeMap<String, i64>,
    /// The peer's checkpoints.
    pub checkpoint: CheckpointState,
    /// When its log was found inconsistent: the evidence. No entries are
    /// taken from it until an operator runs `dixd --forget-peer URL`.
    pub halted: Option<serde_json::Value>,
    /// Whether the live feed subscription is up.
    pub stream_connected: bool,
    /// Response bytes read from the peer since this node started (feed
    /// pages, checkpoints, proofs, stream events).
    pub bytes_fetched: u64,
    #[serde(skip)]
    next_attempt_unix: f64,
    /// The stream already cut this run of failures' backoff short once.
    #[serde(skip)]
    recovery_spent: bool,
}

/// A failure as shown.
#[derive(Debug, Clone, Serialize)]
pub struct PeerFailure {
    /// Stable code.
    pub code: String,
    /// What happened.
    pub message: String,
    /// When (RFC 3339).
    pub at: String,
}

/// The node's peers.
pub struct Peers {
    list: Vec<Arc<Peer>>,
}

impl Peers {
    /// From the configuration (already validated).
    pub fn new(config: &[PeerConfig]) -> Self {
        let list = config
            .iter()
            .map(|p| {
                Arc::new(Peer {
                    url: p.url.trim_end_matches('/').to_owned(),
                    configured_key: p
                        .node_key
                        .as_deref()
                        .and_then(|k| PublicKey::from_base64(k).ok()),
                    status: Mutex::new(PeerStatus {
                        url: p.url.trim_end_matches('/').to_owned(),
                        cursor: "0".into(),
                        ..PeerStatus::default()
                    }),
                    wake: Notify::new(),
                    recovered: Notify::new(),
                })
            })
            .collect();
        Self { list }
    }

    /// Every peer's status.
    pub fn statuses(&self) -> Vec<PeerStatus> {
        self.list.iter().map(|p| p.status()).collect()
    }

    /// The peers.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Peer>> {
        self.list.iter()
    }
}

impl Peer {
    /// A copy of the status.
    pub fn status(&self) -> PeerStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut PeerStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Asks the worker to pull (as soon as its backoff allows).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The peer is reachable again: a backed-off worker pulls now rather
    /// than at its next attempt (a peer that was down when this node
    /// started must not cost a notice minutes). Honoured once per run of
    /// failed pulls: a peer whose stream answers while its feed keeps
    /// failing waits out its backoff like any other failing peer.
    /// Returns whether the backoff was cut short.
    pub fn recovered(&self) -> bool {
        let mut cut = false;
        self.update(|s| {
            if s.consecutive_failures > 0 && !s.recovery_spent {
                s.recovery_spent = true;
                s.next_attempt_unix = 0.0;
                s.next_attempt = None;
                cut = true;
            }
        });
        if cut {
            self.recovered.notify_one();
            self.wake();
        }
        cut
    }

    /// The cursor this node asks after next.
    pub fn cursor(&self) -> i64 {
        self.status().cursor.parse().unwrap_or(0)
    }
}

/// The running federation tasks; dropping it stops them.
pub struct Federation {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    scheduler: Option<tokio_cron_scheduler::JobScheduler>,
}

impl Federation {
    /// Stops every task.
    pub async fn stop(mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Some(mut s) = self.scheduler.take() {
            let _ = s.shutdown().await;
        }
    }
}

/// Starts a worker and a stream follower per peer, and the schedule.
pub async fn start(node: &Arc<Node>) -> anyhow::Result<Federation> {
    let client = PeerClient::new(
        Duration::from_secs(node.config.peer_timeout_secs.max(1)),
        node.config.peer_max_response_bytes,
    );
    let mut tasks = Vec::new();
    for peer in node.peers.iter() {
        load_saved(node, peer).await;
        let client = client.counting(Arc::new(std::sync::atomic::AtomicU64::new(0)));
        tasks.push(tokio::spawn(work(
            node.clone(),
            peer.clone(),
            client.clone(),
        )));
        tasks.push(tokio::spawn(stream::follow(
            node.clone(),
            peer.clone(),
            client.clone(),
        )));
        peer.wake();
    }
    if tasks.is_empty() {
        return Ok(Federation {
            tasks,
            scheduler: None,
        });
    }
    let scheduler = tokio_cron_scheduler::JobScheduler::new().await?;
    let every = Duration::from_secs(node.config.sync_every_secs.max(1));
    let peers: Vec<Arc<Peer>> = node.peers.iter().cloned().collect();
    scheduler
        .add(tokio_cron_scheduler::Job::new_repeated_async(
            every,
            move |_id, _scheduler| {
                let peers = peers.clone();
                Box::pin(async move {
                    for p in &peers {
                        p.wake();
                    }
                })
            },
        )?)
        .await?;
    scheduler.start().await?;
    Ok(Federation {
        tasks,
        scheduler: Some(scheduler),
    })
}

/// The status a restart starts from: what the store holds of the peer.
async fn load_saved(node: &Node, peer: &Peer) {
    match node.store.peer(&peer.url).await {
        Ok(Some(row)) => peer.update(|s| {
            s.cursor = row.cursor.to_string();
            s.received = row.received;
            s.rejected = row.rejected.clone();
            s.last_success = row.last_success.and_then(rfc3339);
            s.halted = row
                .halted
                .as_deref()
                .and_then(|e| serde_json::from_str(e).ok());
        }),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(peer = %peer.url, error = %e, "reading the saved peer state failed")
        }
    }
    update_metrics(node, peer);
}

/// One peer's worker: pull when woken, no earlier than the backoff allows.
async fn work(node: Arc<Node>, peer: Arc<Peer>, client: PeerClient) {
    let interval = Duration::from_secs(node.config.sync_every_secs.max(1));
    let cap = Duration::from_secs(node.config.peer_backoff_cap_secs.max(1));
    loop {
        peer.wake.notified().await;
        let wait = peer.status().next_attempt_unix - now_f64();
        if wait > 0.0 {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs_f64(wait)) => {}
                () = peer.recovered.notified() => {}
            }
        }
        let result = pull::pull(&node, &client, &peer).await;
        let now = now_f64();
        match result {
            Ok(report) => {
                if report.stored > 0 || !report.rejected.is_empty() {
                    tracing::info!(peer = %peer.url, stored = report.stored, replays = report.replays, rejected = ?report.rejected, cursor = report.cursor, "pulled");
                }
                peer.update(|s| {
                    s.bytes_fetched = client.fetched();
                    s.checkpoint = report.checkpoint.clone();
                    s.consecutive_failures = 0;
                    s.recovery_spent = false;
                    s.last_success = rfc3339(now as i64);
                    s.next_attempt_unix = 0.0;
                    s.next_attempt = None;
                });
            }
            Err(PullError::Peer(e)) => {
                let saved = node.store.peer(&peer.url).await.ok().flatten();
                peer.update(|s| {
                    s.bytes_fetched = client.fetched();
                    if let Some(row) = &saved {
                        s.cursor = row.cursor.to_string();
                        s.received = row.received;
                        s.rejected = row.rejected.clone();
                    }
                    s.consecutive_failures += 1;
                    let delay = backoff::delay(interval, cap, s.consecutive_failures, backoff::random_unit());
                    s.next_attempt_unix = now + delay.as_secs_f64();
                    s.next_attempt = rfc3339(s.next_attempt_unix as i64);
                    tracing::warn!(peer = %peer.url, code = e.code, error = %e.message, failures = s.consecutive_failures, retry_in_secs = delay.as_secs(), "pull failed");
                    s.last_error = Some(PeerFailure {
                        code: e.code.into(),
                        message: e.message.clone(),
                        at: rfc3339(now as i64).unwrap_or_default(),
                    });
                });
            }
            Err(PullError::Halted(h)) => {
                peer.update(|s| {
                    s.halted = Some(h.evidence.clone());
                    s.last_error = Some(PeerFailure {
                        code: h.code.into(),
                        message: h.message.clone(),
                        at: rfc3339(now as i64).unwrap_or_default(),
                    });
                });
            }
        }
        update_metrics(&node, &peer);
    }
}

fn update_metrics(node: &Node, peer: &Peer) {
    let s = peer.status();
    node.metrics.peer(
        &peer.url,
        s.cursor.parse().unwrap_or(0),
        s.consecutive_failures,
        s.halted.is_some(),
        s.received,
        &s.rejected,
    );
}

fn now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn rfc3339(unix: i64) -> Option<String> {
    Timestamp::from_unix(unix).map(|t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Arc<Peer> {
        Peers::new(&[PeerConfig {
            url: "http://127.0.0.1:9/".into(),
            node_key: None,
        }])
        .iter()
        .next()
        .unwrap()
        .clone()
    }

    #[test]
    fn a_stream_cuts_the_pull_backoff_short_once_per_run_of_failures() {
        let p = peer();
        assert!(!p.recovered(), "nothing to cut short while pulls succeed");
        p.update(|s| {
            s.consecutive_failures = 3;
            s.next_attempt_unix = 1e12;
        });
        assert!(p.recovered());
        assert_eq!(p.status().next_attempt_unix, 0.0);
        // The pull failed again: its new backoff stands, however often the
        // stream reconnects.
        p.update(|s| {
            s.consecutive_failures = 4;
            s.next_attempt_unix = 1e12;
        });
        assert!(!p.recovered());
        assert!(!p.recovered());
        assert_eq!(p.status().next_attempt_unix, 1e12);
    }
}
