//! Accepting a notice, whoever brought it: parse → (clock check) → key →
//! verify (one fresh key fetch on mismatch) → (issuer rate limit, direct
//! publishes only) → scope authorisation → durable store → matchable.
//! The same path serves direct publishes, demo data and federation; it
//! reports its own error type ([`IngestError`]), which HTTP maps to a status
//! at the edge and federation counts and skips.
//!
//! [`prepare`] does everything before the store and needs no transaction,
//! so a sync prepares a page's notices concurrently (every core verifies)
//! and stores the lot in one commit.

mod error;

use std::sync::Arc;

use dix_schema::types::Timestamp;
use dix_schema::{SignedNotice, UnverifiedNotice};

pub use error::IngestError;

use crate::keys::{KeyError, KeySource};
use crate::node::Node;
use crate::scope::{self, KeyUsed, ScopeCheck, ScopeField, Verification};
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
            scope: self
                .scope
                .entries
                .iter()
                .filter(|e| e.field != ScopeField::BlocklistZone)
                .map(|e| (e.field, e.value.clone(), e.verified))
                .collect(),
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
) -> Result<Accepted, IngestError> {
    let result = ingest_one(node, bytes, &origin).await;
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
) -> Result<Accepted, IngestError> {
    let prepared = prepare(node, bytes, origin).await?;
    let outcome = node
        .store
        .publish(prepared.to_new(origin, Timestamp::now().unix()))
        .await?;
    node.stored(std::slice::from_ref(&outcome)).await;
    Ok(Accepted {
        outcome,
        notice: prepared.notice,
        scope: prepared.scope,
        key_source: prepared.key_source,
    })
}

/// Everything before the store: parse, clock, key, signature, rate, scope.
pub async fn prepare(node: &Node, bytes: &[u8], origin: &Origin) -> Result<Prepared, IngestError> {
    let unverified = UnverifiedNotice::parse(bytes)?;

    check_clock(node, &unverified, origin)?;

    let (issuer, selector) = (unverified.issuer().clone(), unverified.selector().clone());
    let (key, source) = match node.keys.lookup(&issuer, &selector, false).await {
        Ok(found) => found,
        Err(e) => return Err(refine_key_error(node, &issuer, e).await),
    };
    let (notice, key, source) = match unverified.verify(&key) {
        Ok(n) => (n, key, source),
        // A cached key may be stale: the issuer can rotate behind one selector.
        Err(_) if source == (KeySource::Dns { cached: true }) => {
            let (fresh, source) = node.keys.lookup(&issuer, &selector, true).await?;
            (unverified.verify(&fresh)?, fresh, source)
        }
        Err(e) => return Err(e.into()),
    };

    // A sync catching up on 200,000 notices is not abuse, and throttling it
    // would lose them; a peer's work is bounded by the sync's own limits.
    if *origin == Origin::Direct && node.issuer_limiter.check_key(&issuer).is_err() {
        return Err(IngestError::Rate {
            issuer,
            per_minute: node.config.rate_per_issuer_per_minute,
        });
    }

    let scope = match source {
        KeySource::Pinned { trust_scope: true } => scope::trusted(notice.notice()),
        _ => scope::authorise(notice.notice(), &node.dns).await,
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
