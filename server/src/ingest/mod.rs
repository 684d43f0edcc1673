//! Accepting a notice, whoever brought it: parse → (clock check) → replay?
//! → key → verify (one fresh key fetch on mismatch) → (issuer rate limit,
//! direct publishes only) → scope authorisation → durable store →
//! matchable (→ a scope re-check scheduled, when DNS failed).
//!
//! A replay — bytes the store already holds — is known before any DNS
//! query: what was established when they were stored holds, and it costs
//! nothing. Every DNS query a notice may cost (its key record, then its
//! scope checks: at most 16 in all) is paid before it is asked, by the
//! issuer's registrable domain and by whoever brought it (`limits`). A
//! direct publish over a budget is refused for now (429); a peer's notice
//! over one is stored with the claims that need DNS deferred to the
//! re-checks (`scope::recheck`), so a sync is never held up by it.
//! The same path serves direct publishes, demo data and federation; it
//! reports its own error type ([`IngestError`]), which HTTP maps to a status
//! at the edge and federation counts and skips.
//!
//! [`prepare`] does everything before the store and needs no transaction,
//! so a sync prepares a page's notices concurrently (every core verifies)
//! and stores the lot in one commit.

mod error;

use std::net::IpAddr;
use std::sync::Arc;

use dix_schema::types::Timestamp;
use dix_schema::{PublicKey, SignedNotice, UnverifiedNotice};

pub use error::IngestError;

use crate::keys::{KeyError, KeySource, MAX_KEY_QUERIES};
use crate::limits::{Payer, registrable};
use crate::node::Node;
use crate::scope::{self, KeyUsed, ScopeCheck, Verification};
use crate::store::{NewNotice, PublishOutcome};

/// Who handed us the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `POST /v1/notices`.
    Direct,
    /// Built-in demo data.
    Demo,
    /// A federation peer (its URL).
    Peer(String),
}

/// What the store holds of a notice's exact bytes.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Not looked up yet: [`prepare`] asks the store.
    Unknown,
    /// Not stored.
    Absent,
    /// Stored, with this verification JSON.
    Found(String),
}

impl Origin {
    /// The name stored with the notice.
    pub fn name(&self) -> String {
        match self {
            Origin::Direct => "direct".into(),
            Origin::Demo => "demo".into(),
            Origin::Peer(url) => url.clone(),
        }
    }
}

/// A notice verified and authorised, not yet stored.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The verified notice.
    pub notice: SignedNotice,
    /// Scope results.
    pub scope: ScopeCheck,
    /// What the node learned while verifying, as stored.
    pub verification: Verification,
    /// Where the key came from.
    pub key_source: &'static str,
}

impl Prepared {
    /// The store's view of it.
    pub fn to_new(&self, origin: &Origin, received_at: i64) -> NewNotice<'_> {
        NewNotice {
            notice: &self.notice,
            verification: serde_json::to_string(&self.verification)
                .expect("a Verification always serialises"),
            scope_verified: self.scope.all_verified,
            scope: self.scope.rows(),
            key: (self.verification.key.public_key.clone(), self.key_source),
            source: origin.name(),
            received_at,
        }
    }
}

/// A notice the node has taken.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// What storing it did.
    pub outcome: PublishOutcome,
    /// The verified notice.
    pub notice: SignedNotice,
    /// Scope results.
    pub scope: ScopeCheck,
    /// Where the key came from.
    pub key_source: &'static str,
}

/// Runs the whole pipeline for one notice. When it returns `Ok`, the notice
/// is durable and already matchable. Every outcome is counted in the
/// metrics under its code.
pub async fn ingest(
    node: &Arc<Node>,
    bytes: &[u8],
    origin: Origin,
    client: Option<IpAddr>,
) -> Result<Accepted, IngestError> {
    let result = ingest_one(node, bytes, &origin, client).await;
    match &result {
        Ok(a) => node.metrics.notice(outcome_name(&a.outcome)),
        Err(e) => node.metrics.notice(e.code()),
    }
    result
}

