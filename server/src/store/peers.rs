//! The `peers` table: per peer, the feed cursor, the peer's Merkle frontier,
//! its node key, the last checkpoint verified and the counts. A pull stores
//! a page's notices and moves the cursor in one transaction.

use std::collections::BTreeMap;

use sqlx::Row;

use super::Store;
use super::notices::{NewNotice, PublishOutcome, publish_all};

/// What the node holds of one peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerRow {
    /// The peer's URL.
    pub url: String,
    /// Ask the feed after this.
    pub cursor: i64,
    /// The peer's tree as pulled (`Frontier::encode`).
    pub frontier: String,
    /// The peer's node key (base64).
    pub node_key: Option<String>,
    /// The last checkpoint note verified.
    pub checkpoint: Option<String>,
    /// JSON evidence, when its log was found rewritten.
    pub halted: Option<String>,
    /// New notices it brought.
    pub received: i64,
    /// Rejections by code.
    pub rejected: BTreeMap<String, i64>,
    /// Unix seconds of the last complete pull.
    pub last_success: Option<i64>,
}

/// How a pulled page moves a peer's state forward.
#[derive(Debug, Clone)]
pub struct PeerAdvance {
    /// The new cursor.
    pub cursor: i64,
    /// The new frontier.
    pub frontier: String,
    /// Rejections in the page, by code.
    pub rejected: BTreeMap<String, i64>,
    /// Unix seconds, when the page was the feed's last.
    pub complete_at: Option<i64>,
}

impl Store {
    /// The state of a peer, if the node has pulled from it before.
    pub async fn peer(&self, url: &str) -> Result<Option<PeerRow>, sqlx::Error> {
        let row = sqlx::query("SELECT url, cursor, frontier, node_key, checkpoint, halted, received, rejected, last_success FROM peers WHERE url = $1")
            .bind(url)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let rejected: String = r.try_get(7)?;
            Ok(PeerRow {
                url: r.try_get(0)?,
                cursor: r.try_get(1)?,
                frontier: r.try_get(2)?,
                node_key: r.try_get(3)?,
                checkpoint: r.try_get(4)?,
                halted: r.try_get(5)?,
                received: r.try_get(6)?,
                rejected: serde_json::from_str(&rejected).unwrap_or_default(),
                last_success: r.try_get(8)?,
            })
        })
        .transpose()
    }

    /// Stores a page of verified notices from `url` and moves its state, in
    /// one transaction: the cursor never runs ahead of what is stored.
    pub async fn publish_from_peer(
        &self,
        url: &str,
        batch: &[NewNotice<'_>],
        advance: &PeerAdvance,
    ) -> Result<Vec<PublishOutcome>, sqlx::Error> {
        let mut tx = self.begin_feed_write().await?;
        let outcomes = publish_all(&mut tx, self.backend, batch).await?;
        let before =
            sqlx::query("SELECT received, rejected, last_success FROM peers WHERE url = $1")
                .bind(url)
                .fetch_optional(&mut **tx)
                .await?;
        let (mut received, mut rejected, mut last_success) = (0i64, BTreeMap::new(), None);
        if let Some(r) = before {
            received = r.try_get(0)?;
            let text: String = r.try_get(1)?;
            rejected = serde_json::from_str::<BTreeMap<String, i64>>(&text).unwrap_or_default();
            last_success = r.try_get(2)?;
        }
        // What was new here (not a replay) counts as received from the peer.
        received += outcomes
            .iter()
            .filter(|o| !matches!(o, PublishOutcome::Replay { .. }))
            .count() as i64;
        for (code, n) in &advance.rejected {
            *rejected.entry(code.clone()).or_default() += n;
        }
        last_success = advance.complete_at.or(last_success);
        let rejected = serde_json::to_string(&rejected).expect("a map of counts serialises");
        sqlx::query(
            "INSERT INTO peers (url, cursor, frontier, received, rejected, last_success) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (url) DO UPDATE SET cursor = excluded.cursor, frontier = excluded.frontier, \
             received = excluded.received, rejected = excluded.rejected, last_success = excluded.last_success",
        )
        .bind(url)
        .bind(advance.cursor)
        .bind(&advance.frontier)
        .bind(received)
        .bind(&rejected)
        .bind(last_success)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Remembers the peer's key and the last checkpoint verified.
    pub async fn save_peer_checkpoint(
        &self,
        url: &str,
        node_key: &str,
        note: &str,
    ) -> Result<(), sqlx::Error> {
        self.ensure_peer(url).await?;
        sqlx::query("UPDATE peers SET node_key = $2, checkpoint = $3 WHERE url = $1")
            .bind(url)
            .bind(node_key)
            .bind(note)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Stops trusting a peer for further entries, keeping the evidence.
    pub async fn halt_peer(&self, url: &str, evidence: &str) -> Result<(), sqlx::Error> {
        self.ensure_peer(url).await?;
        sqlx::query("UPDATE peers SET halted = $2 WHERE url = $1")
            .bind(url)
            .bind(evidence)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Forgets everything about a peer (an operator's decision after a
    /// halt): the next pull starts from its first entry; what is already
    /// stored is kept and arrives again as replays.
    pub async fn forget_peer(&self, url: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM peers WHERE url = $1")
            .bind(url)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn ensure_peer(&self, url: &str) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO peers (url, cursor, frontier, received, rejected) VALUES ($1, 0, '0:', 0, '{}') ON CONFLICT (url) DO NOTHING")
            .bind(url)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}
