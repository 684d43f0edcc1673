//! Signing and verifying notices.
//!
//! The signed message is `dix-notice-v1\0` followed by the RFC 8785 canonical
//! bytes of the notice without its `sig` member. The context prefix means a
//! notice signature can never be replayed as the signature of anything else.
//!
//! On the wire a signed notice must itself be canonical: the exact JCS bytes
//! of the whole object, `sig` included. One notice therefore has exactly one
//! byte form, so nodes can compare stored bytes to tell a replay (same bytes)
//! from equivocation (same issuer and seq, different bytes), and relays never
//! need to re-serialise anything.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};
use crate::json::{canonical_bytes, parse_strict};
use crate::keys::{PublicKey, SecretKey};
use crate::notice::{NOTICE_VERSION, Notice};
use crate::types::{Domain, Selector};

/// Domain-separation prefix of every notice signature.
pub const SIGNING_CONTEXT: &[u8] = b"dix-notice-v1\0";
/// Largest signed notice accepted, in bytes.
pub const MAX_NOTICE_BYTES: usize = 64 * 1024;

/// A notice whose fields and form are valid but whose signature has not been
/// checked yet: what a node holds while it looks up the issuer's key.
#[derive(Debug, Clone)]
pub struct UnverifiedNotice {
    notice: Notice,
    bytes: Arc<[u8]>,
    message: Vec<u8>,
    signature: Signature,
}

/// A notice whose signature verified under its issuer's key. Only
/// [`UnverifiedNotice::verify`] and [`sign`] make one, and it keeps the exact
/// bytes it was verified from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNotice {
    notice: Notice,
    bytes: Arc<[u8]>,
}

impl UnverifiedNotice {
    /// Reads a signed notice from its wire bytes. Checks, in order: size,
    /// strict JSON, version, every field, the cross-field rules, canonical
    /// form, and the encoding of `sig`.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_NOTICE_BYTES {
            return Err(Error::whole(
                ErrorCode::TooLarge,
                format!(
                    "the notice is {} bytes; at most {MAX_NOTICE_BYTES} are accepted",
                    bytes.len()
                ),
            ));
        }
        let value = parse_strict(bytes)?;
        let Value::Object(mut object) = value.clone() else {
            return Err(Error::whole(
                ErrorCode::MalformedJson,
                "a notice is a JSON object",
            ));
        };
        let sig = object.remove("sig");
        let notice = notice_from_object(&object)?;
        let sig = sig.ok_or_else(|| {
            Error::new(
                ErrorCode::MissingField,
                "sig",
                "the notice is not signed (no sig member)",
            )
        })?;

        let canonical = canonical_bytes(&value);
        if canonical != bytes {
            let at = canonical
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(canonical.len().min(bytes.len()));
            return Err(Error::whole(
                ErrorCode::NonCanonical,
                format!(
                    "the notice is not in RFC 8785 canonical form (first difference at byte {at}); send exactly the bytes `dix notice sign` printed"
                ),
            ));
        }
        let signature = decode_signature(&sig)?;
        let message = signed_message(&object);
        Ok(Self {
            notice,
            bytes: bytes.into(),
            message,
            signature,
        })
    }

    /// The claimed issuer (not yet proven).
    pub fn issuer(&self) -> &Domain {
        &self.notice.issuer
    }

    /// The claimed key selector.
    pub fn selector(&self) -> &Selector {
        &self.notice.key
    }

    /// The claimed publication time (a node checks it against its clock
    /// before spending a DNS lookup on the key).
    pub fn published_at(&self) -> crate::types::Timestamp {
        self.notice.published_at
    }

    /// The claimed sequence number.
    pub fn seq(&self) -> u64 {
        self.notice.seq
    }

    /// The DNS name of the key record to verify against.
    pub fn key_record_name(&self) -> String {
        self.notice.key_record_name()
    }

    /// Checks the signature under `key` (strict verification: no malleable or
    /// small-order signatures).
    pub fn verify(&self, key: &PublicKey) -> Result<SignedNotice, Error> {
        key.verifying_key().verify_strict(&self.message, &self.signature).map_err(|_| {
            Error::new(
                ErrorCode::SignatureMismatch,
                "sig",
                format!(
                    "the signature does not match the key at {}: the notice was changed after it was signed, or signed with another key",
                    self.key_record_name()
                ),
            )
        })?;
        Ok(SignedNotice {
            notice: self.notice.clone(),
            bytes: self.bytes.clone(),
        })
    }
}

impl SignedNotice {
    /// The notice's fields.
    pub fn notice(&self) -> &Notice {
        &self.notice
    }

