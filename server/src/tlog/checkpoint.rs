//! The node key and signed checkpoints.
//!
//! A checkpoint is a signed note in the C2SP `tlog-checkpoint` /
//! `signed-note` format:
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//!
//! — <origin> <base64(key id ‖ Ed25519 signature)>
//! ```
//!
//! The signature covers the three body lines (with their newlines). The key
//! id is the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), as
//! signed-note defines for Ed25519, so a note names the key that signed it.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use dix_schema::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

/// A checkpoint's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// Root hash over them.
    pub root: Hash,
}

impl Checkpoint {
    /// The signed body.
    fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// The whole signed note.
    pub fn sign(&self, key: &SecretKey) -> String {
        let body = self.body();
        let mut blob = key_id(&self.origin, &key.public_key()).to_vec();
        blob.extend_from_slice(&key.sign_bytes(body.as_bytes()));
        format!(
            "{body}\n\u{2014} {} {}\n",
            self.origin,
            STANDARD.encode(blob)
        )
    }

    /// Reads a signed note and checks its signature by `key`.
    pub fn verify(note: &str, key: &PublicKey) -> Result<Self, CheckpointError> {
        let (body, signatures) = note.split_once("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before the signatures",
        ))?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let (Some(origin), Some(size), Some(root), None) =
            (lines.next(), lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Malformed(
                "the body is not origin, size, root",
            ));
        };
        let size: u64 = size
            .parse()
            .map_err(|_| CheckpointError::Malformed("the size is not a number"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(CheckpointError::Malformed(
                "the root is not 32 bytes of base64",
            ))?;
        let id = key_id(origin, key);
        let signed = signatures.lines().any(|line| {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return false;
            };
            let Some((name, blob)) = rest.split_once(' ') else {
                return false;
            };
            let Ok(blob) = STANDARD.decode(blob.trim()) else {
                return false;
            };
            name == origin
                && blob.len() == 68
                && blob[..4] == id
                && key.verify_bytes(body.as_bytes(), &blob[4..])
        });
        if !signed {
            return Err(CheckpointError::BadSignature);
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

/// Why a checkpoint was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint note.
    #[error("the checkpoint is malformed: {0}")]
    Malformed(&'static str),
    /// No signature by the expected key.
    #[error("the checkpoint is not signed by the peer's node key")]
    BadSignature,
}

/// signed-note's key id for an Ed25519 key.
fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The node's key: read from `path`, or generated there (mode 0600) on
/// first start. The file holds the base64 of the 32-byte seed.
pub fn load_or_create(path: &Path) -> anyhow::Result<SecretKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed: [u8; 32] = STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: not a dix node key (base64 of 32 bytes)",
                        path.display()
                    )
                })?;
            Ok(SecretKey::from_seed(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate()
                .map_err(|e| anyhow::anyhow!("generating the node key: {e}"))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = match options.open(path) {
                Ok(f) => f,
                // Another replica created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return load_or_create(path);
                }
                Err(e) => anyhow::bail!("creating the node key {}: {e}", path.display()),
            };
            file.write_all(format!("{}\n", STANDARD.encode(key.seed())).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| anyhow::anyhow!("writing the node key {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), public_key = %key.public_key().to_base64(), "generated a node key");
            Ok(key)
        }
        Err(e) => anyhow::bail!("reading the node key {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_under_its_key_and_bytes() {
        let key = SecretKey::from_seed(&[7; 32]);
        let other = SecretKey::from_seed(&[8; 32]);
        let cp = Checkpoint {
            origin: "dix.example.net/feed".into(),
            size: 12,
            root: [3; 32],
        };
        let note = cp.sign(&key);
        assert!(note.starts_with("dix.example.net/feed\n12\n"));
        assert_eq!(Checkpoint::verify(&note, &key.public_key()), Ok(cp));
        assert_eq!(
            Checkpoint::verify(&note, &other.public_key()),
            Err(CheckpointError::BadSignature)
        );
        let tampered = note.replacen("\n12\n", "\n13\n", 1);
        assert_eq!(
            Checkpoint::verify(&tampered, &key.public_key()),
            Err(CheckpointError::BadSignature)
        );
        assert!(matches!(
            Checkpoint::verify("garbage", &key.public_key()),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.key");
        let first = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "nope").unwrap();
        assert!(load_or_create(&path).is_err());
    }
}
