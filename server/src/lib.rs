//! # dix-server — `dixd`, a dix node
//!
//! A node accepts signed notices, verifies them against their issuer's key,
//! checks what they claim authority over, stores them durably and serves
//! them: to helpdesks and operators as current incident states, to other
//! nodes as a feed of the exact signed bytes.
//!
//! ```text
//! POST /v1/notices ─▶ ingest: parse ─▶ clock ─▶ keys (pin | DNS, cached) ─▶ verify
//!                            ─▶ issuer rate limit ─▶ scope (DNS) ─▶ store (one transaction)
//! GET  /v1/incidents, /v1/incidents/{id}, /v1/issuers/{d}, /v1/feed ◀─ store
//! peers' /v1/feed ─▶ federation (verify each notice again) ─▶ ingest ─▶ store ─▶ our /v1/feed
//! GET  /v1/checkpoint, /v1/proof/consistency ◀─ tlog (Merkle tree over the feed)
//! GET  /, POST /explain, /incidents, /issuers/{d} ◀─ web (pages, from the same store and index)
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`config`] | the typed configuration: TOML file, `DIXD_*` env, flags |
//! | [`startup`] | `Application::build` → `local_addr` → `run_until_stopped` |
//! | [`serve`] | the accept loop: connection cap, header-read and idle timeouts, graceful shutdown |
//! | [`http`] | the router, one module per resource, the OpenAPI document |
//! | [`changes`] | stored revisions as events for `/v1/stream` and the webhooks (verified claims decide who gets them) |
//! | [`web`] | the pages people read: the helpdesk's page, incidents, issuers (maud, ja/en, CSP) |
//! | [`webhooks`] | incidents POSTed to subscribers, signed, in order, from a durable outbox |
//! | [`ingest`] | the publish pipeline, shared by every way a notice arrives, and its error type |
//! | [`federation`] | pulling peers' feeds: schedule, live stream, backoff, checkpoint checks |
//! | [`tlog`] | the feed as a Merkle log: node key, signed checkpoints, consistency proofs |
//! | [`keys`] | key discovery: pins, DNS TXT records, cache, re-fetch on rotation |
//! | [`limits`] | who pays for work a stranger causes: client (IPv6 /64), issuer (registrable domain), peer; DNS query budgets |
//! | [`scope`] | scope authorisation: one rule per claim, the evidence each needs, and what a verified claim may decide |
//! | [`index`] | the in-memory matching index: a bounce's facts → incidents whose verified claims cover it |
//! | [`dns`] | the DNS questions, through hickory-resolver |
//! | [`store`] | sqlx over SQLite or PostgreSQL; all SQL, migrations |
//! | [`metrics`] | Prometheus metrics |
//! | [`demo`] | demonstration data for `dixd --demo` |
//! | [`error`] | the HTTP error type: status, stable code, message, field |

pub mod changes;
pub mod config;
pub mod demo;
pub mod dns;
pub mod error;
pub mod explain;
pub mod federation;
pub mod http;
pub mod index;
pub mod ingest;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod node;
pub mod scope;
pub mod serve;
pub mod startup;
pub mod store;
pub mod tlog;
pub mod web;
pub mod webhooks;
