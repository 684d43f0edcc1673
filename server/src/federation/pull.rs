//! One pull from one peer: read its feed after the saved cursor until it
//! says no more follow, verify every notice as if it were published here
//! (the peer is an untrusted relay), store each page with the peer's new
//! cursor in one transaction, then check the peer's signed checkpoint
//! against the tree the pulled entries make and against the last
//! checkpoint seen.
//!
//! One bad notice is logged, counted and skipped. A notice that fails for a
//! reason that may pass (DNS or the database down) ends the page there:
//! what came before it is stored, the cursor stops just before it, and the
//! next pull tries it again.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dix_schema::PublicKey;
use dix_schema::types::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::Peer;
use super::client::{PeerClient, PeerError};
use crate::ingest::{IngestError, Origin, Prepared, Stored, prepare, schedule_rechecks};
use crate::node::Node;
use crate::store::{PeerAdvance, PeerRow};
use crate::tlog::merkle::{self, Frontier, Hash};
use crate::tlog::{Checkpoint, CheckpointError};

/// At most this many notices of a page are being verified at once (each may
/// cost DNS queries for its scope).
const PREPARE_CONCURRENCY: usize = 64;

/// What one pull did.
#[derive(Debug, Default, Clone)]
pub struct PullReport {
    /// Notices served.
    pub served: u64,
    /// New here.
    pub stored: u64,
    /// Already here.
    pub replays: u64,
    /// Rejected, by code.
    pub rejected: BTreeMap<String, i64>,
    /// The peer's cursor after the pull.
    pub cursor: i64,
    /// What the checkpoint check found.
    pub checkpoint: CheckpointState,
}

/// The state of a peer's checkpoints.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CheckpointState {
    /// Not checked yet.
    #[default]
    Unknown,
    /// The peer serves no checkpoints.
    NotServed,
    /// Verified: consistent with the pulled entries and the last one.
    Verified {
        /// Its size.
        size: u64,
        /// Its root, base64.
        root: String,
    },
}

#[derive(Deserialize)]
struct FeedPage {
    notices: Vec<Box<RawValue>>,
    #[serde(default)]
    cursors: Vec<String>,
    next: String,
    more: bool,
}

#[derive(Deserialize)]
struct ServedCheckpoint {
    note: String,
    node_key: String,
}

#[derive(Deserialize)]
struct ServedProof {
    proof: Vec<String>,
}

/// A reason to stop trusting the peer's log, with the evidence.
#[derive(Debug, Clone)]
pub struct Halt {
    /// `feed_rewritten`, `feed_truncated`, `node_key_changed`,
    /// `checkpoint_withdrawn`.
    pub code: &'static str,
    /// What was found.
    pub message: String,
    /// JSON evidence (both checkpoints, or both keys).
    pub evidence: serde_json::Value,
}

/// Why a pull ended early.
#[derive(Debug)]
pub enum PullError {
    /// Talking to the peer failed; try again after the backoff.
    Peer(PeerError),
    /// The peer's log contradicts itself; stop until an operator acts.
    Halted(Halt),
}

impl From<PeerError> for PullError {
    fn from(e: PeerError) -> Self {
        PullError::Peer(e)
    }
}

