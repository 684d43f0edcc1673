//! The private-key file `dix keygen` writes and `dix notice sign` reads.
//!
//! A small JSON document rather than bare key bytes, because a key is only
//! useful together with the issuer and selector it is published under; keeping
//! them together lets `dix notice sign` refuse to sign a notice with the key of
//! another issuer or selector.
//!
//! ```json
//! {"format":"dix-secret-key-v1","issuer":"example-isp.jp","selector":"s2026","seed":"<base64url>"}
//! ```

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dix_schema::types::{Domain, Selector};
use dix_schema::{KeyRecord, SecretKey};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "dix-secret-key-v1";

/// A signing key and where its public half is published.
#[derive(Debug)]
pub struct KeyFile {
    /// The issuer domain the key speaks for.
    pub issuer: Domain,
    /// The selector it is published under.
    pub selector: Selector,
    /// The key itself.
    pub key: SecretKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    format: String,
    issuer: Domain,
    selector: Selector,
    seed: String,
}

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file exists; keys are never overwritten.
    #[error(
        "{0} already exists; refusing to overwrite a key (remove it first if you really mean to)"
    )]
    Exists(String),
    /// Any I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The content is not a dix key file.
    #[error("{path} is not a dix key file: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The OS random source failed.
    #[error("{0}")]
    Random(#[from] getrandom::Error),
}

impl KeyFile {
    /// A new random key for `issuer`/`selector`.
    pub fn generate(issuer: Domain, selector: Selector) -> Result<Self, KeyFileError> {
        Ok(Self {
            issuer,
            selector,
            key: SecretKey::generate()?,
        })
    }

    /// Writes the file with mode 0600, failing if it already exists.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        let shown = path.display().to_string();
        let io = |source| KeyFileError::Io {
            path: shown.clone(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyFileError::Exists(shown.clone())
            } else {
                io(e)
            }
        })?;
        let on_disk = OnDisk {
            format: FORMAT.into(),
            issuer: self.issuer.clone(),
            selector: self.selector.clone(),
            seed: URL_SAFE_NO_PAD.encode(self.key.seed()),
        };
        let mut text = serde_json::to_string_pretty(&on_disk).expect("serialises");
        text.push('\n');
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io)
    }

    /// Reads a key file.
    pub fn read(path: &Path) -> Result<Self, KeyFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| KeyFileError::Io {
            path: shown.clone(),
            source,
        })?;
        let invalid = |reason: String| KeyFileError::Invalid {
            path: shown.clone(),
            reason,
        };
        let on_disk: OnDisk = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        if on_disk.format != FORMAT {
            return Err(invalid(format!(
                "format is `{}`, expected `{FORMAT}`",
                on_disk.format
            )));
        }
        let seed = URL_SAFE_NO_PAD
            .decode(&on_disk.seed)
            .map_err(|e| invalid(format!("seed: {e}")))?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| invalid("seed: must be 32 bytes".into()))?;
        Ok(Self {
            issuer: on_disk.issuer,
            selector: on_disk.selector,
            key: SecretKey::from_seed(&seed),
        })
    }

    /// The DNS record name, `<selector>._dix.<issuer>`.
    pub fn record_name(&self) -> String {
        self.selector.record_name(&self.issuer)
    }

    /// The TXT record text to publish.
    pub fn record(&self) -> KeyRecord {
        KeyRecord::active(self.key.public_key())
    }

    /// A zone-file line publishing the key.
    pub fn zone_line(&self) -> String {
        format!(
            "{}. IN TXT \"{}\"",
            self.record_name(),
            self.record().render()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_round_trip_and_no_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.dixkey");
        let kf = KeyFile::generate(
            Domain::parse("example.jp").unwrap(),
            Selector::parse("s1").unwrap(),
        )
        .unwrap();
        kf.write_new(&path).unwrap();
        let back = KeyFile::read(&path).unwrap();
        assert_eq!(back.key.public_key(), kf.key.public_key());
        assert_eq!(
            (back.issuer.as_str(), back.selector.as_str()),
            ("example.jp", "s1")
        );
        assert!(matches!(kf.write_new(&path), Err(KeyFileError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
