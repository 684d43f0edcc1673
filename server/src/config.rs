//! One typed configuration: a TOML file (`--config`), overridden by
//! environment variables (`DIXD_*`), overridden by flags. Every key, its
//! default and its variable are listed in `deploy/dixd.toml.example`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use dix_schema::PublicKey;
use dix_schema::types::{Domain, Selector};
use serde::Deserialize;

/// Command-line flags of `dixd`. Each has an environment variable too.
#[derive(Debug, Parser, Default)]
#[command(
    name = "dixd",
    version,
    about = "dixd — a dix node: publish, verify, store and serve delivery-incident notices",
    args_override_self = true
)]
pub struct Flags {
    /// TOML configuration file.
    #[arg(long, env = "DIXD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port (the bound address is logged).
    #[arg(long, env = "DIXD_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://PATH (created if missing) or postgres://...
    #[arg(long, env = "DIXD_DB")]
    pub db: Option<String>,
    /// DNS server for key and scope lookups, IP:PORT; `system` uses /etc/resolv.conf.
    #[arg(long, env = "DIXD_DNS")]
    pub dns: Option<String>,
    /// Pin a key: ISSUER:SELECTOR:BASE64PUBKEY (repeatable). Pinned keys are used instead of DNS.
    #[arg(long = "pin", value_name = "ISSUER:SELECTOR:PUBKEY")]
    pub pins: Vec<String>,
    /// Load demonstration incidents signed by a built-in demo key (never for production).
    #[arg(long, env = "DIXD_DEMO")]
    pub demo: bool,
    /// Pull notices from this peer node, http(s)://HOST:PORT (repeatable; adds to [[peers]]).
    #[arg(long = "peer", value_name = "URL")]
    pub peers: Vec<String>,
    /// Seconds between scheduled pulls from each peer (pulls also start as soon as a peer's feed grows).
    #[arg(long, value_name = "SECS", env = "DIXD_SYNC_EVERY")]
    pub sync_every: Option<u64>,
    /// The node key file (created, mode 0600, if missing).
    #[arg(long, value_name = "PATH", env = "DIXD_NODE_KEY")]
    pub node_key: Option<PathBuf>,
    /// Print the node's public key (base64) for its peers' configuration, and exit.
    #[arg(long)]
    pub print_node_key: bool,
    /// Forget what this node holds of a peer (after its log was found
    /// rewritten and you decided to trust it again), and exit. The next pull
    /// starts from the peer's first entry.
    #[arg(long, value_name = "URL")]
    pub forget_peer: Option<String>,
}

/// A peer node to pull notices from.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Its base URL, `http(s)://host:port`.
    pub url: String,
    /// Its node key (base64), from its operator (`dixd --print-node-key`).
    /// Without it the first key seen is remembered and any later change
    /// stops the sync from that peer.
    #[serde(default)]
    pub node_key: Option<String>,
}

/// A webhook: new and changed incidents for these destinations are POSTed
/// to `url` as JSON, signed with HMAC-SHA256 of the body under `secret`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST, `http(s)://…`.
    pub url: String,
    /// Destination domains (an incident whose recipient_domains cover one is
    /// sent); empty: every incident.
    #[serde(default)]
    pub domains: Vec<String>,
    /// The HMAC key; the receiver checks `X-Dix-Signature` with it.
    pub secret: String,
}

impl std::fmt::Debug for WebhookConfig {
    // The secret stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

/// A pinned key from the config file or `--pin`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinConfig {
    /// The issuer domain.
    pub issuer: String,
    /// The selector.
    pub selector: String,
    /// Base64 public key.
    pub public_key: String,
    /// Treat this issuer's scope claims as verified without DNS checks
    /// (private federations whose members are known by contract).
    #[serde(default)]
    pub trust_scope: bool,
}

