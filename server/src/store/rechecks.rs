//! The `scope_rechecks` table: notices whose scope checks met a DNS
//! failure, each with when to check it again and until when (see
//! `scope::recheck`). A re-check that settles writes the new verification
//! in the notice's row and, when the notice is its incident's current
//! revision, in the incident and its scope rows, in one transaction under
//! the feed's write turn (so no publish of the same incident interleaves).

use dix_schema::Notice;
use sqlx::Row;

use super::Store;
use crate::scope::ScopeField;
use crate::store::incidents::replace_scope_many;

/// A notice due for a re-check.
#[derive(Debug, Clone)]
pub struct RecheckRow {
    /// Its feed cursor.
    pub cursor: i64,
    /// Its signed bytes.
    pub bytes: Vec<u8>,
    /// Its verification JSON as stored.
    pub verification: String,
    /// Checks made since the first.
    pub attempts: i64,
    /// The last check is at or after this (unix seconds).
    pub until_at: i64,
}

impl Store {
    /// Schedules `cursor`'s notice for a re-check at `next_at`, until
    /// `until_at`; a notice already scheduled keeps its schedule.
    pub async fn schedule_recheck(
        &self,
        cursor: i64,
        next_at: i64,
        until_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO scope_rechecks (cursor, attempts, next_at, until_at) VALUES ($1, 0, $2, $3) \
             ON CONFLICT (cursor) DO NOTHING",
        )
        .bind(cursor)
        .bind(next_at)
        .bind(until_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Notices received at `since` or later whose stored verification has a
    /// claim marked `retry` but no re-check scheduled: (cursor, received_at).
    /// The schedule is written just after the notice's own commit; a crash
    /// between the two is caught here at the next start (one scan of the
    /// window's notices).
    pub async fn unscheduled_rechecks(&self, since: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT n.cursor, n.received_at FROM notices n \
             WHERE n.received_at >= $1 AND n.verification LIKE '%\"retry\":true%' \
             AND NOT EXISTS (SELECT 1 FROM scope_rechecks r WHERE r.cursor = n.cursor) \
             ORDER BY n.cursor",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Re-checks due at `now`, soonest first.
    pub async fn due_rechecks(&self, now: i64, limit: u32) -> Result<Vec<RecheckRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT r.cursor, n.bytes, n.verification, r.attempts, r.until_at \
             FROM scope_rechecks r JOIN notices n ON n.cursor = r.cursor \
             WHERE r.next_at <= $1 ORDER BY r.next_at, r.cursor LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RecheckRow {
                    cursor: r.try_get(0)?,
                    bytes: r.try_get(1)?,
                    verification: r.try_get(2)?,
                    attempts: r.try_get::<i64, _>(3)?,
                    until_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// How many re-checks are pending.
    pub async fn pending_rechecks(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) FROM scope_rechecks")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }

    /// DNS failed again: the next check waits until `next_at`.
    pub async fn recheck_later(
        &self,
        cursor: i64,
        attempts: i64,
        next_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE scope_rechecks SET attempts = $2, next_at = $3 WHERE cursor = $1")
            .bind(cursor)
            .bind(attempts)
            .bind(next_at)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Drops a re-check whose notice cannot be read.
    pub async fn recheck_done_unread(&self, cursor: i64) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM scope_rechecks WHERE cursor = $1")
            .bind(cursor)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// The re-check settled: stores the notice's new verification, and its
    /// incident's scope when the notice is the current revision; the
    /// schedule goes. Returns whether the incident's current state changed
    /// (then the matching index must load it again).
    pub async fn recheck_done(
        &self,
        cursor: i64,
        notice: &Notice,
        verification: &str,
        scope_verified: bool,
        scope: &[(ScopeField, String, bool)],
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_feed_write().await?;
        sqlx::query("UPDATE notices SET verification = $2 WHERE cursor = $1")
            .bind(cursor)
            .bind(verification)
            .execute(&mut **tx)
            .await?;
        let current = sqlx::query(
            "UPDATE incidents SET scope_verified = $3 WHERE issuer = $1 AND incident = $2 AND cursor = $4",
        )
        .bind(notice.issuer.as_str())
        .bind(notice.incident.to_string())
        .bind(i64::from(scope_verified))
        .bind(cursor)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            > 0;
        if current {
            replace_scope_many(&mut tx, self.backend, &[(notice, scope, false)]).await?;
        }
        sqlx::query("DELETE FROM scope_rechecks WHERE cursor = $1")
            .bind(cursor)
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(current)
    }
}