/// The metrics' name of an outcome.
pub fn outcome_name(outcome: &PublishOutcome) -> &'static str {
    match outcome {
        PublishOutcome::Stored { .. } => "stored",
        PublishOutcome::Replay { .. } => "replay",
        PublishOutcome::Equivocation { .. } => "equivocation",
    }
}

async fn ingest_one(
    node: &Arc<Node>,
    bytes: &[u8],
    origin: &Origin,
    client: Option<IpAddr>,
) -> Result<Accepted, IngestError> {
    let prepared = prepare(node, bytes, origin, client, Stored::Unknown).await?;
    let outcome = node
        .store
        .publish(prepared.to_new(origin, Timestamp::now().unix()))
        .await?;
    node.stored(std::slice::from_ref(&outcome)).await;
    schedule_rechecks(node, &[&prepared], std::slice::from_ref(&outcome)).await;
    Ok(Accepted {
        outcome,
        notice: prepared.notice,
        scope: prepared.scope,
        key_source: prepared.key_source,
    })
}

/// After a batch was stored: the new notices some of whose claims DNS
/// failed on are scheduled to be checked again.
pub async fn schedule_rechecks(node: &Node, prepared: &[&Prepared], outcomes: &[PublishOutcome]) {
    for (p, outcome) in prepared.iter().zip(outcomes) {
        let cursor = match outcome {
            PublishOutcome::Stored { cursor, .. } | PublishOutcome::Equivocation { cursor, .. } => {
                *cursor
            }
            PublishOutcome::Replay { .. } => continue,
        };
        if p.scope.needs_recheck() {
            scope::recheck::schedule(node, cursor).await;
        }
    }
}

/// Everything before the store: parse, clock, replay, key, signature,
/// rate, scope. `client`: the address a direct publish came from.
pub async fn prepare(
    node: &Node,
    bytes: &[u8],
    origin: &Origin,
    client: Option<IpAddr>,
    stored: Stored,
) -> Result<Prepared, IngestError> {
    let unverified = UnverifiedNotice::parse(bytes)?;

    check_clock(node, &unverified, origin)?;

    let stored = match stored {
        Stored::Unknown => {
            node.store
                .verification_of(&crate::store::digest(bytes))
                .await?
        }
        Stored::Absent => None,
        Stored::Found(v) => Some(v),
    };
    if let Some(prepared) = stored.and_then(|v| from_stored(&unverified, &v)) {
        return Ok(prepared);
    }

    let payer = match origin {
        Origin::Direct => client.map_or(Payer::Node, Payer::Client),
        Origin::Demo => Payer::Node,
        Origin::Peer(url) => Payer::Peer(url.clone()),
    };
    let (issuer, selector) = (unverified.issuer().clone(), unverified.selector().clone());
    let charge = |queries: usize| {
        node.dns_limits
            .charge(&issuer, &payer, queries as u32)
            .map_err(|refusal| IngestError::DnsRate(Box::new(refusal)))
    };
    if node.keys.needs_dns(&issuer, &selector) {
        charge(MAX_KEY_QUERIES)?;
    }
    let (key, source) = match node.keys.lookup(&issuer, &selector, false).await {
        Ok(found) => found,
        Err(e) => return Err(refine_key_error(node, &issuer, e).await),
    };
    let (notice, key, source) = match unverified.verify(&key) {
        Ok(n) => (n, key, source),
        // A cached key may be stale: the issuer can rotate behind one selector.
        Err(_) if source == (KeySource::Dns { cached: true }) => {
            charge(MAX_KEY_QUERIES)?;
            let (fresh, source) = node.keys.lookup(&issuer, &selector, true).await?;
            (unverified.verify(&fresh)?, fresh, source)
        }
        Err(e) => return Err(e.into()),
    };

    // A sync catching up on 200,000 notices is not abuse, and throttling it
    // would lose them; a peer's work is bounded by the sync's own limits.
    // Counted per registrable domain: a wildcard key record makes any
    // number of issuer names under one domain.
    if *origin == Origin::Direct
        && node
            .issuer_limiter
            .check_key(&registrable(&issuer))
            .is_err()
    {
        return Err(IngestError::Rate {
            issuer,
            per_minute: node.config.rate_per_issuer_per_minute,
        });
    }

    let scope = match source {
        KeySource::Pinned { trust_scope: true } => scope::trusted(notice.notice()),
        _ => match charge(scope::planned_queries(notice.notice())) {
            Ok(()) => scope::authorise(notice.notice(), &node.dns).await,
            Err(IngestError::DnsRate(refusal)) if matches!(origin, Origin::Peer(_)) => {
                let why = format!(
                    "this node's DNS budget for {} ({} queries a minute) was spent when the notice arrived; it is checked again later",
                    refusal.who, refusal.per_minute
                );
                scope::deferred(notice.notice(), &node.dns, &why).await
            }
            Err(e) => return Err(e),
        },
    };
    let verification = Verification {
        key: KeyUsed {
            selector: selector.as_str().to_owned(),
            source: source.name().to_owned(),
            public_key: key.to_base64(),
        },
        scope: scope.clone(),
    };
    Ok(Prepared {
        notice,
        scope,
        verification,
        key_source: source.name(),
    })
}

