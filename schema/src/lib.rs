//! # dix-schema — what a dix notice is, and how it is signed
//!
//! A notice is one signed revision of one delivery incident. This crate is
//! the single definition of it, shared by the node (`dixd`) and the client
//! (`dix`). The path of a notice through it:
//!
//! ```text
//! bytes ──json::parse_strict──▶ JSON value      (no duplicate keys, integers only)
//!       ──Notice (serde) + Notice::check──▶ fields valid, named on error
//!       ──canonical form check──▶ UnverifiedNotice   (issuer, selector known)
//!       ──verify(PublicKey)──▶ SignedNotice          (keeps the exact bytes)
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`types`] | value types that cannot be invalid: `Domain`, `Selector`, `EnhancedStatus`, `ReplyCode`, `IpRange`, `TextPattern`, `Timestamp`, texts |
//! | [`notice`] | the `Notice` struct, its kinds and statuses, cross-field rules |
//! | [`json`] | strict JSON reading and RFC 8785 canonical bytes |
//! | [`signing`] | Ed25519 over the canonical bytes; `UnverifiedNotice` → `SignedNotice` |
//! | [`keys`] | keys and the DNS record `v=DIX1; k=ed25519; p=…` |
//! | [`schema`] | the generated JSON Schema (`schema/notice.schema.json`) |
//! | [`error`] | the one error type: stable code, field path, message |
//!
//! Test vectors live in `schema/vectors/`; `tests/vectors.rs` checks them.

pub mod error;
mod glob;
pub mod json;
pub mod keys;
pub mod notice;
pub mod schema;
pub mod signing;
pub mod types;

pub use error::{Error, ErrorCode};
pub use keys::{DelegationRecord, KeyRecord, PublicKey, SecretKey};
pub use notice::{
    Blocklist, IncidentId, IssuerRole, Kind, Notice, Quarantine, Scope, Status, Symptom, Version,
};
pub use signing::{
    MAX_NOTICE_BYTES, SIGNING_CONTEXT, SignedNotice, UnverifiedNotice, sign, sign_json,
};