/// Pulls everything new from `peer`, showing progress in its status page
/// by page.
pub async fn pull(
    node: &Arc<Node>,
    client: &PeerClient,
    peer: &Peer,
) -> Result<PullReport, PullError> {
    let url = peer.url.as_str();
    let configured_key = peer.configured_key.as_ref();
    let state = node
        .store
        .peer(url)
        .await
        .map_err(|e| store_error(&e))?
        .unwrap_or_else(|| PeerRow {
            url: url.to_owned(),
            frontier: "0:".into(),
            ..PeerRow::default()
        });
    if let Some(evidence) = &state.halted {
        let evidence: serde_json::Value = serde_json::from_str(evidence).unwrap_or_default();
        return Err(PullError::Halted(Halt {
            code: evidence["code"].as_str().map_or("feed_rewritten", code_name),
            message: "this peer's log was found inconsistent earlier; it stays stopped until an operator runs `dixd --forget-peer URL`".into(),
            evidence,
        }));
    }
    // A log that contradicts what the peer signed before gives no entries,
    // and no page is stored before the tree its entries make is proven
    // part of a checkpoint the peer signed (`anchor`).
    let mut anchor = current_checkpoint(node, client, url, configured_key, &state).await?;
    let mut frontier = Frontier::decode(&state.frontier).unwrap_or_default();
    let mut cursor = state.cursor;
    let mut report = PullReport::default();
    let base = url.trim_end_matches('/');
    let page_size = node.config.peer_page.clamp(1, 1000);
    // While one page is being stored, the next is fetched and verified.
    // A pull that ends early (an error, a halt) stops its prefetch too.
    let mut prefetched: Option<AbortOnDrop<Result<Fetched, PeerError>>> = None;
    loop {
        let fetched = match prefetched.take() {
            Some(mut task) => (&mut task.0).await.map_err(|e| {
                PeerError::new("internal", format!("fetching a page failed: {e}"))
            })??,
            None => {
                fetch(
                    node.clone(),
                    client.clone(),
                    base.to_owned(),
                    cursor,
                    page_size,
                )
                .await?
            }
        };
        let Fetched {
            bytes,
            results,
            cursors,
            next,
            more: page_more,
        } = fetched;
        report.served += bytes.len() as u64;

        // Stop at the first notice that may pass later, unless the page
        // says where each entry is (then the cursor stops just before it).
        let take = results
            .iter()
            .position(|r| r.as_ref().is_err_and(IngestError::transient))
            .unwrap_or(results.len());
        let (page_cursor, more) = if take == results.len() {
            (next, page_more)
        } else {
            let error = results[take].as_ref().expect_err("transient error");
            let Some(cursors) = &cursors else {
                return Err(PeerError::new(
                    error.code(),
                    format!("verifying a notice from {url} failed for now ({error}); the page will be pulled again"),
                )
                .into());
            };
            if take == 0 {
                return Err(PeerError::new(
                    error.code(),
                    format!("verifying a notice from {url} failed for now ({error}); it will be pulled again"),
                )
                .into());
            }
            (cursors[take - 1], false)
        };
        let mut rejected: BTreeMap<String, i64> = BTreeMap::new();
        let now = Timestamp::now().unix();
        let origin = Origin::Peer(url.to_owned());
        let mut grown = frontier.clone();
        for b in &bytes[..take] {
            grown.push(merkle::leaf_hash(&Sha256::digest(b)));
        }
        if let Some(current) = &anchor
            && grown.size() > current.checkpoint.size
        {
            // The feed grew past the checkpoint: a newer one must cover it
            // (and extend the one before).
            let mut seen = state.clone();
            seen.checkpoint = Some(current.note.clone());
            seen.node_key = Some(current.key.to_base64());
            anchor = current_checkpoint(node, client, url, configured_key, &seen).await?;
        }
        if let Some(current) = &anchor {
            if grown.size() > current.checkpoint.size {
                return Err(PeerError::new(
                    "checkpoint_behind",
                    format!(
                        "{url} served {} entries but signs a checkpoint of only {}; pulling again later",
                        grown.size(),
                        current.checkpoint.size
                    ),
                )
                .into());
            }
            against_entries(node, client, url, &state, current, &grown).await?;
        }
        frontier = grown;
        if more {
            prefetched = Some(AbortOnDrop(tokio::spawn(fetch(
                node.clone(),
                client.clone(),
                base.to_owned(),
                page_cursor,
                page_size,
            ))));
        }
        let mut accepted: Vec<&Prepared> = Vec::new();
        for result in &results[..take] {
            match result {
                Ok(p) => accepted.push(p),
                Err(e) => {
                    tracing::warn!(peer = url, code = e.code(), error = %e, "skipped a notice from a peer");
                    node.metrics.notice(e.code());
                    *rejected.entry(e.code().to_owned()).or_default() += 1;
                }
            }
        }
        let batch: Vec<_> = accepted.iter().map(|p| p.to_new(&origin, now)).collect();
        let advance = PeerAdvance {
            cursor: page_cursor,
            frontier: frontier.encode(),
            rejected: rejected.clone(),
            complete_at: (!more).then_some(now),
        };
        let outcomes = node
            .store
            .publish_from_peer(url, &batch, &advance)
            .await
            .map_err(|e| store_error(&e))?;
        let new = outcomes
            .iter()
            .filter(|o| !matches!(o, crate::store::PublishOutcome::Replay { .. }))
            .count() as i64;
        for o in &outcomes {
            node.metrics.notice(crate::ingest::outcome_name(o));
        }
        node.stored(&outcomes).await;
        schedule_rechecks(node, &accepted, &outcomes).await;
        report.stored += new as u64;
        report.replays += (outcomes.len() as i64 - new) as u64;
        let rejected_now = rejected.clone();
        for (code, n) in rejected {
            *report.rejected.entry(code).or_default() += n;
        }
        cursor = page_cursor;
        peer.update(|s| {
            s.cursor = cursor.to_string();
            s.received += new;
            for (code, n) in &rejected_now {
                *s.rejected.entry(code.clone()).or_default() += n;
            }
        });
        if take < results.len() {
            let error = results[take].as_ref().expect_err("transient error");
            return Err(PeerError::new(
                error.code(),
                format!("verifying a notice from {url} failed for now ({error}); it will be pulled again"),
            )
            .into());
        }
        if !more {
            break;
        }
    }
    report.cursor = cursor;
    report.checkpoint = match &anchor {
        None => CheckpointState::NotServed,
        Some(current) => {
            node.store
                .save_peer_checkpoint(url, &current.key.to_base64(), &current.note)
                .await
                .map_err(|e| store_error(&e))?;
            CheckpointState::Verified {
                size: current.checkpoint.size,
                root: STANDARD.encode(current.checkpoint.root),
            }
        }
    };
    Ok(report)
}

