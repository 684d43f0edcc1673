//! The `equivocations` table: two different notices with the same
//! (issuer, seq), both kept in `notices` as evidence, the issuer flagged.

use std::collections::HashSet;

use sqlx::{Any, Row, Transaction};

use super::Store;
use super::notices::NoticeRow;

/// Two notices with the same (issuer, seq).
#[derive(Debug, Clone)]
pub struct EquivocationRow {
    /// The seq both claim.
    pub seq: i64,
    /// The notice seen first.
    pub first: NoticeRow,
    /// The conflicting one.
    pub second: NoticeRow,
    /// Unix seconds.
    pub detected_at: i64,
}

/// Records that the notice at `second` conflicts with the one at `first`.
pub(super) async fn record(
    tx: &mut Transaction<'_, Any>,
    issuer: &str,
    seq: i64,
    first: i64,
    second: i64,
    detected_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO equivocations (issuer, seq, first_cursor, second_cursor, detected_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(issuer)
        .bind(seq)
        .bind(first)
        .bind(second)
        .bind(detected_at)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

impl Store {
    /// Equivocation evidence for an issuer, with both notices.
    pub async fn equivocations(&self, issuer: &str) -> Result<Vec<EquivocationRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT seq, detected_at, first_cursor, second_cursor FROM equivocations \
             WHERE issuer = $1 ORDER BY seq, second_cursor",
        )
        .bind(issuer)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (first, second): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
            // Both cursors reference `notices` (foreign keys): present.
            let first = self.notice(first).await?.ok_or(sqlx::Error::RowNotFound)?;
            let second = self.notice(second).await?.ok_or(sqlx::Error::RowNotFound)?;
            out.push(EquivocationRow {
                seq: r.try_get(0)?,
                detected_at: r.try_get(1)?,
                first,
                second,
            });
        }
        Ok(out)
    }

    /// Cursors of an issuer's notices that take part in an equivocation
    /// (either side of a conflicting pair).
    pub async fn equivocating_cursors(&self, issuer: &str) -> Result<HashSet<i64>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT first_cursor, second_cursor FROM equivocations WHERE issuer = $1")
                .bind(issuer)
                .fetch_all(&self.pool)
                .await?;
        let mut out = HashSet::new();
        for r in rows {
            out.insert(r.try_get::<i64, _>(0)?);
            out.insert(r.try_get::<i64, _>(1)?);
        }
        Ok(out)
    }

    /// Issuers with equivocation evidence.
    pub async fn flagged_issuers(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query("SELECT DISTINCT issuer FROM equivocations")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }
}
