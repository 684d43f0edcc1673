//! Bounces older than the memory window are matched from the store: the
//! incidents active at the bounce's time whose recipient domain or IP
//! ranges cover it (an indexed query each), scored by the same rules as
//! the incidents in memory. Verified claims are read first, each key on its
//! own, so that no number of a stranger's unverified claims can crowd a
//! verified incident out of the rows read.

use std::collections::HashSet;

use dix_bounce::verdict::{IncidentMatch, MatchQuery};
use dix_schema::types::{Domain, Timestamp};

use super::entry::read_row;
use super::scoring::parse_time;
use super::tables::Snapshot;
use super::{Cancel, MEMORY_WINDOW_SECS, MatchIndex};
use crate::store::{IncidentFilter, Store};

/// Most incidents one history lookup reads from the store per key and per
/// kind of claim (verified, then unverified).
const HISTORY_LIMIT: u32 = 50;

/// Why history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] sqlx::Error),
    /// The request's time ran out.
    #[error("cancelled")]
    Cancelled,
}

impl MatchIndex {
    /// Matches for a bounce older than the memory window, read from the
    /// store by its recipient domain and its IPs, among incidents active at
    /// the bounce's time. Empty for a recent or undated bounce: memory
    /// holds everything that could explain those. Runs on the calling
    /// thread (a blocking one: see [`SnapshotRef::find_with_history`](super::SnapshotRef::find_with_history)).
    pub async fn history(
        &self,
        store: &Store,
        q: &MatchQuery,
        cancel: &Cancel,
    ) -> Result<Vec<IncidentMatch>, HistoryError> {
        let Some(at) = q.timestamp.as_deref().and_then(parse_time) else {
            return Ok(Vec::new());
        };
        if at >= Timestamp::now().unix() - MEMORY_WINDOW_SECS {
            return Ok(Vec::new());
        }
        let base = IncidentFilter {
            active_at: Some(at),
            limit: HISTORY_LIMIT,
            ..IncidentFilter::default()
        };
        let mut keys = Vec::new();
        if let Some(domain) = q
            .recipient_domain
            .as_deref()
            .and_then(|d| Domain::parse_lenient(d).ok())
        {
            keys.push(IncidentFilter {
                domain: Some(domain),
                ..base.clone()
            });
        }
        for ip in [q.remote_ip, q.sender_ip].into_iter().flatten() {
            keys.push(IncidentFilter {
                ip: Some(ip),
                ..base.clone()
            });
        }
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for verified in [true, false] {
            for key in &keys {
                if cancel.check().is_err() {
                    return Err(HistoryError::Cancelled);
                }
                let filter = IncidentFilter {
                    verified_claim: Some(verified),
                    ..key.clone()
                };
                for row in store.incidents(&filter).await? {
                    if seen.insert((row.issuer.clone(), row.incident.clone())) {
                        rows.push(row);
                    }
                }
            }
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut past = Snapshot::with_flagged(self.flagged());
        for row in rows {
            match read_row(row) {
                Ok(entry) => {
                    past.upsert(entry);
                }
                Err(bad) => {
                    tracing::warn!(incident = %bad.incident, cursor = bad.cursor, reason = %bad.reason, "a stored incident is unreadable; matched without it")
                }
            }
        }
        super::scoring::find(&past, q, cancel).map_err(|_| HistoryError::Cancelled)
    }
}