/// A task that is cancelled when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A page of the peer's feed, its notices verified.
struct Fetched {
    bytes: Vec<Vec<u8>>,
    results: Vec<Result<Prepared, IngestError>>,
    /// Each entry's cursor, when the peer says.
    cursors: Option<Vec<i64>>,
    next: i64,
    more: bool,
}

/// Fetches the page after `cursor` and verifies its notices.
async fn fetch(
    node: Arc<Node>,
    client: PeerClient,
    base: String,
    cursor: i64,
    page_size: u32,
) -> Result<Fetched, PeerError> {
    let page_url = format!("{base}/v1/feed?after={cursor}&limit={page_size}");
    let page: FeedPage = client
        .get_json(&page_url)
        .await?
        .ok_or_else(|| PeerError::new("peer_no_feed", format!("{page_url}: 404")))?;
    let next: i64 = page.next.parse().map_err(|_| {
        PeerError::new(
            "peer_malformed",
            format!("{page_url}: next {:?} is not a cursor", page.next),
        )
    })?;
    let cursors: Option<Vec<i64>> = (page.cursors.len() == page.notices.len())
        .then(|| page.cursors.iter().map(|c| c.parse().ok()).collect())
        .flatten();
    check_next(
        cursor,
        page.notices.len(),
        cursors.as_deref(),
        next,
        page.more,
    )
    .map_err(|why| PeerError::new("peer_malformed", format!("{page_url}: {why}")))?;
    let bytes: Vec<Vec<u8>> = page
        .notices
        .iter()
        .map(|n| n.get().as_bytes().to_vec())
        .collect();
    let results = prepare_all(&node, &bytes, &base).await;
    Ok(Fetched {
        bytes,
        results,
        cursors,
        next,
        more: page.more,
    })
}

/// Whether a page's `next` is one its entries justify; the cursor is saved
/// and asked after next, so one beyond them would skip entries for good
/// (`2^63 − 1`: the peer is never pulled again). An empty page moves
/// nothing; entries with their own cursors (a dix node's) end at the last
/// of them, in order after `after`; a page without them (a minimal relay)
/// numbers its entries one by one, so it moves at most by their count.
fn check_next(
    after: i64,
    entries: usize,
    cursors: Option<&[i64]>,
    next: i64,
    more: bool,
) -> Result<(), String> {
    if entries == 0 {
        if next != after {
            return Err(format!(
                "an empty page moves the cursor from {after} to {next}"
            ));
        }
        if more {
            return Err("an empty page says more entries follow".into());
        }
        return Ok(());
    }
    if let Some(cursors) = cursors {
        let mut last = after;
        for &c in cursors {
            if c <= last {
                return Err(format!(
                    "entry cursors do not rise after {after} ({c} after {last})"
                ));
            }
            last = c;
        }
        if next != last {
            return Err(format!(
                "next {next} is not the page's last entry cursor {last}"
            ));
        }
        return Ok(());
    }
    let furthest = after.saturating_add(entries as i64);
    if next <= after || next > furthest {
        return Err(format!(
            "next {next} is not within the {entries} entries after {after}"
        ));
    }
    Ok(())
}

