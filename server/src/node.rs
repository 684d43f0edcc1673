//! The state every request handler shares.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;

use crate::config::Config;
use crate::dns::Dns;
use crate::federation::Peers;
use crate::keys::KeyDirectory;
use crate::metrics::Metrics;
use crate::store::{PublishOutcome, Store};
use crate::tlog::Log;

/// One dix node.
pub struct Node {
    /// Settings.
    pub config: Config,
    /// Database.
    pub store: Store,
    /// DNS, for scope checks.
    pub dns: Dns,
    /// Keys (pins, DNS, cache).
    pub keys: KeyDirectory,
    /// Metrics.
    pub metrics: Metrics,
    /// Requests per client (`limits::client_key`: an address, an IPv6 /64).
    pub ip_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Accepted notices per issuer's registrable domain (`limits::registrable`).
    pub issuer_limiter: DefaultKeyedRateLimiter<String>,
    /// DNS queries notices may cost, per issuer, client and peer.
    pub dns_limits: crate::limits::DnsLimits,
    /// Current incidents in memory, for matching bounces.
    pub index: crate::index::MatchIndex,
    /// The feed as a Merkle log, and the node key that signs its checkpoints.
    pub log: Log,
    /// The peers this node pulls from, and how each is doing.
    pub peers: Peers,
    /// One permit per core for CPU-heavy request work (explaining bounces).
    pub cpu_work: Arc<tokio::sync::Semaphore>,
    /// One permit per open `/v1/feed/stream` (peers following the feed).
    pub streams: Arc<tokio::sync::Semaphore>,
    /// One permit per open `/v1/stream` (anyone following incidents): a
    /// separate cap, so public subscribers never crowd out peers.
    pub public_streams: Arc<tokio::sync::Semaphore>,
    /// The feed's newest cursor, for watchers (the feed stream).
    head: watch::Sender<i64>,
    /// Addresses of configured peers: not held to the per-client limit
    /// (a peer catching up is bounded by its own limits instead).
    exempt_ips: std::sync::RwLock<std::collections::HashSet<IpAddr>>,
}

impl Node {
    /// Assembles a node from its parts.
    pub fn new(config: Config, store: Store, dns: Dns, log: Log) -> anyhow::Result<Arc<Self>> {
        let keys = KeyDirectory::new(
            dns.clone(),
            config.parsed_pins()?,
            std::time::Duration::from_secs(config.key_cache_secs),
            std::time::Duration::from_secs(config.key_negative_cache_secs),
        );
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1)"));
        let streams = Arc::new(tokio::sync::Semaphore::new(config.max_streams));
        let public_streams = Arc::new(tokio::sync::Semaphore::new(config.max_public_streams));
        Ok(Arc::new(Self {
            ip_limiter: RateLimiter::keyed(per_minute(config.rate_per_ip_per_minute)),
            issuer_limiter: RateLimiter::keyed(per_minute(config.rate_per_issuer_per_minute)),
            dns_limits: crate::limits::DnsLimits::new(
                config.dns_queries_per_issuer_per_minute,
                config.dns_queries_per_client_per_minute,
                config.dns_queries_per_peer_per_minute,
            ),
            peers: Peers::new(&config.peers),
            config,
            store,
            dns,
            keys,
            metrics: Metrics::default(),
            index: crate::index::MatchIndex::default(),
            log,
            cpu_work: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            streams,
            public_streams,
            head: watch::channel(0).0,
            exempt_ips: Default::default(),
        }))
    }

    /// After notices were stored: makes them matchable and part of the log,
    /// and tells the feed's watchers. Called before a publish is answered.
    pub async fn stored(&self, outcomes: &[PublishOutcome]) {
        if outcomes
            .iter()
            .all(|o| matches!(o, PublishOutcome::Replay { .. }))
        {
            return;
        }
        if outcomes
            .iter()
            .any(|o| matches!(o, PublishOutcome::Equivocation { .. }))
            && let Err(e) = self.index.reload_flagged(&self.store).await
        {
            tracing::warn!(error = %e, "reloading flagged issuers failed; the next catch-up retries");
        }
        self.catch_up().await;
    }

    /// Brings the index and the log up to the store (also what a replica
    /// sharing the database runs on a timer).
    pub async fn catch_up(&self) {
        if self.config.match_index {
            match self.index.catch_up(&self.store).await {
                Ok(applied) => self.metrics.index_rows_skipped(applied.skipped),
                Err(e) => {
                    tracing::warn!(error = %e, "matching index catch-up failed; it keeps its last good state and retries")
                }
            }
        }
        match self.log.catch_up(&self.store).await {
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "log catch-up failed; retrying on the next change")
            }
        }
        let last = self.log.last_cursor();
        self.head.send_if_modified(|h| {
            let moved = last > *h;
            *h = (*h).max(last);
            moved
        });
    }

    /// Resolves a peer URL's host and exempts its addresses from the
    /// per-client limit.
    pub async fn exempt_peer_host(&self, url: &str) {
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return;
        };
        let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
            return;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(addrs) => {
                let mut set = self.exempt_ips.write().unwrap_or_else(|e| e.into_inner());
                set.extend(addrs.map(|a| a.ip()));
            }
            Err(e) => {
                tracing::warn!(peer = url, error = %e, "resolving a peer's address failed; it is held to the client limit")
            }
        }
    }

    /// Whether `ip` is a configured peer's.
    pub fn is_peer_ip(&self, ip: &IpAddr) -> bool {
        self.exempt_ips
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(ip)
    }

    /// The matching index, unless the node runs without one.
    pub fn matcher(&self) -> Result<crate::index::SnapshotRef, crate::error::ApiError> {
        if self.config.match_index {
            return Ok(self.index.snapshot());
        }
        Err(crate::error::ApiError::unavailable(
            "matching_disabled",
            "this node only stores and relays notices (match_index = false); ask a node that matches",
        ))
    }

    /// The feed's newest cursor, and its changes.
    pub fn watch_head(&self) -> watch::Receiver<i64> {
        self.head.subscribe()
    }
}
