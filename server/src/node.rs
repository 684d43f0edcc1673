//! The state every request handler shares.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use dix_schema::types::Domain;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::watch;

use crate::config::Config;
use crate::dns::Dns;
use crate::keys::KeyDirectory;
use crate::metrics::Metrics;
use crate::store::Store;

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
    /// Requests per client IP.
    pub ip_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Accepted notices per issuer.
    pub issuer_limiter: DefaultKeyedRateLimiter<Domain>,
    /// Current incidents in memory, for matching bounces.
    pub index: crate::index::MatchIndex,
    /// One permit per core for CPU-heavy request work (explaining bounces).
    pub cpu_work: Arc<tokio::sync::Semaphore>,
    /// Bumped whenever a notice is stored, for watchers (caches, streams).
    changes: watch::Sender<u64>,
}

impl Node {
    /// Assembles a node from its parts.
    pub fn new(config: Config, store: Store, dns: Dns) -> anyhow::Result<Arc<Self>> {
        let keys = KeyDirectory::new(
            dns.clone(),
            config.parsed_pins()?,
            std::time::Duration::from_secs(config.key_cache_secs),
            std::time::Duration::from_secs(config.key_negative_cache_secs),
        );
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1)"));
        Ok(Arc::new(Self {
            ip_limiter: RateLimiter::keyed(per_minute(config.rate_per_ip_per_minute)),
            issuer_limiter: RateLimiter::keyed(per_minute(config.rate_per_issuer_per_minute)),
            config,
            store,
            dns,
            keys,
            metrics: Metrics::default(),
            index: crate::index::MatchIndex::default(),
            cpu_work: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            changes: watch::channel(0).0,
        }))
    }

    /// Tells watchers something was stored.
    pub fn notify_changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// A receiver of change notifications.
    pub fn watch_changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}
