//! Readers never wait for a writer: the tables they read are an immutable
//! snapshot behind an `Arc`, which a reader takes (a pointer copy under a
//! lock held for nothing else) and keeps for its whole query. A writer
//! changes a second copy and swaps it in.
//!
//! Two copies, left-right style: the writer applies a batch of changes to
//! the spare copy (the one readers saw before the last swap), swaps it in,
//! and keeps the batch to apply to the other copy next time. So a change
//! costs two applications, not a copy of the tables. Should a slow reader
//! still hold the spare copy when the next batch comes, the writer waits a
//! moment for it and then copies the live tables instead, so no reader can
//! hold up a publish for long.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::entry::Indexed;
use super::tables::Snapshot;

/// One change to the tables, as a batch carries it.
pub(super) enum Change {
    /// A new revision, read from the store (its symptoms not yet interned).
    Upsert(Box<Indexed>),
    /// The same revision, as the first copy interned it: for the second.
    Put(Arc<Indexed>),
    /// The incident left memory.
    Remove { issuer: String, incident: String },
    /// The issuers flagged for equivocation, all of them.
    Flagged(HashSet<String>),
}

/// How long a writer waits for readers to let go of the spare copy before
/// it copies the live one.
const SPARE_WAIT: Duration = Duration::from_millis(2);

/// The live snapshot, and the writer's spare one.
#[derive(Default)]
pub(super) struct Tables {
    live: RwLock<Arc<Snapshot>>,
    writer: Mutex<Writer>,
}

#[derive(Default)]
struct Writer {
    /// The copy readers saw before the last swap; `None` only mid-write.
    spare: Option<Arc<Snapshot>>,
    /// The last batch, applied to the live copy, not yet to the spare.
    behind: Vec<Change>,
}

impl Tables {
    /// The snapshot to read: it never changes while held.
    pub(super) fn current(&self) -> Arc<Snapshot> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Applies `changes` to the spare copy and swaps it in.
    pub(super) fn apply(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let behind = std::mem::take(&mut writer.behind);
        let mut spare = writer.spare.take().unwrap_or_default();
        let waited = Instant::now();
        while Arc::get_mut(&mut spare).is_none() && waited.elapsed() < SPARE_WAIT {
            std::thread::yield_now();
        }
        match Arc::get_mut(&mut spare) {
            Some(tables) => {
                apply_to(tables, behind);
            }
            None => {
                // A reader still holds it: start from the live tables,
                // which already have the last batch.
                spare = Arc::new((*self.current()).clone());
            }
        }
        let tables = Arc::get_mut(&mut spare).expect("a fresh or unshared copy");
        let applied = apply_to(tables, changes);
        let old = std::mem::replace(
            &mut *self.live.write().unwrap_or_else(|e| e.into_inner()),
            spare,
        );
        writer.spare = Some(old);
        writer.behind = applied;
    }
}

/// Applies `changes` to `tables`; returns them as the other copy takes them.
fn apply_to(tables: &mut Snapshot, changes: Vec<Change>) -> Vec<Change> {
    let mut replay = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::Upsert(entry) => replay.push(Change::Put(tables.upsert(*entry))),
            Change::Put(entry) => {
                tables.put(entry.clone());
                replay.push(Change::Put(entry));
            }
            Change::Remove { issuer, incident } => {
                tables.remove(&issuer, &incident);
                replay.push(Change::Remove { issuer, incident });
            }
            Change::Flagged(flagged) => {
                tables.flagged = flagged.clone();
                replay.push(Change::Flagged(flagged));
            }
        }
    }
    replay
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::scoring::tests::incident;
    use super::*;
    use crate::scope::ClaimStatus;

    fn upsert(id: &str) -> Change {
        Change::Upsert(Box::new(incident(
            "isp.example",
            id,
            1,
            json!({"recipient_domains": ["isp.example"]}),
            json!([{"reply": 451}]),
            ClaimStatus::Verified,
        )))
    }

    /// A reader keeps the snapshot it took while writers change the
    /// tables; both copies end up with every change, whether the spare was
    /// free or held by a slow reader.
    #[test]
    fn readers_keep_their_snapshot_and_both_copies_converge() {
        let tables = Tables::default();
        let ids: Vec<String> = (0..4)
            .map(|i| format!("0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c{i:04x}"))
            .collect();
        tables.apply(vec![upsert(&ids[0])]);
        let held = tables.current();
        tables.apply(vec![upsert(&ids[1])]);
        // `held` is the spare now: the next write copies the live tables.
        tables.apply(vec![upsert(&ids[2])]);
        assert_eq!(held.len(), 1, "a reader's snapshot never changes");
        drop(held);
        tables.apply(vec![Change::Remove {
            issuer: "isp.example".into(),
            incident: ids[0].clone(),
        }]);
        tables.apply(vec![upsert(&ids[3])]);
        tables.apply(vec![Change::Flagged(["isp.example".to_owned()].into())]);
        let live = tables.current();
        assert_eq!(live.len(), 3);
        assert!(live.flagged.contains("isp.example"));
        // The spare, caught up by one more write, agrees.
        drop(live);
        tables.apply(vec![Change::Flagged(HashSet::new())]);
        let writer = tables.writer.lock().unwrap();
        let spare = writer.spare.as_ref().unwrap();
        let mut spare = (**spare).clone();
        apply_to(
            &mut spare,
            writer
                .behind
                .iter()
                .map(|c| match c {
                    Change::Put(e) => Change::Put(e.clone()),
                    Change::Flagged(f) => Change::Flagged(f.clone()),
                    Change::Remove { issuer, incident } => Change::Remove {
                        issuer: issuer.clone(),
                        incident: incident.clone(),
                    },
                    Change::Upsert(_) => unreachable!("batches are kept as puts"),
                })
                .collect(),
        );
        assert_eq!(spare.len(), 3);
        assert!(spare.flagged.is_empty());
    }
}
