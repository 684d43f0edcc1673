//! The `notices` table (the append-only feed), and publishing: storing a
//! verified notice and moving its incident forward, in one transaction.

use std::collections::{HashMap, HashSet};

use dix_schema::SignedNotice;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use super::{Backend, Store, flag};
use crate::scope::ScopeField;
use crate::store::equivocations;
use crate::store::incidents::{Revision, replace_scope_many, upsert_many};
use crate::store::issuers::record_key;
use crate::store::rows::{self, Value};

/// A verified notice and what the node learned while verifying it.
pub struct NewNotice<'a> {
    /// The notice.
    pub notice: &'a SignedNotice,
    /// JSON text: key source and scope checks.
    pub verification: String,
    /// Whether every scope entry was verified.
    pub scope_verified: bool,
    /// Per-entry scope results: (field, value, verified).
    pub scope: Vec<(ScopeField, String, bool)>,
    /// The public key (base64) it verified under, and where the key came from.
    pub key: (String, &'static str),
    /// "direct", "demo" or a peer URL.
    pub source: String,
    /// Unix seconds.
    pub received_at: i64,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// Stored. `current` says whether it became its incident's current
    /// revision (false: a lower seq arrived late; kept as history only).
    Stored {
        /// Feed cursor.
        cursor: i64,
        /// Became current.
        current: bool,
    },
    /// These exact bytes were already stored.
    Replay {
        /// The existing cursor.
        cursor: i64,
    },
    /// Another notice has the same (issuer, seq): both kept, issuer flagged.
    Equivocation {
        /// This notice's cursor.
        cursor: i64,
        /// The earlier notice's cursor.
        earlier: i64,
    },
}

/// A stored notice.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    /// Feed cursor.
    pub cursor: i64,
    /// Signed bytes.
    pub bytes: Vec<u8>,
    /// Verification JSON.
    pub verification: String,
    /// Unix seconds.
    pub received_at: i64,
    /// Where it came from.
    pub source: String,
}

/// One page of the feed.
#[derive(Debug, Clone)]
pub struct FeedPage {
    /// Notices in cursor order.
    pub notices: Vec<NoticeRow>,
    /// Whether more follow.
    pub more: bool,
}

/// The advisory lock every feed writer holds until it commits ("dix feed").
const FEED_LOCK: i64 = 0x0064_6978_6665_6564;

/// A transaction holding the feed's write turn.
pub(super) struct FeedWrite<'s> {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::MutexGuard<'s, ()>>,
}

impl FeedWrite<'_> {
    /// Commits (and gives up the turn).
    pub(super) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for FeedWrite<'_> {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for FeedWrite<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Stores a batch (one notice or a page) in one transaction.
