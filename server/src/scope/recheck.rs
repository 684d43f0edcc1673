//! Checking again the claims DNS failed on. A claim whose look-up timed
//! out or got SERVFAIL (not "no such name": that is an answer) is stored
//! unverified and marked `retry`; its notice is scheduled in the store
//! (`scope_rechecks`) and checked again with backoff — `scope_recheck_first_secs`,
//! doubling, at most an hour apart — for `scope_recheck_for_secs` (a day).
//! The first check whose look-ups all answer settles it; the last one
//! settles it whatever happens. So a claim published while its DNS was
//! down ends as it would have on a node that took it later: every node
//! reaches the same verdict.
//!
//! Re-checks are the node's own work, paid by no client; each is one
//! notice's scope checks, within the same per-notice DNS budget.

use std::sync::Arc;
use std::time::Duration;

use dix_schema::Notice;
use dix_schema::types::Timestamp;

use super::{ScopeCheck, Verification, authorise};
use crate::federation::backoff;
use crate::node::Node;

/// Notices re-checked per round.
const BATCH: u32 = 32;
/// Longest wait between two checks of one notice.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Runs the re-checks for as long as the node runs.
pub async fn run(node: Arc<Node>) {
    adopt_unscheduled(&node).await;
    let first = Duration::from_secs(node.config.scope_recheck_first_secs.max(1));
    let mut tick = tokio::time::interval(first.min(Duration::from_secs(5)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match round(&node).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(settled = n, "scope re-checks settled"),
            Err(e) => tracing::warn!(error = %e, "scope re-checks failed; retrying next round"),
        }
    }
}

/// Schedules the first re-check of the notice stored at `cursor`.
pub async fn schedule(node: &Node, cursor: i64) {
    let now = Timestamp::now().unix();
    let first = node.config.scope_recheck_first_secs.max(1) as i64;
    let until = now + node.config.scope_recheck_for_secs as i64;
    if let Err(e) = node
        .store
        .schedule_recheck(cursor, now + first, until)
        .await
    {
        tracing::warn!(cursor, error = %e, "scheduling a scope re-check failed; the claim stays unverified");
    }
}

/// Schedules what a crash left unscheduled: notices stored with a `retry`
/// claim in the re-check window whose schedule was never written.
async fn adopt_unscheduled(node: &Node) {
    let now = Timestamp::now().unix();
    let window = node.config.scope_recheck_for_secs as i64;
    match node.store.unscheduled_rechecks(now - window).await {
        Ok(found) => {
            for (cursor, received_at) in &found {
                let first = node.config.scope_recheck_first_secs.max(1) as i64;
                if let Err(e) = node
                    .store
                    .schedule_recheck(*cursor, now + first, received_at + window)
                    .await
                {
                    tracing::warn!(cursor, error = %e, "scheduling a scope re-check failed");
                }
            }
            if !found.is_empty() {
                tracing::info!(
                    notices = found.len(),
                    "scope re-checks scheduled that a stop had left out"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "looking for unscheduled scope re-checks failed"),
    }
}

/// The wait before check number `attempts + 1`.
fn wait(first: Duration, attempts: u32) -> Duration {
    backoff::delay(first, MAX_WAIT, attempts, backoff::random_unit())
}

/// One round: every due notice checked once. Returns how many settled.
pub async fn round(node: &Node) -> Result<usize, sqlx::Error> {
    let now = Timestamp::now().unix();
    let first = Duration::from_secs(node.config.scope_recheck_first_secs.max(1));
    let due = node.store.due_rechecks(now, BATCH).await?;
    let mut settled = 0;
    let mut changed = Vec::new();
    for row in due {
        let (notice, mut verification) = match read(&row.bytes, &row.verification) {
            Ok(read) => read,
            Err(e) => {
                // Stored rows were verified on the way in; one that cannot be
                // read again is not re-checked (and says so).
                tracing::error!(cursor = row.cursor, error = %e, "a notice scheduled for a scope re-check cannot be read; dropping its re-check");
                node.store.recheck_done_unread(row.cursor).await?;
                continue;
            }
        };
        let scope = authorise(&notice, &node.dns).await;
        let last = now >= row.until_at;
        if scope.needs_recheck() && !last {
            let attempts = row.attempts.saturating_add(1);
            let next = now + wait(first, attempts.clamp(0, 30) as u32).as_secs() as i64;
            node.store.recheck_later(row.cursor, attempts, next).await?;
            continue;
        }
        let scope = if last { give_up(scope) } else { scope };
        verification.scope = scope.clone();
        let json = serde_json::to_string(&verification).expect("a Verification always serialises");
        let current = node
            .store
            .recheck_done(
                row.cursor,
                &notice,
                &json,
                scope.all_verified,
                &scope.rows(),
            )
            .await?;
        tracing::info!(cursor = row.cursor, issuer = %notice.issuer, incident = %notice.incident, all_verified = scope.all_verified, "scope re-checked");
        if current {
            changed.push((notice.issuer.to_string(), notice.incident.to_string()));
        }
        settled += 1;
    }
    if !changed.is_empty()
        && node.config.match_index
        && let Err(e) = node.index.refresh(&node.store, &changed).await
    {
        tracing::warn!(error = %e, "loading re-checked incidents into the index failed; they are current after a restart");
    }
    Ok(settled)
}

fn read(bytes: &[u8], verification: &str) -> Result<(Notice, Verification), String> {
    let notice = Notice::from_verified_bytes(bytes).map_err(|e| e.to_string())?;
    let verification = serde_json::from_str(verification).map_err(|e| e.to_string())?;
    Ok((notice, verification))
}

/// The last check: what DNS still would not answer stays unverified, for
/// good, and says why.
fn give_up(mut scope: ScopeCheck) -> ScopeCheck {
    for e in scope.entries.iter_mut().filter(|e| e.retry) {
        e.retry = false;
        e.basis = format!("{}; DNS failed on every check for a day", e.basis);
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::{ClaimCheck, ScopeField};

    #[test]
    fn waits_double_up_to_an_hour() {
        let first = Duration::from_secs(60);
        let secs = |n| wait(first, n).as_secs_f64();
        assert!((48.0..=72.0).contains(&secs(0)));
        assert!((96.0..=144.0).contains(&secs(1)));
        assert!((2880.0..=4320.0).contains(&secs(30)));
    }

    #[test]
    fn the_last_check_settles_what_is_left() {
        let scope = ScopeCheck::from_entries(vec![
            ClaimCheck::unverified(
                ScopeField::RecipientDomains,
                "a.example".into(),
                "timed out".into(),
            )
            .retrying(),
            ClaimCheck::verified(
                ScopeField::RecipientDomains,
                "b.example".into(),
                "own".into(),
            ),
        ]);
        assert!(scope.needs_recheck());
        let settled = give_up(scope);
        assert!(!settled.needs_recheck());
        assert!(
            settled.entries[0]
                .basis
                .ends_with("DNS failed on every check for a day")
        );
        assert!(!settled.entries[0].verified);
        assert!(settled.entries[1].verified);
    }
}
