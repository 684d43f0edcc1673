//! Accepting a notice, whoever brought it: parse → (clock check for direct
//! publishes) → key → verify (one fresh key fetch on mismatch) → issuer rate
//! limit → scope authorisation → durable store. The same path serves direct
//! publishes, demo data and (later) federation.

use std::sync::Arc;

use axum::http::StatusCode;
use dix_schema::types::Timestamp;
use dix_schema::{SignedNotice, UnverifiedNotice};

use crate::error::ApiError;
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
    fn name(&self) -> String {
        match self {
            Origin::Direct => "direct".into(),
            Origin::Demo => "demo".into(),
            Origin::Peer(url) => url.clone(),
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

/// Runs the whole pipeline. Every failure is an [`ApiError`] with its code,
/// and is counted in the metrics under that code.
pub async fn ingest(node: &Arc<Node>, bytes: &[u8], origin: Origin) -> Result<Accepted, ApiError> {
    let result = ingest_inner(node, bytes, &origin).await;
    match &result {
        Ok(a) => node.metrics.notice(match a.outcome {
            PublishOutcome::Stored { .. } => "stored",
            PublishOutcome::Replay { .. } => "replay",
            PublishOutcome::Equivocation { .. } => "equivocation",
        }),
        Err(e) => node.metrics.notice(e.code()),
    }
    result
}

async fn ingest_inner(
    node: &Arc<Node>,
    bytes: &[u8],
    origin: &Origin,
) -> Result<Accepted, ApiError> {
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

    if node.issuer_limiter.check_key(&issuer).is_err() {
        return Err(ApiError::rate_limited(
            format!(
                "{issuer} is publishing faster than {} notices a minute; slow down",
                node.config.rate_per_issuer_per_minute
            ),
            60,
        ));
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
    let now = Timestamp::now().unix();
    let outcome = node
        .store
        .publish(NewNotice {
            notice: &notice,
            verification: serde_json::to_string(&verification).map_err(ApiError::internal)?,
            scope_verified: scope.all_verified,
            scope: scope
                .entries
                .iter()
                .filter(|e| e.field != ScopeField::BlocklistZone)
                .map(|e| (e.field.as_str().to_owned(), e.value.clone(), e.verified))
                .collect(),
            key: (key.to_base64(), source.name()),
            source: origin.name(),
            received_at: now,
        })
        .await
        .map_err(ApiError::internal)?;
    if !matches!(outcome, PublishOutcome::Replay { .. }) {
        node.notify_changed();
    }
    Ok(Accepted {
        outcome,
        notice,
        scope,
        key_source: source.name(),
    })
}

/// A notice published directly must be fresh; one relayed by a peer may be
/// old, but no notice may come from the future (it would outrank every
/// later revision's time and sit at the top of every list).
fn check_clock(node: &Node, n: &UnverifiedNotice, origin: &Origin) -> Result<(), ApiError> {
    let skew = node.config.max_clock_skew_secs as i64;
    let now = Timestamp::now().unix();
    let published = n.published_at().unix();
    let too_old = *origin == Origin::Direct && now - published > skew;
    if too_old || published - now > skew {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "stale_published_at",
            format!(
                "published_at {} is {} seconds {} this node's clock ({}); a notice published directly must be within {skew} seconds — re-sign it with the current time",
                n.published_at(),
                (published - now).abs(),
                if published < now { "behind" } else { "ahead of" },
                Timestamp::from_unix(now).expect("now is in range"),
            ),
        )
        .with_field("published_at"));
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
) -> ApiError {
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
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_selector",
                format!("{e}; selectors known for {issuer}: {}", known.join(", ")),
            )
            .with_field("key");
        }
    }
    e.into()
}
