//! Transparency: the feed as a Merkle-tree log, signed checkpoints and
//! consistency proofs (after Certificate Transparency, RFC 9162, and the
//! C2SP tlog specifications).
//!
//! | module | holds |
//! |---|---|
//! | [`merkle`] | tree hashing, this node's whole tree, a peer's frontier, consistency proofs |
//! | [`checkpoint`] | the node key file and the signed checkpoint note |
//!
//! Leaf `i` is the feed's `i`-th entry in cursor order; its data is the
//! SHA-256 of the notice's signed bytes. The feed is gap-safe (see
//! `store::notices::begin_feed_write`), so reading the store in cursor order
//! and appending gives every replica on one database the same tree.

pub mod checkpoint;
pub mod merkle;

use std::sync::RwLock;

use dix_schema::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};

pub use checkpoint::{Checkpoint, CheckpointError};
use merkle::{Hash, Tree};

use crate::store::Store;

/// This node's log.
pub struct Log {
    key: SecretKey,
    origin: String,
    /// The tree, and the feed cursor of its last leaf.
    tree: RwLock<(Tree, i64)>,
    /// One catch-up at a time.
    loading: tokio::sync::Mutex<()>,
}

impl Log {
    /// An empty log signed by `key`, named `origin` (or a name derived from
    /// the key when empty).
    pub fn new(key: SecretKey, origin: &str) -> Self {
        let origin = if origin.is_empty() {
            let d = Sha256::digest(key.public_key().as_bytes());
            format!("dix-node/{}", hex::encode(&d[..8]))
        } else {
            origin.to_owned()
        };
        Self {
            key,
            origin,
            tree: RwLock::new((Tree::default(), 0)),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    /// The node's public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The log's name in its checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Appends every notice stored after the last one loaded.
    pub async fn catch_up(&self, store: &Store) -> Result<u64, sqlx::Error> {
        let _one = self.loading.lock().await;
        let mut after = self.read().1;
        let mut added = 0;
        loop {
            let rows = store.feed_digests(after, 10_000).await?;
            let Some(&(last, _)) = rows.last() else { break };
            let leaves: Vec<Hash> = rows
                .iter()
                .map(|(_, digest)| merkle::leaf_hash(digest))
                .collect();
            let mut tree = self.tree.write().unwrap_or_else(|e| e.into_inner());
            for leaf in leaves {
                tree.0.push(leaf);
            }
            tree.1 = last;
            after = last;
            added += rows.len() as u64;
        }
        Ok(added)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (Tree, i64)> {
        self.tree.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The feed cursor of the last entry loaded.
    pub fn last_cursor(&self) -> i64 {
        self.read().1
    }

    /// Entries in the log.
    pub fn size(&self) -> u64 {
        self.read().0.size()
    }

    /// The current checkpoint and its signed note.
    pub fn checkpoint(&self) -> (Checkpoint, String) {
        let tree = self.read();
        let size = tree.0.size();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root: tree.0.root(size),
        };
        drop(tree);
        let note = cp.sign(&self.key);
        (cp, note)
    }

    /// A consistency proof between two sizes, `None` unless
    /// `0 < from ≤ to ≤ size`.
    pub fn consistency(&self, from: u64, to: u64) -> Option<Vec<Hash>> {
        self.read().0.consistency(from, to)
    }
}
