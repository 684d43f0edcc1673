//! Why the publish pipeline refused a notice, in its own terms. A direct
//! publish turns this into an HTTP answer at the edge (`From<IngestError>
//! for ApiError`); federation logs it, counts it by [`IngestError::code`] and
//! goes on with the next notice — or, for a [`transient`](IngestError::transient)
//! failure, stops the page there and tries again later, so nothing is lost.

use axum::http::StatusCode;
use dix_schema::types::Domain;

use crate::error::ApiError;
use crate::keys::KeyError;

/// A notice the pipeline did not take.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Malformed, non-canonical, or its signature does not verify.
    #[error(transparent)]
    Notice(#[from] dix_schema::Error),
    /// Its key could not be found or used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// No key under this selector, but the issuer has others.
    #[error("{error}; selectors known for {issuer}: {}", known.join(", "))]
    UnknownSelector {
        /// The issuer.
        issuer: Domain,
        /// The lookup's failure.
        error: Box<KeyError>,
        /// Selectors pinned or seen before.
        known: Vec<String>,
    },
    /// `published_at` too far from this node's clock.
    #[error("{0}")]
    Stale(String),
    /// The issuer publishes directly faster than the node allows.
    #[error("{issuer} is publishing faster than {per_minute} notices a minute; slow down")]
    Rate {
        /// The issuer.
        issuer: Domain,
        /// The limit.
        per_minute: u32,
    },
    /// Its DNS queries would go over a budget (the issuer's registrable
    /// domain's, the client's or the peer's).
    #[error("checking this notice needs DNS queries over the budget of {} ({} a minute); try again in {} s", .0.who, .0.per_minute, .0.retry_after_secs)]
    DnsRate(Box<crate::limits::DnsRefusal>),
    /// Verifying it panicked (a bug, logged); the notice is skipped.
    #[error("verifying the notice failed unexpectedly")]
    Panicked,
    /// The database failed.
    #[error("storing the notice failed: {0}")]
    Store(#[from] sqlx::Error),
}

impl IngestError {
    /// The stable code, as the HTTP answer and the metrics name it.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::Notice(e) => e.code.as_str(),
            IngestError::Key(e) => e.code(),
            IngestError::UnknownSelector { .. } => "unknown_selector",
            IngestError::Stale(_) => "stale_published_at",
            IngestError::Rate { .. } => "rate_limited",
            IngestError::DnsRate(_) => "dns_rate_limited",
            IngestError::Store(_) | IngestError::Panicked => "internal",
        }
    }

    /// Whether trying the same bytes later may succeed (DNS or the database
    /// was down, the rate was exceeded). A sync must not skip such a notice.
    pub fn transient(&self) -> bool {
        matches!(
            self,
            IngestError::Key(KeyError::Dns(_))
                | IngestError::Store(_)
                | IngestError::Rate { .. }
                | IngestError::DnsRate(_)
        )
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Notice(e) => e.into(),
            IngestError::Key(e) => e.into(),
            e @ IngestError::UnknownSelector { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
                    .with_field("key")
            }
            IngestError::Stale(message) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "stale_published_at",
                message,
            )
            .with_field("published_at"),
            e @ IngestError::Rate { .. } => ApiError::rate_limited(e.to_string(), 60),
            IngestError::DnsRate(refusal) => {
                let message = IngestError::DnsRate(refusal.clone()).to_string();
                ApiError::too_many("dns_rate_limited", message, refusal.retry_after_secs)
            }
            IngestError::Store(e) => ApiError::internal(e),
            IngestError::Panicked => ApiError::internal("verifying a notice panicked"),
        }
    }
}
