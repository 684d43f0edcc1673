//! The DNS questions dix asks, through hickory-resolver: TXT (key records and
//! delegations), MX (who hosts a domain's mail) and PTR (who an IP belongs to).
//! hickory's own cache is turned off; `keys` caches what it needs with its own
//! lifetime, so a forced re-fetch after a failed verification really re-fetches.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use dix_schema::types::Domain;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// Records.
    Found(T),
    /// The name exists but has no records of this type.
    NoRecords,
    /// The name does not exist.
    NoSuchName,
}

/// A lookup that could not be answered (timeout, SERVFAIL, refused).
#[derive(Debug, thiserror::Error)]
#[error("DNS lookup of {name} failed: {reason}")]
pub struct DnsFailure {
    /// The name asked.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// A resolver pointed at the system's or a configured server.
#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
}

impl Dns {
    /// `server` is `system` or `IP:PORT`.
    pub fn new(server: &str, timeout: Duration) -> anyhow::Result<Self> {
        let mut opts = ResolverOpts::default();
        opts.cache_size = 0;
        opts.timeout = timeout;
        opts.attempts = 2;
        // Names we ask are always fully qualified.
        opts.ndots = 0;
        let builder = if server == "system" {
            TokioResolver::builder(TokioConnectionProvider::default())
                .map_err(|e| anyhow::anyhow!("reading the system DNS configuration: {e}"))?
        } else {
            let addr: SocketAddr = server
                .parse()
                .map_err(|_| anyhow::anyhow!("dns = {server:?}: expected `system` or IP:PORT"))?;
            let mut config = ResolverConfig::new();
            config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
            config.add_name_server(NameServerConfig::new(addr, Protocol::Tcp));
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
        };
        Ok(Self {
            resolver: builder.with_options(opts).build(),
        })
    }

    /// TXT records at `name`, each joined from its character-strings.
    pub async fn txt(&self, name: &str) -> Result<Answer<Vec<String>>, DnsFailure> {
        self.txt_until(name).await.map(|(answer, _)| answer)
    }

    /// TXT records at `name`, with the instant their TTL runs out (for a
    /// positive answer; a negative one has none here).
    pub async fn txt_until(
        &self,
        name: &str,
    ) -> Result<(Answer<Vec<String>>, Option<Instant>), DnsFailure> {
        let fqdn = format!("{name}.");
        match self.resolver.txt_lookup(fqdn).await {
            Ok(lookup) => {
                let texts = lookup
                    .iter()
                    .map(|txt| {
                        txt.txt_data()
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect::<String>()
                    })
                    .collect();
                Ok((Answer::Found(texts), Some(lookup.valid_until())))
            }
            Err(e) => classify(name, e).map(|a| (a, None)),
        }
    }

    /// MX exchange host names of `domain`, lowercased, without the trailing dot.
    pub async fn mx(&self, domain: &Domain) -> Result<Answer<Vec<String>>, DnsFailure> {
        match self.resolver.mx_lookup(format!("{domain}.")).await {
            Ok(lookup) => Ok(Answer::Found(
                lookup
                    .iter()
                    .map(|mx| normalise(&mx.exchange().to_ascii()))
                    .collect(),
            )),
            Err(e) => classify(domain.as_str(), e),
        }
    }

    /// PTR names of `ip`, lowercased, without the trailing dot.
    pub async fn ptr(&self, ip: IpAddr) -> Result<Answer<Vec<String>>, DnsFailure> {
        match self.resolver.reverse_lookup(ip).await {
            Ok(lookup) => Ok(Answer::Found(
                lookup
                    .iter()
                    .map(|name| normalise(&name.to_ascii()))
                    .collect(),
            )),
            Err(e) => classify(&ip.to_string(), e),
        }
    }

    /// Whether `domain` exists at all (any record at or below it).
    pub async fn exists(&self, domain: &Domain) -> Result<bool, DnsFailure> {
        match self
            .resolver
            .lookup(
                format!("{domain}."),
                hickory_resolver::proto::rr::RecordType::SOA,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => classify(domain.as_str(), e).map(|a: Answer<()>| a != Answer::NoSuchName),
        }
    }
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn classify<T>(name: &str, e: ResolveError) -> Result<Answer<T>, DnsFailure> {
    if e.is_nx_domain() {
        Ok(Answer::NoSuchName)
    } else if e.is_no_records_found() {
        Ok(Answer::NoRecords)
    } else {
        Err(DnsFailure {
            name: name.to_owned(),
            reason: e.to_string(),
        })
    }
}