/// A replay: the stored verification of the same bytes, checked against
/// the key it names (no DNS). `None` when the stored record is too old to
/// name its key, or does not verify (then the notice goes the whole way).
fn from_stored(unverified: &UnverifiedNotice, verification: &str) -> Option<Prepared> {
    let verification: Verification = serde_json::from_str(verification).ok()?;
    let key = PublicKey::from_base64(&verification.key.public_key).ok()?;
    let notice = unverified.verify(&key).ok()?;
    let key_source = match verification.key.source.as_str() {
        "pinned" => "pinned",
        _ => "dns",
    };
    Some(Prepared {
        notice,
        scope: verification.scope.clone(),
        verification,
        key_source,
    })
}

/// A notice published directly must be fresh; one relayed by a peer may be
/// old, but no notice may come from the future (it would outrank every
/// later revision's time and sit at the top of every list).
fn check_clock(node: &Node, n: &UnverifiedNotice, origin: &Origin) -> Result<(), IngestError> {
    let skew = node.config.max_clock_skew_secs as i64;
    let now = Timestamp::now().unix();
    let published = n.published_at().unix();
    let too_old = *origin == Origin::Direct && now - published > skew;
    if too_old || published - now > skew {
        return Err(IngestError::Stale(format!(
            "published_at {} is {} seconds {} this node's clock ({}); a notice published directly must be within {skew} seconds — re-sign it with the current time",
            n.published_at(),
            (published - now).abs(),
            if published < now {
                "behind"
            } else {
                "ahead of"
            },
            Timestamp::from_unix(now).expect("now is in range"),
        )));
    }
    Ok(())
}

/// A missing key for an issuer whose other selectors we know (pinned, or
/// seen on earlier notices) is most likely a wrong selector: say so, and name
/// the known ones.
async fn refine_key_error(
    node: &Node,
    issuer: &dix_schema::types::Domain,
    e: KeyError,
) -> IngestError {
    if let KeyError::NoKey(_) = &e {
        let mut known = node.keys.pinned_selectors(issuer);
        known.extend(
            node.store
                .known_selectors(issuer.as_str())
                .await
                .unwrap_or_default(),
        );
        known.sort();
        known.dedup();
        if !known.is_empty() {
            return IngestError::UnknownSelector {
                issuer: issuer.clone(),
                error: Box::new(e),
                known,
            };
        }
    }
    e.into()
}
