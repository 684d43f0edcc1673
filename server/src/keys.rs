//! Finding an issuer's public key: a pinned key if the config has one, else
//! the TXT record at `<selector>._dix.<issuer>`, cached for the record's TTL
//! (at most `key_cache_secs`), so a revocation published in DNS takes effect
//! within the TTL the issuer chose. "No such key" and "no such issuer" are
//! cached for `key_negative_cache_secs`, so a stream of notices from made-up
//! issuers costs one look-up per name, not two per request.
//! When a notice fails to verify under a cached key the caller asks once more
//! with `fresh = true`: the issuer may have rotated the key behind the same
//! selector.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dix_schema::types::{Domain, Selector};
use dix_schema::{ErrorCode, KeyRecord, PublicKey};

use crate::config::Pin;
use crate::dns::{Answer, Dns, DnsFailure};
use crate::error::ApiError;

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// From the config; `trust_scope` as configured.
    Pinned {
        /// Scope claims accepted without DNS checks.
        trust_scope: bool,
    },
    /// From DNS; `cached` when no query was made this time.
    Dns {
        /// Served from the cache.
        cached: bool,
    },
}

impl KeySource {
    /// "pinned" or "dns".
    pub fn name(self) -> &'static str {
        match self {
            Self::Pinned { .. } => "pinned",
            Self::Dns { .. } => "dns",
        }
    }
}

/// Why no usable key was found.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The issuer's domain does not exist.
    #[error(
        "the issuer {0} does not exist in DNS: publish the key record `dix keygen` printed (SELECTOR._dix.{0} TXT \"v=DIX1; k=ed25519; p=...\") in the issuer's zone; a private or test node can pin the key instead (dixd --pin {0}:SELECTOR:PUBLIC_KEY, or [[pins]] in its config)"
    )]
    UnknownIssuer(String),
    /// No record at the selector's name.
    #[error(
        "no dix key record at {0}: publish the TXT record `dix keygen` printed there (check the selector in the notice's \"key\"), or pin the key on a private or test node (dixd --pin ISSUER:SELECTOR:PUBLIC_KEY)"
    )]
    NoKey(String),
    /// The record is revoked.
    #[error("the key at {0} is revoked (empty p=)")]
    Revoked(String),
    /// The record cannot be parsed.
    #[error("the key record at {name} is malformed: {error}")]
    Malformed {
        /// Record name.
        name: String,
        /// Parse error.
        error: dix_schema::Error,
    },
    /// More than one dix record at the name.
    #[error("{0} has more than one v=DIX1 record; publish exactly one per selector")]
    Ambiguous(String),
    /// DNS did not answer.
    #[error(transparent)]
    Dns(#[from] DnsFailure),
}

impl KeyError {
    /// The stable code of this failure.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::UnknownIssuer(_) => "unknown_issuer",
            KeyError::NoKey(_) => "key_not_found",
            KeyError::Revoked(_) => ErrorCode::RevokedKey.as_str(),
            KeyError::Malformed { .. } | KeyError::Ambiguous(_) => {
                ErrorCode::MalformedKeyRecord.as_str()
            }
            KeyError::Dns(_) => "dns_unavailable",
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        use axum::http::StatusCode;
        let message = e.to_string();
        match e {
            KeyError::UnknownIssuer(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_issuer", message)
                    .with_field("issuer")
            }
            KeyError::NoKey(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "key_not_found", message)
                    .with_field("key")
            }
            KeyError::Revoked(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::RevokedKey.as_str(),
                message,
            )
            .with_field("key"),
            KeyError::Malformed { .. } | KeyError::Ambiguous(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::MalformedKeyRecord.as_str(),
                message,
            )
            .with_field("key"),
            KeyError::Dns(_) => {
                ApiError::unavailable("dns_unavailable", format!("{message}; try again later"))
            }
        }
    }
}

/// Most names held in the key cache; the names come from notices' senders.
const MAX_CACHED: usize = 10_000;

/// Most DNS queries one [`KeyDirectory::lookup`] makes: the TXT record, and
/// on "no such name" the issuer's SOA (to tell an unknown issuer from a
/// missing selector). A notice looks its key up at most once from DNS (a
/// cached key that fails is fetched fresh once; an uncached one is not
/// fetched again).
pub const MAX_KEY_QUERIES: usize = 2;

/// What the cache remembers of one name.
#[derive(Debug, Clone, Copy)]
enum Cached {
    /// The record.
    Record(KeyRecord),
    /// No record at the name.
    NoKey,
    /// The issuer's domain does not exist.
    UnknownIssuer,
}

/// Pins, DNS and a cache.
pub struct KeyDirectory {
    dns: Dns,
    pins: HashMap<(Domain, Selector), Pin>,
    /// Upper bound on a positive answer's life, whatever its TTL.
    max_ttl: Duration,
    /// Life of a negative answer.
    negative_ttl: Duration,
    cache: Mutex<HashMap<(Domain, Selector), (Cached, Instant)>>,
}

