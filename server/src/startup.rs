//! Building and running a node. The caller gets the bound address before the
//! node serves (so tests can bind port 0) and passes in the shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::dns::Dns;
use crate::node::Node;
use crate::store::Store;

/// A node, bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    node: Arc<Node>,
}

impl Application {
    /// Connects the database (migrating it), binds the listener, loads demo
    /// data if asked.
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        if config.demo {
            config.pins.extend(crate::demo::pins());
        }
        let store = Store::connect(&config.db, config.db_max_connections).await?;
        let dns = Dns::new(&config.dns, config.dns_timeout())?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("binding {}: {e}", config.listen))?;
        let key = crate::tlog::checkpoint::load_or_create(&config.node_key_path())?;
        let log = crate::tlog::Log::new(key, &config.node_origin);
        let node = Node::new(config, store, dns, log)?;
        let indexed = if node.config.match_index {
            let loaded =
                node.index.load(&node.store).await.map_err(|e| {
                    anyhow::anyhow!("loading incidents into the matching index: {e}")
                })?;
            node.metrics.index_rows_skipped(loaded.skipped);
            loaded.rows
        } else {
            0
        };
        node.index
            .reload_flagged(&node.store)
            .await
            .map_err(|e| anyhow::anyhow!("loading flagged issuers: {e}"))?;
        let leaves = node
            .log
            .catch_up(&node.store)
            .await
            .map_err(|e| anyhow::anyhow!("loading the feed's Merkle log: {e}"))?;
        node.catch_up().await;
        tracing::info!(
            incidents = indexed,
            log_size = leaves,
            origin = node.log.origin(),
            "matching index and log loaded"
        );
        if node.config.demo {
            crate::demo::load(&node).await?;
        }
        for peer in node.peers.iter() {
            node.exempt_peer_host(&peer.url).await;
        }
        Ok(Self { listener, node })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared node (for in-process tests and tools).
    pub fn node(&self) -> Arc<Node> {
        self.node.clone()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let node = self.node.clone();
        // Keyed rate limiters keep one entry per key; drop idle ones.
        let janitor = tokio::spawn({
            let node = node.clone();
            async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    node.ip_limiter.retain_recent();
                    node.issuer_limiter.retain_recent();
                    node.dns_limits.retain_recent();
                }
            }
        });
        // Notices this process stores are indexed before they are answered;
        // this catches what other replicas sharing the database wrote.
        let replicas = tokio::spawn({
            let node = node.clone();
            async move {
                let mut tick = every(node.config.store_poll_ms);
                loop {
                    tick.tick().await;
                    node.catch_up().await;
                }
            }
        });
        // Incidents leave memory a while after they end.
        let eviction = tokio::spawn({
            let node = node.clone();
            async move {
                let mut tick = every(node.config.index_evict_ms);
                loop {
                    tick.tick().await;
                    if !node.config.match_index {
                        continue;
                    }
                    let evicted = node.index.evict_history();
                    if evicted > 0 {
                        tracing::info!(
                            evicted,
                            "incidents ended over 30 days ago now matched from the store"
                        );
                    }
                }
            }
        });
        // Equivocation found by another replica.
        let flagged = tokio::spawn({
            let node = node.clone();
            async move {
                let mut tick = every(node.config.flagged_reload_ms);
                loop {
                    tick.tick().await;
                    if let Err(e) = node.index.reload_flagged(&node.store).await {
                        tracing::warn!(error = %e, "reloading flagged issuers failed");
                    }
                }
            }
        });
        let federation = crate::federation::start(&node).await?;
        let webhooks = crate::webhooks::start(&node);
        // Claims DNS failed on are checked again, for a day.
        let rechecks = tokio::spawn(crate::scope::recheck::run(node.clone()));
        let limits = crate::serve::ConnectionLimits {
            header_timeout: Duration::from_secs(node.config.header_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(node.config.idle_timeout_secs.max(1)),
            max_connections: node.config.max_connections,
            max_connections_per_client: node.config.max_connections_per_client,
        };
        let served = crate::serve::serve(
            self.listener,
            crate::http::router(node.clone()),
            limits,
            shutdown,
        )
        .await;
        janitor.abort();
        replicas.abort();
        eviction.abort();
        flagged.abort();
        rechecks.abort();
        federation.stop().await;
        for hook in webhooks {
            hook.abort();
        }
        node.store.close().await;
        served.map_err(Into::into)
    }
}

/// A timer every `ms` milliseconds (10 at least) whose missed ticks wait
/// rather than burst.
fn every(ms: u64) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(Duration::from_millis(ms.max(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