/// Verifies a page's notices concurrently, keeping their order.
async fn prepare_all(
    node: &Arc<Node>,
    bytes: &[Vec<u8>],
    url: &str,
) -> Vec<Result<Prepared, IngestError>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(PREPARE_CONCURRENCY));
    // Replays are known for the whole page at once, before any DNS query.
    let digests: Vec<String> = bytes.iter().map(|b| crate::store::digest(b)).collect();
    let mut stored = match node.store.verifications_of(&digests).await {
        Ok(found) => Some(found),
        Err(e) => {
            tracing::warn!(error = %e, "looking up a page's replays failed; each notice asks on its own");
            None
        }
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (i, b) in bytes.iter().enumerate() {
        let (node, b, limit) = (node.clone(), b.clone(), limit.clone());
        let origin = Origin::Peer(url.to_owned());
        let known = match stored.as_mut().map(|s| s.remove(&digests[i])) {
            Some(Some(v)) => Stored::Found(v),
            Some(None) => Stored::Absent,
            None => Stored::Unknown,
        };
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("never closed");
            (i, prepare(&node, &b, &origin, None, known).await)
        });
    }
    let mut out: Vec<Option<Result<Prepared, IngestError>>> =
        (0..bytes.len()).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, r)) => out[i] = Some(r),
            Err(e) => tracing::error!(error = %e, "verifying a notice panicked"),
        }
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(IngestError::Panicked)))
        .collect()
}

/// A checkpoint verified under the peer's key and against its last one.
struct Verified {
    checkpoint: Checkpoint,
    note: String,
    key: PublicKey,
}

/// Fetches the peer's checkpoint and checks it is signed by the peer's node
/// key (configured, or the one first seen) and extends the last checkpoint
/// seen. `None`: the peer serves no checkpoints.
async fn current_checkpoint(
    node: &Arc<Node>,
    client: &PeerClient,
    url: &str,
    configured_key: Option<&PublicKey>,
    state: &PeerRow,
) -> Result<Option<Verified>, PullError> {
    let base = url.trim_end_matches('/');
    let Some(served) = client
        .get_json::<ServedCheckpoint>(&format!("{base}/v1/checkpoint"))
        .await?
    else {
        // A peer that never signed a checkpoint is a plain relay. One that
        // did and now says it has none would have its next entries taken
        // unchecked: a fork slipped in by withdrawing the proof.
        if let Some(previous) = &state.checkpoint {
            let message = format!(
                "{url} answered 404 on /v1/checkpoint after its checkpoints were verified: a log that signed once must keep signing"
            );
            let evidence = serde_json::json!({
                "code": "checkpoint_withdrawn",
                "found": message,
                "previous_checkpoint": previous,
                "new_checkpoint": null,
            });
            return Err(halt(node, url, "checkpoint_withdrawn", message, evidence).await);
        }
        return Ok(None);
    };
    let served_key = PublicKey::from_base64(&served.node_key).map_err(|e| {
        PeerError::new(
            "peer_malformed",
            format!("{base}/v1/checkpoint: node_key: {e}"),
        )
    })?;
    let known_key = match (configured_key, &state.node_key) {
        (Some(k), _) => Some(*k),
        (None, Some(k)) => PublicKey::from_base64(k).ok(),
        (None, None) => None,
    };
    if let Some(known) = known_key
        && known != served_key
    {
        let message = format!(
            "{url} now signs with node key {}; the key known for it is {}",
            served_key.to_base64(),
            known.to_base64()
        );
        let evidence = serde_json::json!({
            "code": "node_key_changed",
            "found": message,
            "known_key": known.to_base64(),
            "served_key": served_key.to_base64(),
            "previous_checkpoint": state.checkpoint,
            "new_checkpoint": served.note,
        });
        return Err(halt(node, url, "node_key_changed", message, evidence).await);
    }
    let new = Checkpoint::verify(&served.note, &served_key).map_err(|e| match e {
        CheckpointError::Malformed(_) | CheckpointError::BadSignature => {
            PeerError::new("checkpoint_invalid", format!("{base}/v1/checkpoint: {e}"))
        }
    })?;
    if let Some(last) = state
        .checkpoint
        .as_deref()
        .and_then(|note| Checkpoint::verify(note, &served_key).ok())
    {
        let evidence = |code: &'static str, what: &str| {
            serde_json::json!({
                "code": code,
                "found": what,
                "previous_checkpoint": state.checkpoint,
                "new_checkpoint": served.note,
            })
        };
        if new.size < last.size {
            let message = format!(
                "{url} signed a checkpoint of {} entries after one of {}: its log was truncated",
                new.size, last.size
            );
            let evidence = evidence("feed_truncated", &message);
            return Err(halt(node, url, "feed_truncated", message, evidence).await);
        }
        if !consistent(client, base, last.size, &last.root, new.size, &new.root).await? {
            let message = format!(
                "{url}'s checkpoint of {} entries does not extend its earlier one of {}: its log was rewritten",
                new.size, last.size
            );
            let evidence = evidence("feed_rewritten", &message);
            return Err(halt(node, url, "feed_rewritten", message, evidence).await);
        }
    }
    Ok(Some(Verified {
        checkpoint: new,
        note: served.note,
        key: served_key,
    }))
}

