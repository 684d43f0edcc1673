//! The matching index: every current incident in memory, looked up by the
//! bounce's recipient domain, MX host, IPs and the list its text names —
//! never by scanning all incidents — and ranked, decisive matches first.
//!
//! ```text
//! store ──catch_up──▶ entry (read a row: notice, claims, compiled symptoms)
//!       ──▶ tables (Snapshot: lookup tables, interned symptoms)
//! query ──▶ tables.lookup (scope evidence per candidate)
//!       ──▶ scoring (decisive first, then score; reasons for those shown)
//! old bounce ──▶ history (the store, verified claims first) ──▶ scoring
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`entry`] | one incident as held; reading a stored row without panicking |
//! | [`tables`] | the lookup tables and how a change updates them |
//! | [`scoring`] | ranking and reasons; what unverified claims may not do |
//! | [`history`] | bounces older than the memory window, from the store |
//! | [`catch_up`] | load, catch-up, eviction, flagged issuers; bad rows skipped |
//! | [`swap`] | immutable snapshots for readers, two copies for the writer |
//!
//! Each lookup carries the claim's status from `scope` (decided at publish
//! time): only a verified claim makes a match `decisive`. A receiver's or a
//! list's statement of which senders it concerns (a qualifier) never finds
//! an incident; it narrows one found otherwise.
//!
//! Publishing catches the index up before it answers, so a notice is
//! matchable by the time its `201` is sent; replicas sharing a database
//! catch up from the store's cursor. Matching is CPU work: callers run it
//! off the async executor and pass a [`Cancel`] that their request's
//! timeout trips, and the work stops there.

mod catch_up;
mod entry;
mod history;
mod scoring;
mod swap;
mod tables;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use dix_bounce::verdict::{IncidentMatch, MatchQuery};

use crate::store::Store;

pub use catch_up::Applied;
pub use history::HistoryError;
pub use tables::Snapshot;

/// Slack around an incident's window when comparing bounce times, seconds.
const WINDOW_SLACK_SECS: i64 = 30 * 60;
/// Incidents still open, or ended within this long, live in memory; older
/// ones are found in the store, for bounces whose own time says they are
/// that old ([`MatchIndex::history`]). History accumulates; memory does not.
pub const MEMORY_WINDOW_SECS: i64 = 30 * 86_400;
/// Most matches returned per query.
pub const MAX_MATCHES: usize = 10;

/// Stops matching work whose request is gone: tripped by hand (the request
/// future was dropped, see [`Cancel::on_drop`]) or by its deadline. Cheap to
/// clone; the work checks it between candidates and before each text match.
#[derive(Clone, Debug)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

/// The work was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Cancel {
    /// Work that stops at `deadline` at the latest.
    pub fn until(deadline: Instant) -> Self {
        Self {
            flag: Arc::default(),
            deadline: Some(deadline),
        }
    }

    /// Work that runs to its end (tests, tools).
    pub fn never() -> Self {
        Self {
            flag: Arc::default(),
            deadline: None,
        }
    }

    /// Stops the work.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether the work should stop.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Err` once the work should stop.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// A guard that cancels the work when dropped: held by the request's
    /// future, so a timeout that drops the future stops the blocking work.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its [`Cancel`] when dropped.
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The index and the cursor that keeps it current.
#[derive(Default)]
pub struct MatchIndex {
    tables: Arc<swap::Tables>,
    /// The highest incident cursor applied; one catch-up at a time.
    cursor: tokio::sync::Mutex<i64>,
}

impl MatchIndex {
    /// A reader.
    pub fn snapshot(&self) -> SnapshotRef {
        SnapshotRef(self.tables.clone())
    }

    /// The issuers flagged for equivocation.
    fn flagged(&self) -> HashSet<String> {
        self.tables.current().flagged.clone()
    }

    /// Number of incidents indexed.
    pub fn len(&self) -> usize {
        self.tables.current().len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A handle for reading the index (cheap to clone, usable on any thread).
/// Each query reads the snapshot current when it starts, and never waits
/// for a writer.
#[derive(Clone)]
pub struct SnapshotRef(Arc<swap::Tables>);

impl SnapshotRef {
    /// The incidents in memory that may explain `q`: decisive ones first,
    /// then by score, at most [`MAX_MATCHES`]. CPU work: call it from a
    /// blocking thread.
    pub fn find(&self, q: &MatchQuery, cancel: &Cancel) -> Result<Vec<IncidentMatch>, Cancelled> {
        scoring::find(&self.0.current(), q, cancel)
    }

    /// [`find`](Self::find), and for a bounce older than the memory window
    /// the store's history too. Blocks on the store: call it from a
    /// blocking thread (`spawn_blocking`) inside the runtime.
    pub fn find_with_history(
        &self,
        index: &MatchIndex,
        store: &Store,
        q: &MatchQuery,
        cancel: &Cancel,
    ) -> Result<Vec<IncidentMatch>, Cancelled> {
        let recent = self.find(q, cancel)?;
        let past = match tokio::runtime::Handle::current().block_on(index.history(store, q, cancel))
        {
            Ok(past) => past,
            Err(HistoryError::Cancelled) => return Err(Cancelled),
            Err(HistoryError::Store(e)) => {
                tracing::warn!(error = %e, "reading past incidents failed; answering from memory");
                Vec::new()
            }
        };
        Ok(merge(recent, past))
    }
}

/// Both lists of matches, each incident once: decisive ones first, then by
/// score, at most [`MAX_MATCHES`].
pub fn merge(mut a: Vec<IncidentMatch>, b: Vec<IncidentMatch>) -> Vec<IncidentMatch> {
    for m in b {
        if !a
            .iter()
            .any(|x| x.issuer == m.issuer && x.incident == m.incident)
        {
            a.push(m);
        }
    }
    a.sort_by(|x, y| {
        y.decisive
            .cmp(&x.decisive)
            .then(y.score.total_cmp(&x.score))
            .then_with(|| x.incident.cmp(&y.incident))
    });
    a.truncate(MAX_MATCHES);
    a
}

/// Why the index could not catch up (it keeps its last good state).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the store failed.
    #[error("reading incidents: {0}")]
    Store(#[from] sqlx::Error),
    /// The blocking task reading the rows failed.
    #[error("reading incidents failed: {0}")]
    Parse(String),
}