pub(super) async fn publish_all(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[NewNotice<'_>],
) -> Result<Vec<PublishOutcome>, sqlx::Error> {
    publish_batch(tx, backend, batch).await
}

/// (issuer, selector, public key) already recorded in this transaction.
pub(super) type KeysSeen = std::collections::HashSet<(String, String, String)>;

/// SHA-256 of the signed bytes, hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Store {
    /// Stores a verified notice, durably, and updates its incident.
    pub async fn publish(&self, new: NewNotice<'_>) -> Result<PublishOutcome, sqlx::Error> {
        let mut outcomes = self.publish_many(std::slice::from_ref(&new)).await?;
        Ok(outcomes.pop().expect("one outcome per notice"))
    }

    /// Stores many verified notices in one transaction (a federation page, a
    /// bulk load): one commit, so one fsync, for the lot.
    pub async fn publish_many(
        &self,
        batch: &[NewNotice<'_>],
    ) -> Result<Vec<PublishOutcome>, sqlx::Error> {
        let mut tx = self.begin_feed_write().await?;
        let outcomes = publish_all(&mut tx, self.backend, batch).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// A transaction that may append to the feed. Feed positions must be
    /// handed out in commit order — once cursor N has been served, nothing
    /// below N may appear — or a peer reading at N would silently skip a row
    /// committed later with N−1. PostgreSQL's identity values are taken at
    /// INSERT and commit in any order under concurrent writers (and under
    /// several dixd replicas), so every feed writer first takes one
    /// transaction-scoped advisory lock: the next writer's values are drawn
    /// after this one has committed. SQLite has one writer already; taking
    /// turns here avoids SQLITE_BUSY on lock upgrades. Throughput comes from
    /// batching (a sync page is one transaction), not from parallel commits.
    pub(super) async fn begin_feed_write(&self) -> Result<FeedWrite<'_>, sqlx::Error> {
        let turn = match self.backend {
            Backend::Sqlite => Some(self.write_turn.lock().await),
            Backend::Postgres => None,
        };
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(FEED_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(FeedWrite { tx, _turn: turn })
    }

    /// Notice count and highest seq of an issuer.
    pub async fn issuer_summary(&self, issuer: &str) -> Result<(i64, Option<i64>), sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*), MAX(seq) FROM notices WHERE issuer = $1")
            .bind(issuer)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Notices with cursor > `after`, in order, at most `limit`.
    pub async fn feed(&self, after: i64, limit: u32) -> Result<FeedPage, sqlx::Error> {
        let rows = sqlx::query("SELECT cursor, bytes, verification, received_at, source FROM notices WHERE cursor > $1 ORDER BY cursor LIMIT $2")
            .bind(after)
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut notices = rows.iter().map(notice_row).collect::<Result<Vec<_>, _>>()?;
        let more = notices.len() > limit as usize;
        notices.truncate(limit as usize);
        Ok(FeedPage { notices, more })
    }

    /// The highest cursor, 0 when empty.
    pub async fn last_cursor(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT COALESCE(MAX(cursor), 0) FROM notices")
            .fetch_one(&self.pool)
            .await?;
        row.try_get(0)
    }

    /// Every revision of one incident, oldest seq first.
    pub async fn revisions(
        &self,
        issuer: &str,
        incident: &str,
    ) -> Result<Vec<NoticeRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT cursor, bytes, verification, received_at, source FROM notices WHERE issuer = $1 AND incident = $2 ORDER BY seq, cursor")
            .bind(issuer)
            .bind(incident)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notice_row).collect()
    }

    /// One notice by cursor.
    pub async fn notice(&self, cursor: i64) -> Result<Option<NoticeRow>, sqlx::Error> {
        let row = sqlx::query("SELECT cursor, bytes, verification, received_at, source FROM notices WHERE cursor = $1").bind(cursor).fetch_optional(&self.pool).await?;
        row.as_ref().map(notice_row).transpose()
    }
}

/// What a batch found already stored: (cursor, digest, issuer, seq, incident).
type KnownRow = (i64, String, String, i64, String);

