//! Keeping the index in step with the store: the first load (everything
//! open or ended within the memory window), then every incident change
//! after the last one applied, from the store's cursor — what a publish
//! runs before it answers, and what a replica sharing the database runs on
//! a timer. Also the slower chores on their own timers: eviction of
//! incidents that became history, and the reload of flagged issuers.
//!
//! Hostile or broken rows are rejected one by one, as routinator rejects
//! one bad object: a row that cannot be read is logged, counted, and the
//! cursor moves past it; the tables keep the last good revision of that
//! incident, and every other row is applied. A failure to read the store
//! at all leaves tables and cursor as they were, and the next round
//! retries.

use std::collections::HashSet;

use dix_schema::types::Timestamp;

use super::entry::{Indexed, read_row};
use super::swap::Change;
use super::{IndexError, MEMORY_WINDOW_SECS, MatchIndex, WINDOW_SLACK_SECS};
use crate::store::{IndexRow, Store};

/// Rows read from the store per round.
const BATCH: u32 = 5000;

/// What one round of loading or catching up did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Rows read and applied.
    pub rows: usize,
    /// Rows that could not be read: skipped (logged; the cursor moved past).
    pub skipped: usize,
}

impl std::ops::AddAssign for Applied {
    fn add_assign(&mut self, other: Self) {
        self.rows += other.rows;
        self.skipped += other.skipped;
    }
}

/// Whether an incident ended before the memory window (with the slack a
/// bounce time gets).
pub(super) fn is_history(entry: &Indexed, now: i64) -> bool {
    entry
        .notice
        .ended_at
        .is_some_and(|e| e.unix() + WINDOW_SLACK_SECS < now - MEMORY_WINDOW_SECS)
}

impl MatchIndex {
    /// The first load: every incident open or ended within the memory
    /// window, leaving history in the store; later changes come through
    /// [`catch_up`](Self::catch_up).
    pub async fn load(&self, store: &Store) -> Result<Applied, IndexError> {
        let mut cursor = self.cursor.lock().await;
        let top = store.last_incident_cursor().await?;
        let cutoff = Timestamp::now().unix() - MEMORY_WINDOW_SECS - WINDOW_SLACK_SECS;
        let mut after = *cursor;
        let mut done = Applied::default();
        loop {
            let rows = store.recent_incidents(after, top, cutoff, BATCH).await?;
            let Some(last) = last_cursor(&rows) else {
                break;
            };
            done += self.apply(rows).await?;
            after = last;
        }
        *cursor = (*cursor).max(top);
        Ok(done)
    }

    /// Applies every incident change stored after the last one applied.
    /// Reading runs off the async executor; the cursor moves once the rows
    /// are in the tables (past the unreadable ones too).
    pub async fn catch_up(&self, store: &Store) -> Result<Applied, IndexError> {
        let mut cursor = self.cursor.lock().await;
        let mut done = Applied::default();
        loop {
            let rows = store.incidents_changed_since(*cursor, BATCH).await?;
            let Some(last) = last_cursor(&rows) else {
                break;
            };
            done += self.apply(rows).await?;
            *cursor = (*cursor).max(last);
        }
        Ok(done)
    }

    /// Loads these (issuer, incident) pairs again from the store: their
    /// stored scope was re-checked in place (`scope::recheck`), so their
    /// cursor did not move and [`catch_up`](Self::catch_up) would not see it.
    pub async fn refresh(
        &self,
        store: &Store,
        incidents: &[(String, String)],
    ) -> Result<Applied, IndexError> {
        let mut rows = Vec::new();
        for (issuer, id) in incidents {
            if let Some(row) = store.incident_of(issuer, id).await? {
                rows.push(Ok(row));
            }
        }
        self.apply(rows).await
    }

    /// Reads rows off the async executor, then puts each in the tables (or
    /// takes it out, when it has become history). Unreadable rows are
    /// logged and counted, and change nothing.
    async fn apply(&self, rows: Vec<IndexRow>) -> Result<Applied, IndexError> {
        let read = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .map(|row| match row {
                    Ok(row) => read_row(row).map_err(|bad| (bad.cursor, bad.incident, bad.reason)),
                    Err((cursor, e)) => Err((cursor, String::new(), format!("its columns: {e}"))),
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| IndexError::Parse(e.to_string()))?;
        let mut done = Applied::default();
        let mut entries = Vec::with_capacity(read.len());
        for r in read {
            match r {
                Ok(entry) => entries.push(entry),
                Err((cursor, incident, reason)) => {
                    done.skipped += 1;
                    tracing::error!(
                        cursor,
                        incident,
                        reason,
                        "a stored incident cannot be read: skipped by the matching index, which keeps its last good revision"
                    );
                }
            }
        }
        done.rows = entries.len();
        let now = Timestamp::now().unix();
        let changes = entries
            .into_iter()
            .map(|entry| {
                if is_history(&entry, now) {
                    Change::Remove {
                        issuer: entry.issuer,
                        incident: entry.incident,
                    }
                } else {
                    Change::Upsert(Box::new(entry))
                }
            })
            .collect();
        let tables = self.tables.clone();
        tokio::task::spawn_blocking(move || tables.apply(changes))
            .await
            .map_err(|e| IndexError::Parse(e.to_string()))?;
        Ok(done)
    }

    /// Drops incidents that ended before the memory window; returns how many.
    pub fn evict_history(&self) -> usize {
        let now = Timestamp::now().unix();
        let old: Vec<Change> = self
            .tables
            .current()
            .entries()
            .filter(|e| is_history(e, now))
            .map(|e| Change::Remove {
                issuer: e.issuer.clone(),
                incident: e.incident.clone(),
            })
            .collect();
        let evicted = old.len();
        self.tables.apply(old);
        evicted
    }

    /// Reloads which issuers are flagged for equivocation.
    pub async fn reload_flagged(&self, store: &Store) -> Result<(), IndexError> {
        let flagged: HashSet<String> = store.flagged_issuers().await?.into_iter().collect();
        if self.flagged() != flagged {
            self.tables.apply(vec![Change::Flagged(flagged)]);
        }
        Ok(())
    }
}

/// The highest cursor among `rows` (read or not).
fn last_cursor(rows: &[IndexRow]) -> Option<i64> {
    rows.iter()
        .map(|r| match r {
            Ok(row) => row.cursor,
            Err((cursor, _)) => *cursor,
        })
        .max()
}
