//! Webhooks: every new or changed incident that concerns a subscription's
//! destinations is POSTed to it as JSON, signed, in order, from a durable
//! outbox (`store::webhooks`).
//!
//! Per subscription, one task: it turns the feed past the subscription's
//! cursor into events (written with the cursor in one transaction, so a
//! restart neither loses nor repeats one), then sends the oldest pending
//! event, claimed first so replicas on one database never both send it
//! (the claim lasts one attempt's timeout and a margin, so a node killed
//! while sending delays the event by that much, not longer). A
//! failure waits min(cap, retry × 2ⁿ) ±20 % and tries the same event again:
//! the same body and the same `X-Dix-Event-Id`, so a receiver that got it
//! but did not answer can drop the repeat. A new subscription starts at the
//! present, not with the whole history.

use std::sync::Arc;
use std::time::Duration;

use dix_schema::types::{Domain, Timestamp};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::changes::Change;
use crate::config::WebhookConfig;
use crate::federation::backoff;
use crate::node::Node;

/// Revisions read from the feed per round.
const PAGE: u32 = 200;
/// A claim outlasts the attempt it covers (`webhook_timeout_secs`) by this
/// much, to record the outcome. It must not be much longer: a node killed
/// while sending leaves its claim behind, and nobody (not even the same node
/// restarted) sends the event before the claim lapses.
const CLAIM_MARGIN_SECS: i64 = 5;

/// `sha256=<hex>` of the body under the secret: the `X-Dix-Signature` header.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts one task per configured subscription; dropping the handles'
/// owner does not stop them, `abort` does.
pub fn start(node: &Arc<Node>) -> Vec<tokio::task::JoinHandle<()>> {
    node.config
        .webhooks
        .iter()
        .cloned()
        .map(|hook| {
            let node = node.clone();
            tokio::spawn(async move { run(node, hook).await })
        })
        .collect()
}

async fn run(node: Arc<Node>, hook: WebhookConfig) {
    let domains: Vec<Domain> = hook
        .domains
        .iter()
        .filter_map(|d| Domain::parse_lenient(d).ok())
        .collect();
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(node.config.webhook_timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(url = %hook.url, error = %e, "webhook client");
            return;
        }
    };
    let mut head = node.watch_head();
    loop {
        let wait = match round(&node, &hook, &domains, &client).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::warn!(url = %hook.url, error = %e, "webhook round failed; trying again");
                Duration::from_secs(1)
            }
        };
        // A new revision wakes the task early; so does the wait running out.
        let _ = tokio::time::timeout(wait, head.changed()).await;
    }
}

/// Enqueues what is new and sends what is due; returns how long to wait.
async fn round(
    node: &Node,
    hook: &WebhookConfig,
    domains: &[Domain],
    client: &reqwest::Client,
) -> Result<Duration, sqlx::Error> {
    let now = Timestamp::now().unix();
    let mut cursor = match node.store.webhook_cursor(&hook.url).await? {
        Some(c) => c,
        None => {
            let start = node.store.last_cursor().await?;
            node.store
                .enqueue_webhook(&hook.url, &[], start, now)
                .await?;
            start
        }
    };
    loop {
        let page = node.store.feed(cursor, PAGE).await?;
        let Some(last) = page.notices.last().map(|n| n.cursor) else {
            break;
        };
        let events: Vec<(i64, String)> = page
            .notices
            .iter()
            .filter_map(|row| {
                let change = Change::read(row)?;
                change
                    .concerns(domains)
                    .then(|| (row.cursor, change.json().to_string()))
            })
            .collect();
        node.store
            .enqueue_webhook(&hook.url, &events, last, now)
            .await?;
        cursor = last;
        if !page.more {
            break;
        }
    }
    // Send in order while deliveries succeed.
    loop {
        let Some(event) = node.store.next_webhook_event(&hook.url).await? else {
            return Ok(Duration::from_secs(60));
        };
        let now = Timestamp::now().unix();
        if event.next_at > now {
            return Ok(Duration::from_secs((event.next_at - now) as u64));
        }
        let lease = i64::try_from(node.config.webhook_timeout_secs)
            .unwrap_or(i64::MAX / 2)
            .saturating_add(CLAIM_MARGIN_SECS);
        if !node
            .store
            .claim_webhook_event(&hook.url, event.event_id, now, now.saturating_add(lease))
            .await?
        {
            // Held by a replica sending it, or left by a node that died
            // sending it: look again when that claim lapses.
            let until = event.claimed_until.unwrap_or(now);
            return Ok(Duration::from_secs(
                until.saturating_sub(now).clamp(1, lease) as u64,
            ));
        }
        let sent = client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("x-dix-event-id", event.event_id.to_string())
            .header(
                "x-dix-signature",
                signature(&hook.secret, event.body.as_bytes()),
            )
            .body(event.body.clone())
            .send()
            .await;
        let outcome = match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("the receiver answered {}", r.status())),
            Err(e) => Err(format!("could not deliver: {e}")),
        };
        let now = Timestamp::now().unix();
        match outcome {
            Ok(()) => {
                node.store
                    .webhook_delivered(&hook.url, event.event_id, now)
                    .await?
            }
            Err(error) => {
                let wait = backoff::delay(
                    Duration::from_secs(node.config.webhook_retry_secs),
                    Duration::from_secs(node.config.webhook_retry_cap_secs),
                    u32::try_from(event.attempts).unwrap_or(u32::MAX),
                    backoff::random_unit(),
                );
                let next = now + wait.as_secs().max(1) as i64;
                tracing::info!(url = %hook.url, event = event.event_id, %error, retry_in_secs = wait.as_secs(), "webhook delivery failed");
                node.store
                    .webhook_failed(&hook.url, event.event_id, next, &error)
                    .await?;
                return Ok(wait);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