/// The whole configuration, with defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Database URL.
    pub db: String,
    /// DNS server (`system` or IP:PORT).
    pub dns: String,
    /// DNS query timeout in milliseconds.
    pub dns_timeout_ms: u64,
    /// Longest a fetched key is trusted before it is looked up again, seconds;
    /// a shorter TTL on the record wins.
    pub key_cache_secs: u64,
    /// How long "no such key" or "no such issuer" is remembered, seconds.
    pub key_negative_cache_secs: u64,
    /// How far a directly published notice's `published_at` may be from now, seconds.
    pub max_clock_skew_secs: u64,
    /// Whole-request timeout, seconds.
    pub request_timeout_secs: u64,
    /// Time a client has to send a request's line and headers, seconds
    /// (also how long an idle keep-alive connection waits for the next one).
    pub header_timeout_secs: u64,
    /// A connection on which nothing moves either way for this long is
    /// closed, seconds (a live stream sends keep-alives, so it is not idle).
    pub idle_timeout_secs: u64,
    /// Most connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Most connections one client (an IPv4 address, an IPv6 /64) holds at
    /// once; more are answered 503 and closed. 0: no per-client cap.
    pub max_connections_per_client: usize,
    /// Addresses allowed to read `/metrics` (CIDR); empty allows everyone.
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Requests per minute allowed from one client: an IPv4 address or an
    /// IPv6 /64 (publishing and reads alike).
    pub rate_per_ip_per_minute: u32,
    /// Notices per minute accepted from one issuer's registrable domain.
    pub rate_per_issuer_per_minute: u32,
    /// DNS queries a minute notices may cost, per issuer's registrable domain.
    pub dns_queries_per_issuer_per_minute: u32,
    /// DNS queries a minute notices published directly may cost, per client.
    pub dns_queries_per_client_per_minute: u32,
    /// DNS queries a minute notices pulled from one peer may cost.
    pub dns_queries_per_peer_per_minute: u32,
    /// The first wait before a claim DNS failed on is checked again, s.
    pub scope_recheck_first_secs: u64,
    /// How long such a claim is checked again, s.
    pub scope_recheck_for_secs: u64,
    /// Largest page of incidents or feed entries.
    pub max_page: u32,
    /// Database connections.
    pub db_max_connections: u32,
    /// Pinned keys.
    pub pins: Vec<PinConfig>,
    /// Demo data.
    pub demo: bool,
    /// The node key file; empty: `<SQLite file>.node-key`, or
    /// `dixd-node.key` in the working directory for PostgreSQL.
    pub node_key_file: String,
    /// The log's name in signed checkpoints; empty: derived from the key.
    pub node_origin: String,
    /// Peers to pull from.
    pub peers: Vec<PeerConfig>,
    /// Seconds between scheduled pulls from each peer.
    pub sync_every_secs: u64,
    /// Longest wait before retrying a failing peer, seconds.
    pub peer_backoff_cap_secs: u64,
    /// Longest a request to a peer may take, seconds.
    pub peer_timeout_secs: u64,
    /// Largest response read from a peer, bytes.
    pub peer_max_response_bytes: usize,
    /// Notices asked for per feed page.
    pub peer_page: u32,
    /// How often the store is checked for notices other replicas wrote, ms.
    pub store_poll_ms: u64,
    /// How often incidents that ended over 30 days ago leave the matching
    /// index's memory (they are then matched from the store), ms.
    pub index_evict_ms: u64,
    /// How often the issuers flagged for equivocation (by this node or by
    /// replicas sharing its database) are read again, ms.
    pub flagged_reload_ms: u64,
    /// Most `/v1/feed/stream` subscriptions (peers following the feed)
    /// open at once.
    pub max_streams: usize,
    /// Most `/v1/stream` subscriptions (anyone following incidents) open at
    /// once; a cap of their own, so they never take the peers' slots.
    pub max_public_streams: usize,
    /// Keep the matching index (for /v1/match and /v1/explain); a node that
    /// only relays notices can go without.
    pub match_index: bool,
    /// Domains this node's operator signs for (DKIM, SPF): `/v1/explain`
    /// tells an authentication refusal for them as the operator's to fix,
    /// when a request names no domains of its own.
    pub our_domains: Vec<String>,
    /// The node's public address, `https://HOST[:PORT]`, for links in the
    /// Atom feed; empty: links relative to the feed. Never taken from a
    /// request's `Host`, which the client chooses.
    pub public_url: String,
    /// Webhook subscriptions (`[[webhooks]]`).
    pub webhooks: Vec<WebhookConfig>,
    /// The first wait before a failed webhook delivery is tried again, s;
    /// it doubles with each failure, up to `webhook_retry_cap_secs`.
    pub webhook_retry_secs: u64,
    /// The longest wait between attempts of one delivery, s.
    pub webhook_retry_cap_secs: u64,
    /// How long one delivery attempt may take, s.
    pub webhook_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8470".parse().expect("valid"),
            db: "sqlite://dix.db".into(),
            dns: "system".into(),
            dns_timeout_ms: 2000,
            key_cache_secs: 3600,
            key_negative_cache_secs: 30,
            max_clock_skew_secs: 600,
            request_timeout_secs: 10,
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 1024,
            max_connections_per_client: 256,
            metrics_allow: Vec::new(),
            max_body_bytes: 256 * 1024,
            rate_per_ip_per_minute: 600,
            rate_per_issuer_per_minute: 120,
            dns_queries_per_issuer_per_minute: 600,
            dns_queries_per_client_per_minute: 600,
            dns_queries_per_peer_per_minute: 6000,
            scope_recheck_first_secs: 60,
            scope_recheck_for_secs: 86_400,
            max_page: 1000,
            db_max_connections: 8,
            pins: Vec::new(),
            demo: false,
            node_key_file: String::new(),
            node_origin: String::new(),
            peers: Vec::new(),
            sync_every_secs: 60,
            peer_backoff_cap_secs: 3600,
            peer_timeout_secs: 30,
            peer_max_response_bytes: 16 * 1024 * 1024,
            peer_page: 1000,
            store_poll_ms: 250,
            index_evict_ms: 60_000,
            flagged_reload_ms: 5_000,
            max_streams: 256,
            max_public_streams: 256,
            match_index: true,
            our_domains: Vec::new(),
            public_url: String::new(),
            webhooks: Vec::new(),
            webhook_retry_secs: 10,
            webhook_retry_cap_secs: 3600,
            webhook_timeout_secs: 10,
        }
    }
}

