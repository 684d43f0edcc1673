//! The `issuer_keys` and `equivocations` tables: what the node knows about
//! an issuer beyond its notices.

use sqlx::{Any, Row, Transaction};

use super::Store;
use super::notices::{NoticeRow, notice_row_at};

/// A key an issuer has signed with.
#[derive(Debug, Clone)]
pub struct IssuerKeyRow {
    /// Selector.
    pub selector: String,
    /// Base64 public key.
    pub public_key: String,
    /// "dns" or "pinned".
    pub source: String,
    /// Unix seconds.
    pub first_seen: i64,
    /// Unix seconds.
    pub last_seen: i64,
}

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

pub(super) async fn record_key(
    tx: &mut Transaction<'_, Any>,
    issuer: &str,
    selector: &str,
    public_key: &str,
    source: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO issuer_keys (issuer, selector, public_key, source, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (issuer, selector, public_key) DO UPDATE SET last_seen = excluded.last_seen, source = excluded.source",
    )
    .bind(issuer)
    .bind(selector)
    .bind(public_key)
    .bind(source)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Keys seen for an issuer, newest first.
    pub async fn issuer_keys(&self, issuer: &str) -> Result<Vec<IssuerKeyRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT selector, public_key, source, first_seen, last_seen FROM issuer_keys WHERE issuer = $1 ORDER BY last_seen DESC, selector")
            .bind(issuer)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(IssuerKeyRow {
                    selector: r.try_get(0)?,
                    public_key: r.try_get(1)?,
                    source: r.try_get(2)?,
                    first_seen: r.try_get(3)?,
                    last_seen: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Equivocation evidence for an issuer, with both notices.
    pub async fn equivocations(&self, issuer: &str) -> Result<Vec<EquivocationRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT e.seq, e.detected_at, \
                    a.cursor, a.bytes, a.verification, a.received_at, a.source, \
                    b.cursor, b.bytes, b.verification, b.received_at, b.source \
             FROM equivocations e JOIN notices a ON a.cursor = e.first_cursor JOIN notices b ON b.cursor = e.second_cursor \
             WHERE e.issuer = $1 ORDER BY e.seq, e.second_cursor",
        )
        .bind(issuer)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EquivocationRow {
                    seq: r.try_get(0)?,
                    detected_at: r.try_get(1)?,
                    first: notice_row_at(r, 2)?,
                    second: notice_row_at(r, 7)?,
                })
            })
            .collect()
    }

    /// Cursors of an issuer's notices that take part in an equivocation
    /// (either side of a conflicting pair).
    pub async fn equivocating_cursors(
        &self,
        issuer: &str,
    ) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT first_cursor, second_cursor FROM equivocations WHERE issuer = $1")
                .bind(issuer)
                .fetch_all(&self.pool)
                .await?;
        let mut out = std::collections::HashSet::new();
        for r in rows {
            out.insert(r.try_get::<i64, _>(0)?);
            out.insert(r.try_get::<i64, _>(1)?);
        }
        Ok(out)
    }

    /// Notice count and highest seq of an issuer.
    pub async fn issuer_summary(&self, issuer: &str) -> Result<(i64, Option<i64>), sqlx::Error> {
        let row = sqlx::query("SELECT COUNT(*), MAX(seq) FROM notices WHERE issuer = $1")
            .bind(issuer)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Selectors this issuer is known to have used.
    pub async fn known_selectors(&self, issuer: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT DISTINCT selector FROM issuer_keys WHERE issuer = $1 ORDER BY selector",
        )
        .bind(issuer)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get(0)).collect()
    }
}
