//! A Merkle tree over the feed's entries, as RFC 9162 (Certificate
//! Transparency 2.0, §2.1) defines it: leaf hash `SHA-256(0x00 ‖ data)`,
//! interior hash `SHA-256(0x01 ‖ left ‖ right)`, the left subtree of `n`
//! leaves holding the largest power of two below `n`. A leaf's data is the
//! SHA-256 of the notice's signed bytes, so the tree can be rebuilt from the
//! store's digests without reading the notices.
//!
//! [`Tree`] keeps every complete, aligned subtree's hash (level k holds the
//! hashes of leaves `[i·2ᵏ, (i+1)·2ᵏ)`), so the root and any proof cost
//! O(log n) hashes; [`Frontier`] is what a peer keeps of someone else's
//! tree — only the right border, O(log n) hashes — to compute its root as
//! entries arrive. Consistency proofs are generated and verified as RFC 9162
//! §2.1.4.1 and §2.1.4.2 say.

use sha2::{Digest, Sha256};

/// A node hash.
pub type Hash = [u8; 32];

/// The hash of a leaf whose data is `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The whole tree of one log.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    /// `levels[k][i]` is the hash of the complete subtree over leaves
    /// `[i·2ᵏ, (i+1)·2ᵏ)`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut k = 0;
        while self.levels[k].len().is_multiple_of(2) {
            let n = self.levels[k].len();
            let parent = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[k + 1].push(parent);
            k += 1;
        }
    }

    /// The root over the first `size` leaves (`size` ≤ [`size`](Self::size)).
    pub fn root(&self, size: u64) -> Hash {
        if size == 0 {
            return empty_root();
        }
        self.range_hash(0, size)
    }

    /// MTH(D[start:end]) for `start < end ≤ size`.
    fn range_hash(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][(start >> k) as usize];
        }
        let k = split(n);
        node_hash(
            &self.range_hash(start, start + k),
            &self.range_hash(start + k, end),
        )
    }

    /// The consistency proof from the tree of `old` leaves to the tree of
    /// `new` leaves (RFC 9162 §2.1.4.1). `None` unless `0 < old ≤ new ≤ size`.
    pub fn consistency(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old == 0 || old > new || new > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        self.subproof(old, 0, new, true, &mut proof);
        Some(proof)
    }

    /// SUBPROOF(m, D[start:end], b).
    fn subproof(&self, m: u64, start: u64, end: u64, b: bool, proof: &mut Vec<Hash>) {
        let n = end - start;
        if m == n {
            if !b {
                proof.push(self.range_hash(start, end));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, b, proof);
            proof.push(self.range_hash(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, proof);
            proof.push(self.range_hash(start, start + k));
        }
    }
}

/// The largest power of two smaller than `n` (`n` ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Checks a consistency proof between two roots (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        // Everything is consistent with the empty tree.
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old_size.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &fr == old_root && &sr == new_root
}

/// The right border of a tree: the hashes of its complete subtrees, largest
/// first, one per 1-bit of its size. Enough to append leaves and to compute
/// the root.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (height, hash), heights strictly decreasing.
    peaks: Vec<(u32, Hash)>,
}

impl Frontier {
    /// Number of leaves seen.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf by its hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = (0u32, leaf);
        while let Some(&(h, left)) = self.peaks.last() {
            if h != carry.0 {
                break;
            }
            self.peaks.pop();
            carry = (h + 1, node_hash(&left, &carry.1));
        }
        self.peaks.push(carry);
        self.size += 1;
    }

    /// The root of the tree seen so far.
    pub fn root(&self) -> Hash {
        let mut it = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return empty_root();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }

    /// `size:hex,hex,…` — how the store keeps it.
    pub fn encode(&self) -> String {
        let hashes: Vec<String> = self.peaks.iter().map(|(_, h)| hex::encode(h)).collect();
        format!("{}:{}", self.size, hashes.join(","))
    }

    /// Reads [`encode`](Self::encode)'s text; `None` if it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        let (size, hashes) = text.split_once(':')?;
        let size: u64 = size.parse().ok()?;
        let hashes: Vec<Hash> = if hashes.is_empty() {
            Vec::new()
        } else {
            hashes
                .split(',')
                .map(|h| hex::decode(h).ok()?.try_into().ok())
                .collect::<Option<_>>()?
        };
        if hashes.len() != size.count_ones() as usize {
            return None;
        }
        let heights = (0..64u32).rev().filter(|b| size >> b & 1 == 1);
        Some(Self {
            size,
            peaks: heights.zip(hashes).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// MTH straight from RFC 9162's definition, to check the fast paths.
    fn reference_root(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&d[..k]), &reference_root(&d[k..]))
            }
        }
    }

    #[test]
    fn roots_agree_with_the_definition() {
        let all = leaves(70);
        let mut tree = Tree::default();
        let mut frontier = Frontier::default();
        assert_eq!(tree.root(0), empty_root());
        assert_eq!(frontier.root(), empty_root());
        for (i, l) in all.iter().enumerate() {
            tree.push(*l);
            frontier.push(*l);
            let want = reference_root(&all[..=i]);
            assert_eq!(tree.root(i as u64 + 1), want, "tree at {}", i + 1);
            assert_eq!(frontier.root(), want, "frontier at {}", i + 1);
            assert_eq!(Frontier::decode(&frontier.encode()), Some(frontier.clone()));
            for old in 1..=i as u64 {
                assert_eq!(tree.root(old), reference_root(&all[..old as usize]));
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_catch_rewrites() {
        let all = leaves(40);
        let mut tree = Tree::default();
        all.iter().for_each(|l| tree.push(*l));
        let mut forged = all.clone();
        forged[5] = leaf_hash(b"rewritten");
        let mut other = Tree::default();
        forged.iter().for_each(|l| other.push(*l));
        for new in 1..=40u64 {
            for old in 1..=new {
                let proof = tree.consistency(old, new).unwrap();
                assert!(
                    verify_consistency(old, new, &tree.root(old), &tree.root(new), &proof),
                    "{old} -> {new}"
                );
                // A rewritten history: the old root is the honest one, the new
                // tree is the forger's.
                if old > 5 {
                    let lie = other.consistency(old, new).unwrap();
                    assert!(
                        !verify_consistency(old, new, &tree.root(old), &other.root(new), &lie),
                        "a rewrite of leaf 5 passed {old} -> {new}"
                    );
                }
                if old < new {
                    assert!(
                        !verify_consistency(new, old, &tree.root(new), &tree.root(old), &proof),
                        "a shrinking tree passed"
                    );
                    let mut bad = proof.clone();
                    if let Some(h) = bad.first_mut() {
                        h[0] ^= 1;
                        assert!(!verify_consistency(
                            old,
                            new,
                            &tree.root(old),
                            &tree.root(new),
                            &bad
                        ));
                    }
                }
            }
        }
        assert!(tree.consistency(0, 3).is_none());
        assert!(tree.consistency(4, 3).is_none());
        assert!(tree.consistency(3, 41).is_none());
    }

    #[test]
    fn bad_frontier_text_is_refused() {
        assert!(Frontier::decode("3:").is_none());
        assert!(Frontier::decode("x:").is_none());
        assert_eq!(Frontier::decode("0:"), Some(Frontier::default()));
    }
}