/// A pin, parsed.
#[derive(Debug, Clone)]
pub struct Pin {
    /// Issuer.
    pub issuer: Domain,
    /// Selector.
    pub selector: Selector,
    /// Key.
    pub key: PublicKey,
    /// Scope trusted without DNS.
    pub trust_scope: bool,
}

impl Config {
    /// File, then environment (through clap), then flags.
    pub fn load(flags: Flags) -> anyhow::Result<Self> {
        let mut config = match &flags.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        if let Some(listen) = flags.listen {
            config.listen = listen;
        }
        if let Some(db) = flags.db {
            config.db = db;
        }
        if let Some(dns) = flags.dns {
            config.dns = dns;
        }
        config.demo |= flags.demo;
        for url in flags.peers {
            if !config.peers.iter().any(|p| p.url == url) {
                config.peers.push(PeerConfig {
                    url,
                    node_key: None,
                });
            }
        }
        if let Some(secs) = flags.sync_every {
            config.sync_every_secs = secs;
        }
        if let Some(path) = flags.node_key {
            config.node_key_file = path.display().to_string();
        }
        for peer in &config.peers {
            let url = reqwest::Url::parse(&peer.url)
                .map_err(|e| anyhow::anyhow!("peer {}: not a URL: {e}", peer.url))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                anyhow::bail!("peer {}: expected http(s)://HOST[:PORT]", peer.url);
            }
            if let Some(key) = &peer.node_key {
                PublicKey::from_base64(key)
                    .map_err(|e| anyhow::anyhow!("peer {}: node_key: {e}", peer.url))?;
            }
        }
        if !config.public_url.is_empty() {
            let url = reqwest::Url::parse(&config.public_url)
                .map_err(|e| anyhow::anyhow!("public_url {}: not a URL: {e}", config.public_url))?;
            if !matches!(url.scheme(), "http" | "https")
                || url.host().is_none()
                || url.query().is_some()
                || url.fragment().is_some()
            {
                anyhow::bail!(
                    "public_url {}: expected http(s)://HOST[:PORT][/PATH], without a query",
                    config.public_url
                );
            }
        }
        if config.sync_every_secs == 0 {
            anyhow::bail!("sync_every_secs must be at least 1");
        }
        for (i, hook) in config.webhooks.iter().enumerate() {
            let url = reqwest::Url::parse(&hook.url)
                .map_err(|e| anyhow::anyhow!("webhooks[{i}] {}: not a URL: {e}", hook.url))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                anyhow::bail!(
                    "webhooks[{i}] {}: expected http(s)://HOST[:PORT]/PATH",
                    hook.url
                );
            }
            if hook.secret.len() < 16 {
                anyhow::bail!(
                    "webhooks[{i}] {}: the secret must be at least 16 characters (a long random string shared with the receiver)",
                    hook.url
                );
            }
            for d in &hook.domains {
                dix_schema::types::Domain::parse_lenient(d)
                    .map_err(|e| anyhow::anyhow!("webhooks[{i}] {}: domain {d}: {e}", hook.url))?;
            }
            if config.webhooks[..i].iter().any(|h| h.url == hook.url) {
                anyhow::bail!("webhooks[{i}] {}: listed twice", hook.url);
            }
        }
        if config.webhook_retry_secs == 0 || config.webhook_timeout_secs == 0 {
            anyhow::bail!("webhook_retry_secs and webhook_timeout_secs must be at least 1");
        }
        for pin in flags.pins {
            let mut parts = pin.splitn(3, ':');
            let (Some(issuer), Some(selector), Some(public_key)) =
                (parts.next(), parts.next(), parts.next())
            else {
                anyhow::bail!("--pin {pin}: expected ISSUER:SELECTOR:BASE64PUBKEY");
            };
            config.pins.push(PinConfig {
                issuer: issuer.into(),
                selector: selector.into(),
                public_key: public_key.into(),
                trust_scope: false,
            });
        }
        config.parsed_pins()?;
        Ok(config)
    }

    /// The pins, validated.
    pub fn parsed_pins(&self) -> anyhow::Result<Vec<Pin>> {
        self.pins
            .iter()
            .map(|p| {
                let ctx = |e: String| anyhow::anyhow!("pin {}:{}: {e}", p.issuer, p.selector);
                Ok(Pin {
                    issuer: Domain::parse_lenient(&p.issuer).map_err(ctx)?,
                    selector: Selector::parse(&p.selector).map_err(ctx)?,
                    key: PublicKey::from_base64(&p.public_key).map_err(ctx)?,
                    trust_scope: p.trust_scope,
                })
            })
            .collect()
    }

    /// Where the node key lives.
    pub fn node_key_path(&self) -> PathBuf {
        if !self.node_key_file.is_empty() {
            return PathBuf::from(&self.node_key_file);
        }
        match self.db.strip_prefix("sqlite://") {
            Some(path) => {
                let file = path.split('?').next().unwrap_or(path);
                PathBuf::from(format!("{file}.node-key"))
            }
            None => PathBuf::from("dixd-node.key"),
        }
    }

    /// DNS timeout.
    pub fn dns_timeout(&self) -> Duration {
        Duration::from_millis(self.dns_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dixd.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndb = \"sqlite://file.db\"\nmax_clock_skew_secs = 60\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(path),
            db: Some("sqlite://flag.db".into()),
            ..Flags::default()
        };
        let config = Config::load(flags).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.db, "sqlite://flag.db");
        assert_eq!(config.max_clock_skew_secs, 60);
    }

    #[test]
    fn unknown_keys_and_bad_pins_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dixd.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        assert!(
            Config::load(Flags {
                config: Some(path),
                ..Flags::default()
            })
            .unwrap_err()
            .to_string()
            .contains("lisen")
        );
        let err = Config::load(Flags {
            pins: vec!["example.jp:s1:notbase64".into()],
            ..Flags::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("pin example.jp:s1"), "{err}");
    }

    #[test]
    fn the_example_config_parses_and_matches_the_defaults() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/dixd.toml.example"
        ))
        .unwrap();
        // Uncomment every `# key = value` line above the (array-valued) pins example.
        let uncommented: String = text
            .lines()
            .take_while(|l| !l.contains("[[pins]]"))
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let parsed: Config = toml::from_str(&uncommented).unwrap();
        let defaults = Config::default();
        assert_eq!(
            format!("{:?}", parsed),
            format!("{:?}", defaults),
            "deploy/dixd.toml.example must list every key with its default"
        );
    }
}