impl KeyDirectory {
    /// A directory over `dns` with `pins`; positive answers live for their
    /// TTL but at most `max_ttl`, negative ones for `negative_ttl` (at most
    /// `max_ttl`).
    pub fn new(dns: Dns, pins: Vec<Pin>, max_ttl: Duration, negative_ttl: Duration) -> Self {
        let pins = pins
            .into_iter()
            .map(|p| ((p.issuer.clone(), p.selector.clone()), p))
            .collect();
        Self {
            dns,
            pins,
            max_ttl,
            negative_ttl: negative_ttl.min(max_ttl),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn remember(&self, key: (Domain, Selector), what: Cached, until: Instant) {
        let mut cache = self.cache.lock().expect("not poisoned");
        if cache.len() >= MAX_CACHED {
            let now = Instant::now();
            cache.retain(|_, (_, at)| *at > now);
            if cache.len() >= MAX_CACHED {
                // Full of live entries: a flood of names. Start over rather
                // than grow; the cost is one more look-up per name.
                cache.clear();
            }
        }
        cache.insert(key, (what, until));
    }

    /// Selectors pinned for `issuer`.
    pub fn pinned_selectors(&self, issuer: &Domain) -> Vec<String> {
        self.pins
            .keys()
            .filter(|(i, _)| i == issuer)
            .map(|(_, s)| s.to_string())
            .collect()
    }

    /// Whether the issuer has any pinned key.
    pub fn is_pinned_issuer(&self, issuer: &Domain) -> bool {
        self.pins.keys().any(|(i, _)| i == issuer)
    }

    /// Whether looking up `issuer`/`selector` now would ask DNS (not
    /// pinned, not cached).
    pub fn needs_dns(&self, issuer: &Domain, selector: &Selector) -> bool {
        let key = (issuer.clone(), selector.clone());
        if self.pins.contains_key(&key) {
            return false;
        }
        self.cache
            .lock()
            .expect("not poisoned")
            .get(&key)
            .is_none_or(|(_, until)| Instant::now() >= *until)
    }

    /// The key for `issuer`/`selector`.
    pub async fn lookup(
        &self,
        issuer: &Domain,
        selector: &Selector,
        fresh: bool,
    ) -> Result<(PublicKey, KeySource), KeyError> {
        if let Some(pin) = self.pins.get(&(issuer.clone(), selector.clone())) {
            return Ok((
                pin.key,
                KeySource::Pinned {
                    trust_scope: pin.trust_scope,
                },
            ));
        }
        let name = selector.record_name(issuer);
        let key = (issuer.clone(), selector.clone());
        if !fresh {
            let cached = self
                .cache
                .lock()
                .expect("not poisoned")
                .get(&key)
                .filter(|(_, until)| Instant::now() < *until)
                .map(|(what, _)| *what);
            match cached {
                Some(Cached::Record(record)) => {
                    return active(record, &name).map(|k| (k, KeySource::Dns { cached: true }));
                }
                Some(Cached::NoKey) => return Err(KeyError::NoKey(name)),
                Some(Cached::UnknownIssuer) => {
                    return Err(KeyError::UnknownIssuer(issuer.to_string()));
                }
                None => {}
            }
        }
        let now = Instant::now();
        let negative_until = now + self.negative_ttl;
        let (answer, valid_until) = self.dns.txt_until(&name).await?;
        let record = match answer {
            Answer::Found(texts) => {
                let dix: Vec<&String> = texts
                    .iter()
                    .filter(|t| t.trim_start().starts_with("v=DIX1"))
                    .collect();
                match dix.as_slice() {
                    [] => {
                        self.remember(key, Cached::NoKey, negative_until);
                        return Err(KeyError::NoKey(name));
                    }
                    [one] => KeyRecord::parse(one).map_err(|error| KeyError::Malformed {
                        name: name.clone(),
                        error,
                    })?,
                    _ => return Err(KeyError::Ambiguous(name)),
                }
            }
            Answer::NoRecords => {
                self.remember(key, Cached::NoKey, negative_until);
                return Err(KeyError::NoKey(name));
            }
            Answer::NoSuchName => {
                let (what, error) = if self.dns.exists(issuer).await? {
                    (Cached::NoKey, KeyError::NoKey(name))
                } else {
                    (
                        Cached::UnknownIssuer,
                        KeyError::UnknownIssuer(issuer.to_string()),
                    )
                };
                self.remember(key, what, negative_until);
                return Err(error);
            }
        };
        let until = valid_until.unwrap_or(now).min(now + self.max_ttl);
        self.remember(key, Cached::Record(record), until);
        active(record, &name).map(|k| (k, KeySource::Dns { cached: false }))
    }
}

fn active(record: KeyRecord, name: &str) -> Result<PublicKey, KeyError> {
    record
        .require_active()
        .map_err(|_| KeyError::Revoked(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pinned_or_cached_key_is_free() {
        let dns = Dns::new("127.0.0.1:9", Duration::from_millis(100)).unwrap();
        let pinned = Domain::parse("pinned.example").unwrap();
        let other = Domain::parse("other.example").unwrap();
        let s1 = Selector::parse("s1").unwrap();
        let key = dix_schema::SecretKey::from_seed(&[3; 32]).public_key();
        let keys = KeyDirectory::new(
            dns,
            vec![Pin {
                issuer: pinned.clone(),
                selector: s1.clone(),
                key,
                trust_scope: false,
            }],
            Duration::from_secs(60),
            Duration::from_secs(30),
        );
        assert!(!keys.needs_dns(&pinned, &s1));
        assert!(keys.needs_dns(&other, &s1));
        keys.remember(
            (other.clone(), s1.clone()),
            Cached::NoKey,
            Instant::now() + Duration::from_secs(30),
        );
        assert!(!keys.needs_dns(&other, &s1), "a cached answer asks nothing");
        keys.remember(
            (other.clone(), s1.clone()),
            Cached::NoKey,
            Instant::now() - Duration::from_secs(1),
        );
        assert!(keys.needs_dns(&other, &s1), "an expired one asks again");
    }
}
