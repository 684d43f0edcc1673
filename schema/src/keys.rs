//! Ed25519 keys and the DNS key record that publishes them.
//!
//! The record, a TXT at `<selector>._dix.<issuer>`, reads like a DKIM key
//! record: `v=DIX1; k=ed25519; p=<base64 public key>`. Tags are separated by
//! `;`, whitespace around tags is ignored, `v` comes first, unknown tags are
//! ignored (so later versions can add some), and an empty `p=` means the key
//! is revoked. Joining a TXT record's character-strings is the resolver's job.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, ErrorCode};

/// An Ed25519 public key that is a valid, non-weak curve point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From the 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("an Ed25519 public key is 32 bytes, not {}", bytes.len()))?;
        let key = VerifyingKey::from_bytes(&arr).map_err(|_| {
            "the bytes are not an Ed25519 public key (not a curve point)".to_string()
        })?;
        if key.is_weak() {
            return Err("the key is a weak (small-order) Ed25519 point, which could verify forged signatures".into());
        }
        Ok(Self(key))
    }

    /// From standard base64 (as in the DNS record; whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = STANDARD
            .decode(&compact)
            .map_err(|e| format!("the public key is not valid base64: {e}"))?;
        Self::from_bytes(&bytes)
    }

    /// Standard base64 with padding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }

    /// Whether `signature` is this key's Ed25519 signature over `message`,
    /// by `verify_strict` (the same rule every node applies to notices).
    pub fn verify_bytes(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.0
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(&bytes))
            .is_ok()
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

/// An Ed25519 private key. Zeroised on drop by ed25519-dalek; never printed.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, getrandom::Error> {
        // A 32-byte seed is the whole private key: no RNG framework needed.
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)?;
        Ok(Self(SigningKey::from_bytes(&seed)))
    }

    /// From the 32-byte seed (RFC 8032's private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed.
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The Ed25519 signature over `message` (for things other than notices:
    /// a node's checkpoints).
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(public {})", self.public_key().to_base64())
    }
}

/// A parsed key record: a public key, or a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRecord {
    key: Option<PublicKey>,
}

impl KeyRecord {
    /// A record publishing `key`.
    pub fn active(key: PublicKey) -> Self {
        Self { key: Some(key) }
    }

    /// A revocation record (`p=` empty).
    pub fn revoked() -> Self {
        Self { key: None }
    }

