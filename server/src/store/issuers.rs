//! The `issuer_keys` table: the keys each issuer has been seen signing
//! with. (Equivocation evidence is `equivocations.rs`'s; an issuer's notices
//! are `notices.rs`'s.)

use sqlx::{Any, Row, Transaction};

use super::Store;

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