/// Notices already stored that a batch could meet: the same bytes, the
/// same (issuer, seq), or the same incident. A few statements per chunk.
async fn known_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    items: &[(&str, &str, i64, String)],
) -> Result<Vec<KnownRow>, sqlx::Error> {
    let mut out = Vec::new();
    let read = |r: &sqlx::any::AnyRow| -> Result<KnownRow, sqlx::Error> {
        Ok((
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
        ))
    };
    for chunk in items.chunks(rows::rows_per_statement(backend, 2)) {
        let list = |from: usize| -> String {
            (0..chunk.len())
                .map(|i| format!("${}", from + i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "SELECT cursor, digest, issuer, seq, incident FROM notices WHERE digest IN ({})",
            list(1)
        );
        let args = chunk
            .iter()
            .map(|(d, ..)| Value::Text((*d).to_owned()))
            .collect();
        for r in rows::query(&sql, args).fetch_all(&mut **tx).await? {
            out.push(read(&r)?);
        }
        let mut issuers: Vec<&str> = chunk.iter().map(|(_, i, ..)| *i).collect();
        issuers.sort_unstable();
        issuers.dedup();
        for issuer in issuers {
            let mine: Vec<_> = chunk.iter().filter(|(_, i, ..)| *i == issuer).collect();
            let seqs: Vec<String> = (0..mine.len()).map(|k| format!("${}", k + 2)).collect();
            let ids: Vec<String> = (0..mine.len())
                .map(|k| format!("${}", k + 2 + mine.len()))
                .collect();
            let sql = format!(
                "SELECT cursor, digest, issuer, seq, incident FROM notices WHERE issuer = $1 AND seq IN ({}) \
                 UNION ALL SELECT cursor, digest, issuer, seq, incident FROM notices WHERE issuer = $1 AND incident IN ({})",
                seqs.join(", "),
                ids.join(", ")
            );
            let mut args = vec![Value::Text(issuer.to_owned())];
            args.extend(mine.iter().map(|(_, _, seq, _)| Value::Int(*seq)));
            args.extend(mine.iter().map(|(.., id)| Value::Text(id.clone())));
            for r in rows::query(&sql, args).fetch_all(&mut **tx).await? {
                out.push(read(&r)?);
            }
        }
    }
    Ok(out)
}

/// Inserts notices in multi-row statements; their cursors by digest.
async fn insert_many(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new: &[(&NewNotice<'_>, &str)],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut cursors = HashMap::with_capacity(new.len());
    for chunk in new.chunks(rows::rows_per_statement(backend, 9)) {
        let sql = format!(
            "INSERT INTO notices (digest, issuer, selector, seq, incident, bytes, verification, received_at, source) \
             VALUES {} RETURNING cursor, digest",
            rows::values(chunk.len(), 9)
        );
        let mut args = Vec::with_capacity(chunk.len() * 9);
        for (new, digest) in chunk {
            let n = new.notice.notice();
            args.extend([
                Value::Text((*digest).to_owned()),
                Value::Text(n.issuer.to_string()),
                Value::Text(n.key.to_string()),
                Value::Int(i64::try_from(n.seq).expect("seq <= 2^53 by the schema")),
                Value::Text(n.incident.to_string()),
                Value::Bytes(new.notice.as_bytes().to_vec()),
                Value::Text(new.verification.clone()),
                Value::Int(new.received_at),
                Value::Text(new.source.clone()),
            ]);
        }
        for r in rows::query(&sql, args).fetch_all(&mut **tx).await? {
            cursors.insert(r.try_get::<String, _>(1)?, r.try_get(0)?);
        }
    }
    Ok(cursors)
}

/// Where a notice of the batch already is: stored before, or earlier in
/// the batch (its cursor known once the batch is inserted).
#[derive(Clone, Copy)]
enum Seen {
    Stored(i64),
    InBatch(usize),
}

/// Stores verified notices and moves their incidents forward, in a handful
/// of statements whatever the batch's size: one look for what is known
/// (the same bytes: a replay; the same issuer and seq: equivocation; earlier
/// revisions of the incident), then multi-row inserts of the notices,
/// incidents and scope rows. Notices of one batch meet each other as if
/// stored one by one; `current` says whether the notice is its incident's
/// current revision when the batch commits.
pub(super) async fn publish_batch(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[NewNotice<'_>],
) -> Result<Vec<PublishOutcome>, sqlx::Error> {
    let digests: Vec<String> = batch.iter().map(|n| digest(n.notice.as_bytes())).collect();
    let facts: Vec<(&str, &str, i64, String)> = batch
        .iter()
        .zip(&digests)
        .map(|(new, d)| {
            let n = new.notice.notice();
            (
                d.as_str(),
                n.issuer.as_str(),
                i64::try_from(n.seq).expect("seq <= 2^53 by the schema"),
                n.incident.to_string(),
            )
        })
        .collect();
    let mut by_digest: HashMap<String, Seen> = HashMap::new();
    let mut first_of_seq: HashMap<(String, i64), Seen> = HashMap::new();
    let mut stored_incidents: HashSet<(String, String)> = HashSet::new();
    let mut known = known_many(tx, backend, &facts).await?;
    known.sort_by_key(|k| k.0);
    for (cursor, digest, issuer, seq, incident) in known {
        by_digest.entry(digest).or_insert(Seen::Stored(cursor));
        first_of_seq
            .entry((issuer.clone(), seq))
            .or_insert(Seen::Stored(cursor));
        stored_incidents.insert((issuer, incident));
    }

    enum Plan {
        Replay(Seen),
        Equivocation(Seen),
        Stored,
    }
    let mut plans = Vec::with_capacity(batch.len());
    let mut to_insert: Vec<(&NewNotice<'_>, &str)> = Vec::new();
    for (i, ((digest, issuer, seq, _), new)) in facts.iter().zip(batch).enumerate() {
        if let Some(seen) = by_digest.get(*digest) {
            plans.push(Plan::Replay(*seen));
            continue;
        }
        by_digest.insert((*digest).to_owned(), Seen::InBatch(i));
        to_insert.push((new, digest));
        match first_of_seq.get(&((*issuer).to_owned(), *seq)) {
            Some(seen) => plans.push(Plan::Equivocation(*seen)),
            None => {
                first_of_seq.insert(((*issuer).to_owned(), *seq), Seen::InBatch(i));
                plans.push(Plan::Stored);
            }
        }
    }
    let cursors = insert_many(tx, backend, &to_insert).await?;
    let cursor_of = |seen: Seen| -> i64 {
        match seen {
            Seen::Stored(c) => c,
            Seen::InBatch(i) => cursors[&digests[i]],
        }
    };

    // A key's last sighting once per transaction is enough.
    let mut keys_seen = KeysSeen::new();
    for (new, _) in &to_insert {
        let n = new.notice.notice();
        if keys_seen.insert((n.issuer.to_string(), n.key.to_string(), new.key.0.clone())) {
            record_key(
                tx,
                n.issuer.as_str(),
                n.key.as_str(),
                &new.key.0,
                new.key.1,
                new.received_at,
            )
            .await?;
        }
    }

    // Each incident's highest seq in the batch is its candidate revision.
    let mut newest: HashMap<(&str, String), usize> = HashMap::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for (i, plan) in plans.iter().enumerate() {
        let (digest, issuer, seq, incident) = &facts[i];
        outcomes.push(match plan {
            Plan::Replay(seen) => PublishOutcome::Replay {
                cursor: cursor_of(*seen),
            },
            Plan::Equivocation(seen) => {
                let (cursor, earlier) = (cursors[*digest], cursor_of(*seen));
                equivocations::record(tx, issuer, *seq, earlier, cursor, batch[i].received_at)
                    .await?;
                PublishOutcome::Equivocation { cursor, earlier }
            }
            Plan::Stored => {
                let slot = newest.entry((issuer, incident.clone())).or_insert(i);
                if facts[*slot].2 < *seq {
                    *slot = i;
                }
                PublishOutcome::Stored {
                    cursor: cursors[*digest],
                    current: false,
                }
            }
        });
    }
    let mut picks: Vec<usize> = newest.into_values().collect();
    picks.sort_unstable();
    let revisions: Vec<Revision<'_>> = picks
        .iter()
        .map(|&i| Revision {
            notice: batch[i].notice.notice(),
            cursor: cursors[&digests[i]],
            scope_verified: flag(batch[i].scope_verified),
        })
        .collect();
    let changed = upsert_many(tx, backend, &revisions).await?;
    let mut scopes = Vec::new();
    for &i in &picks {
        let (_, issuer, _, incident) = &facts[i];
        let key = ((*issuer).to_owned(), incident.clone());
        if changed.contains(&key) {
            if let PublishOutcome::Stored { current, .. } = &mut outcomes[i] {
                *current = true;
            }
            scopes.push((
                batch[i].notice.notice(),
                batch[i].scope.as_slice(),
                !stored_incidents.contains(&key),
            ));
        }
    }
    replace_scope_many(tx, backend, &scopes).await?;
    Ok(outcomes)
}

pub(super) fn notice_row(row: &sqlx::any::AnyRow) -> Result<NoticeRow, sqlx::Error> {
    notice_row_at(row, 0)
}

/// A notice row from the columns cursor, bytes, verification, received_at,
/// source starting at column `at`.
pub(super) fn notice_row_at(row: &sqlx::any::AnyRow, at: usize) -> Result<NoticeRow, sqlx::Error> {
    Ok(NoticeRow {
        cursor: row.try_get(at)?,
        bytes: row.try_get(at + 1)?,
        verification: row.try_get(at + 2)?,
        received_at: row.try_get(at + 3)?,
        source: row.try_get(at + 4)?,
    })
}

impl Store {
    /// The verification stored with these exact bytes (by their digest),
    /// if they are stored: a replay is known before anything is looked up.
    pub async fn verification_of(&self, digest: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query("SELECT verification FROM notices WHERE digest = $1")
            .bind(digest)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()
    }

    /// [`verification_of`](Self::verification_of) for a page of digests at
    /// once: digest → verification, for those stored.
    pub async fn verifications_of(
        &self,
        digests: &[String],
    ) -> Result<HashMap<String, String>, sqlx::Error> {
        let mut out = HashMap::new();
        for chunk in digests.chunks(rows::rows_per_statement(self.backend, 1)) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT digest, verification FROM notices WHERE digest IN ({})",
                list.join(", ")
            );
            let args = chunk.iter().map(|d| Value::Text(d.clone())).collect();
            for r in rows::query(&sql, args).fetch_all(&self.pool).await? {
                out.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(out)
    }

    /// (cursor, SHA-256 of the bytes) of notices after `after`, in feed
    /// order: the transparency log's leaves.
    pub async fn feed_digests(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, [u8; 32])>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT cursor, digest FROM notices WHERE cursor > $1 ORDER BY cursor LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let digest: String = r.try_get(1)?;
                let bytes = hex::decode(&digest)
                    .ok()
                    .and_then(|d| <[u8; 32]>::try_from(d).ok())
                    .ok_or_else(|| {
                        sqlx::Error::Decode(
                            format!("notice digest {digest:?} is not SHA-256 hex").into(),
                        )
                    })?;
                Ok((r.try_get(0)?, bytes))
            })
            .collect()
    }
}