    /// The exact signed bytes (canonical JSON, `sig` included).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes as text (always UTF-8: it is JSON).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).expect("verified notices are JSON text")
    }

    /// A cheap handle on the bytes, for stores and caches.
    pub fn shared_bytes(&self) -> Arc<[u8]> {
        self.bytes.clone()
    }
}

impl Notice {
    /// Reads a notice back from bytes that were verified before they were
    /// stored (a node's own database). Every field rule is checked again, by
    /// the same reader as [`UnverifiedNotice::parse`]; the signature is not,
    /// since it was checked on the way in.
    pub fn from_verified_bytes(bytes: &[u8]) -> Result<Notice, Error> {
        match parse_strict(bytes)? {
            Value::Object(mut object) => {
                object.remove("sig");
                notice_from_object(&object)
            }
            _ => Err(Error::whole(
                ErrorCode::MalformedJson,
                "a notice is a JSON object",
            )),
        }
    }
}

/// Signs a notice given as JSON text (any formatting; duplicate keys and
/// non-integer numbers are still refused). A `sig` already present is
/// replaced. Every field rule is checked first: invalid notices are never
/// signed.
pub fn sign_json(json: &[u8], key: &SecretKey) -> Result<SignedNotice, Error> {
    match parse_strict(json)? {
        Value::Object(mut object) => {
            object.remove("sig");
            sign_object(object, key)
        }
        _ => Err(Error::whole(
            ErrorCode::MalformedJson,
            "a notice is a JSON object",
        )),
    }
}

/// Signs a notice built in code.
pub fn sign(notice: &Notice, key: &SecretKey) -> Result<SignedNotice, Error> {
    match serde_json::to_value(notice).expect("notices serialise") {
        Value::Object(object) => sign_object(object, key),
        _ => unreachable!("a struct serialises to an object"),
    }
}

fn sign_object(mut object: Map<String, Value>, key: &SecretKey) -> Result<SignedNotice, Error> {
    let notice = notice_from_object(&object)?;
    let signature = key.signing_key().sign(&signed_message(&object));
    object.insert(
        "sig".into(),
        Value::String(URL_SAFE_NO_PAD.encode(signature.to_bytes())),
    );
    let bytes = canonical_bytes(&Value::Object(object));
    if bytes.len() > MAX_NOTICE_BYTES {
        return Err(Error::whole(
            ErrorCode::TooLarge,
            format!(
                "the signed notice would be {} bytes; at most {MAX_NOTICE_BYTES} are accepted",
                bytes.len()
            ),
        ));
    }
    Ok(SignedNotice {
        notice,
        bytes: bytes.into(),
    })
}

fn signed_message(unsigned: &Map<String, Value>) -> Vec<u8> {
    let body =
        serde_json_canonicalizer::to_vec(unsigned).expect("strict JSON values always canonicalise");
    [SIGNING_CONTEXT, &body].concat()
}

fn decode_signature(sig: &Value) -> Result<Signature, Error> {
    let bad = |msg: &str| Error::new(ErrorCode::MalformedSignature, "sig", msg);
    let text = sig
        .as_str()
        .ok_or_else(|| bad("sig must be a string: the base64url (unpadded) Ed25519 signature"))?;
    let raw = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| bad("sig is not unpadded base64url"))?;
    let raw: [u8; 64] = raw
        .try_into()
        .map_err(|_| bad("sig must decode to the 64 bytes of an Ed25519 signature"))?;
    Ok(Signature::from_bytes(&raw))
}

/// Reads the typed notice from a strict-JSON object without `sig`, mapping
/// serde's errors onto our codes and field paths.
fn notice_from_object(object: &Map<String, Value>) -> Result<Notice, Error> {
    match object.get("v") {
        None => {
            return Err(Error::new(
                ErrorCode::MissingField,
                "v",
                "the notice has no version (v)",
            ));
        }
        Some(v) if v.as_u64() != Some(NOTICE_VERSION) => {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                "v",
                format!("version {v} is not supported; this reader understands v={NOTICE_VERSION}"),
            ));
        }
        Some(_) => {}
    }
    let notice: Notice =
        serde_path_to_error::deserialize(&Value::Object(object.clone())).map_err(from_serde)?;
    notice.check()?;
    Ok(notice)
}

fn from_serde(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = err.into_inner().to_string();
    // serde's derive writes these two messages itself; they are stable.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let parent = path
            .strip_suffix(name)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or(&path);
        let field = if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        return Error::new(ErrorCode::UnknownField, field, message);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return Error::new(
            ErrorCode::MissingField,
            field,
            format!("the required field `{name}` is absent"),
        );
    }
    Error::new(ErrorCode::InvalidValue, path, message)
}