    /// Parses the TXT record text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |field: &str, msg: String| Error::new(ErrorCode::MalformedKeyRecord, field, msg);
        let mut tags: Vec<(&str, &str)> = Vec::new();
        for part in text.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| bad("", format!("`{part}` is not a tag=value pair")))?;
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(bad("", format!("`{name}` is not a tag name")));
            }
            if tags.iter().any(|(n, _)| *n == name) {
                return Err(bad(name, format!("the tag `{name}` appears twice")));
            }
            tags.push((name, value));
        }
        match tags.first() {
            Some(("v", "DIX1")) => {}
            Some(("v", other)) => return Err(bad("v", format!("version `{other}` is not DIX1"))),
            _ => return Err(bad("v", "the record must start with v=DIX1".into())),
        }
        let tag = |name: &str| tags.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        match tag("k") {
            None | Some("ed25519") => {}
            Some(other) => {
                return Err(bad(
                    "k",
                    format!("key type `{other}` is not supported; dix keys are ed25519"),
                ));
            }
        }
        let p = tag("p").ok_or_else(|| {
            bad(
                "p",
                "the record has no p= tag (the public key; empty to revoke)".into(),
            )
        })?;
        if p.is_empty() {
            return Ok(Self::revoked());
        }
        let key = PublicKey::from_base64(p).map_err(|e| bad("p", e))?;
        Ok(Self::active(key))
    }

    /// The record text to publish.
    pub fn render(&self) -> String {
        format!(
            "v=DIX1; k=ed25519; p={}",
            self.key.map(|k| k.to_base64()).unwrap_or_default()
        )
    }

    /// The key, or `revoked_key` when revoked.
    pub fn require_active(&self) -> Result<PublicKey, Error> {
        self.key.ok_or_else(|| Error::new(ErrorCode::RevokedKey, "p", "the key record is revoked (empty p=); notices signed with this selector are not accepted"))
    }

    /// True for a revocation.
    pub fn is_revoked(&self) -> bool {
        self.key.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let key = SecretKey::from_seed(&[7; 32]).public_key();
        let rec = KeyRecord::active(key);
        assert_eq!(KeyRecord::parse(&rec.render()).unwrap(), rec);
        assert_eq!(
            KeyRecord::parse(&KeyRecord::revoked().render()).unwrap(),
            KeyRecord::revoked()
        );
        assert_eq!(
            KeyRecord::revoked().require_active().unwrap_err().code,
            ErrorCode::RevokedKey
        );
    }

    #[test]
    fn records_are_read_leniently_where_dkim_is() {
        let key = SecretKey::from_seed(&[7; 32]).public_key();
        let b64 = key.to_base64();
        let spaced = format!("  v=DIX1 ;p = {} {} ; xfuture=1;", &b64[..10], &b64[10..]);
        assert_eq!(
            KeyRecord::parse(&spaced).unwrap().require_active().unwrap(),
            key
        );
    }

    #[test]
    fn bad_records_say_why() {
        let cases = [
            ("", "v"),
            ("p=abc; v=DIX1", "v"),
            ("v=DIX2; p=", "v"),
            ("v=DIX1; k=rsa; p=", "k"),
            ("v=DIX1; k=ed25519", "p"),
            ("v=DIX1; p=!!!", "p"),
            ("v=DIX1; p=AAAA", "p"),
            ("v=DIX1; p=; p=", "p"),
            ("v=DIX1; garbage", ""),
        ];
        for (text, field) in cases {
            let err = KeyRecord::parse(text).unwrap_err();
            assert_eq!(
                (err.code, err.field.as_str()),
                (ErrorCode::MalformedKeyRecord, field),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(
            PublicKey::from_bytes(&identity)
                .unwrap_err()
                .contains("weak")
        );
    }
}

/// A scope delegation: a TXT record at `_dix.<domain>` reading
/// `v=DIX1; d=<issuer>` lets `<issuer>` publish notices about `<domain>`
/// (a hosting provider speaking for its customers' domains). A domain may
/// publish several, one per issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRecord {
    /// The issuer allowed to speak for the domain.
    pub issuer: crate::types::Domain,
}

impl DelegationRecord {
    /// Parses `v=DIX1; d=<issuer>`; `None` for TXT records that are not dix
    /// delegations (other TXT records may live at the same name).
    pub fn parse(text: &str) -> Option<Self> {
        let mut tags = text
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.split_once('=').map(|(k, v)| (k.trim(), v.trim())));
        if tags.next()? != Some(("v", "DIX1")) {
            return None;
        }
        let issuer = tags.flatten().find(|(k, _)| *k == "d")?.1;
        crate::types::Domain::parse_lenient(issuer)
            .ok()
            .map(|issuer| Self { issuer })
    }

    /// The record text.
    pub fn render(&self) -> String {
        format!("v=DIX1; d={}", self.issuer)
    }
}

#[cfg(test)]
mod delegation_tests {
    use super::DelegationRecord;

    #[test]
    fn delegations() {
        let d = DelegationRecord::parse("v=DIX1; d=Hosting.example.jp").unwrap();
        assert_eq!(d.issuer.as_str(), "hosting.example.jp");
        assert_eq!(DelegationRecord::parse(&d.render()), Some(d));
        assert_eq!(DelegationRecord::parse("v=spf1 -all"), None);
        assert_eq!(DelegationRecord::parse("v=DIX1; p=abc"), None);
    }
}
