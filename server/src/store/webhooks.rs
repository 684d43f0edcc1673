//! The `webhooks` and `webhook_outbox` tables: per subscription, how far the
//! feed has been turned into events, and the events themselves until they
//! are delivered. Enqueuing and moving the cursor share one transaction; a
//! delivery is claimed before it is sent, so replicas on one database never
//! both send it.

use sqlx::Row;

use super::Store;

/// An event waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// The revision's feed cursor: the event id.
    pub event_id: i64,
    /// The JSON body.
    pub body: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Unix seconds: not before.
    pub next_at: i64,
    /// Unix seconds until which a sender (this node or a replica) holds it.
    pub claimed_until: Option<i64>,
}

/// A subscription's delivery state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookStats {
    /// Feed cursor up to which events were enqueued.
    pub cursor: i64,
    /// Events not delivered yet.
    pub pending: i64,
    /// Events delivered.
    pub delivered: i64,
    /// Unix seconds of the last delivery.
    pub last_delivered_at: Option<i64>,
    /// The oldest pending event: its attempts, next attempt and last error.
    pub head: Option<(i64, i64, i64, Option<String>)>,
}

impl Store {
    /// How far the feed has been turned into events for `url` (None: never).
    pub async fn webhook_cursor(&self, url: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query("SELECT cursor FROM webhooks WHERE url = $1")
            .bind(url)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get(0))
            .transpose()
    }

    /// Adds events for `url` and moves its cursor, in one transaction. An
    /// event already there (the same id) is left as it is.
    pub async fn enqueue_webhook(
        &self,
        url: &str,
        events: &[(i64, String)],
        cursor: i64,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        for (id, body) in events {
            sqlx::query("INSERT INTO webhook_outbox (webhook, event_id, body, attempts, next_at) VALUES ($1, $2, $3, 0, $4) ON CONFLICT (webhook, event_id) DO NOTHING")
                .bind(url)
                .bind(*id)
                .bind(body.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO webhooks (url, cursor) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET cursor = excluded.cursor")
            .bind(url)
            .bind(cursor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// The oldest undelivered event of `url`: events go out in order.
    pub async fn next_webhook_event(&self, url: &str) -> Result<Option<OutboxEvent>, sqlx::Error> {
        sqlx::query("SELECT event_id, body, attempts, next_at, claimed_until FROM webhook_outbox WHERE webhook = $1 AND delivered_at IS NULL ORDER BY event_id LIMIT 1")
            .bind(url)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(OutboxEvent {
                    event_id: r.try_get(0)?,
                    body: r.try_get(1)?,
                    attempts: r.try_get(2)?,
                    next_at: r.try_get(3)?,
                    claimed_until: r.try_get(4)?,
                })
            })
            .transpose()
    }

    /// Claims an event for sending until `until`; false when another
    /// replica holds it.
    pub async fn claim_webhook_event(
        &self,
        url: &str,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE webhook_outbox SET claimed_until = $3 WHERE webhook = $1 AND event_id = $2 AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < $4)")
            .bind(url)
            .bind(id)
            .bind(until)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a delivery.
    pub async fn webhook_delivered(&self, url: &str, id: i64, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE webhook_outbox SET delivered_at = $3, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE webhook = $1 AND event_id = $2")
            .bind(url)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn webhook_failed(
        &self,
        url: &str,
        id: i64,
        next_at: i64,
        error: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE webhook_outbox SET attempts = attempts + 1, next_at = $3, last_error = $4, claimed_until = NULL WHERE webhook = $1 AND event_id = $2")
            .bind(url)
            .bind(id)
            .bind(next_at)
            .bind(error)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The delivery state of `url`.
    pub async fn webhook_stats(&self, url: &str) -> Result<WebhookStats, sqlx::Error> {
        let cursor = self.webhook_cursor(url).await?.unwrap_or(0);
        let r = sqlx::query("SELECT COUNT(*) - COUNT(delivered_at), COUNT(delivered_at), MAX(delivered_at) FROM webhook_outbox WHERE webhook = $1")
            .bind(url)
            .fetch_one(&self.pool)
            .await?;
        let head = sqlx::query("SELECT event_id, attempts, next_at, last_error FROM webhook_outbox WHERE webhook = $1 AND delivered_at IS NULL ORDER BY event_id LIMIT 1")
            .bind(url)
            .fetch_optional(&self.pool)
            .await?
            .map(|h| Ok::<_, sqlx::Error>((h.try_get(0)?, h.try_get(1)?, h.try_get(2)?, h.try_get(3)?)))
            .transpose()?;
        Ok(WebhookStats {
            cursor,
            pending: r.try_get(0)?,
            delivered: r.try_get(1)?,
            last_delivered_at: r.try_get(2)?,
            head,
        })
    }
}