/// Checks that the entries pulled make a tree the checkpoint extends
/// (`pulled.size()` ≤ the checkpoint's size).
async fn against_entries(
    node: &Arc<Node>,
    client: &PeerClient,
    url: &str,
    state: &PeerRow,
    verified: &Verified,
    pulled: &Frontier,
) -> Result<(), PullError> {
    let cp = &verified.checkpoint;
    let base = url.trim_end_matches('/');
    if consistent(
        client,
        base,
        pulled.size(),
        &pulled.root(),
        cp.size,
        &cp.root,
    )
    .await?
    {
        return Ok(());
    }
    let message = format!(
        "the {} entries {url} served do not make the tree its checkpoint of {} entries signs: its feed and its log disagree",
        pulled.size(),
        cp.size
    );
    let evidence = serde_json::json!({
        "code": "feed_rewritten",
        "found": message,
        "previous_checkpoint": state.checkpoint,
        "new_checkpoint": verified.note,
        "pulled": {"size": pulled.size(), "root": STANDARD.encode(pulled.root())},
    });
    Err(halt(node, url, "feed_rewritten", message, evidence).await)
}

/// Whether (old_size, old_root) → (new_size, new_root) is proven
/// append-only by the peer's consistency proof.
async fn consistent(
    client: &PeerClient,
    base: &str,
    old_size: u64,
    old_root: &Hash,
    new_size: u64,
    new_root: &Hash,
) -> Result<bool, PeerError> {
    if old_size == 0 || old_size == new_size {
        return Ok(old_size == 0 || old_root == new_root);
    }
    let url = format!("{base}/v1/proof/consistency?from={old_size}&to={new_size}");
    let Some(served) = client.get_json::<ServedProof>(&url).await? else {
        return Ok(false);
    };
    let proof: Option<Vec<Hash>> = served
        .proof
        .iter()
        .map(|h| STANDARD.decode(h).ok()?.try_into().ok())
        .collect();
    Ok(proof
        .is_some_and(|p| merkle::verify_consistency(old_size, new_size, old_root, new_root, &p)))
}

async fn halt(
    node: &Node,
    url: &str,
    code: &'static str,
    message: String,
    evidence: serde_json::Value,
) -> PullError {
    let halt = Halt {
        code,
        message,
        evidence,
    };
    tracing::error!(peer = url, code = halt.code, message = %halt.message, "peer's log is inconsistent; not trusting it for further entries");
    if let Err(e) = node.store.halt_peer(url, &halt.evidence.to_string()).await {
        tracing::error!(peer = url, error = %e, "saving the evidence failed");
    }
    PullError::Halted(halt)
}

fn store_error(e: &sqlx::Error) -> PullError {
    tracing::error!(error = %e, "the store failed during a pull");
    PullError::Peer(PeerError::new(
        "store_failed",
        format!("this node's database failed: {e}"),
    ))
}

/// The static code for a stored evidence code.
fn code_name(code: &str) -> &'static str {
    match code {
        "feed_truncated" => "feed_truncated",
        "node_key_changed" => "node_key_changed",
        "checkpoint_withdrawn" => "checkpoint_withdrawn",
        _ => "feed_rewritten",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_what_the_page_justifies() {
        // A dix node's pages.
        assert_eq!(check_next(5, 0, Some(&[]), 5, false), Ok(()));
        assert_eq!(check_next(5, 2, Some(&[7, 9]), 9, true), Ok(()));
        // A minimal relay's.
        assert_eq!(check_next(0, 3, None, 3, false), Ok(()));
        assert_eq!(check_next(0, 3, None, 1, false), Ok(()));
        // Beyond the entries, or not moving.
        for (after, entries, cursors, next, more) in [
            (5, 0, Some(&[][..]), i64::MAX, false),
            (5, 0, None, 6, false),
            (5, 0, None, 5, true),
            (5, 0, None, 4, false),
            (5, 2, Some(&[7, 9][..]), i64::MAX, false),
            (5, 2, Some(&[7, 9][..]), 10, false),
            (5, 2, Some(&[7, 9][..]), 7, false),
            (5, 2, Some(&[9, 7][..]), 9, false),
            (5, 2, Some(&[5, 9][..]), 9, false),
            (0, 3, None, 4, false),
            (0, 3, None, 0, false),
            (0, 3, None, i64::MAX, false),
        ] {
            assert!(
                check_next(after, entries, cursors, next, more).is_err(),
                "{after} {entries} {cursors:?} {next} {more}"
            );
        }
    }
}
