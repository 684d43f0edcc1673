//! # dix-client — the `dix` command and the library behind it
//!
//! | module | what it does |
//! |---|---|
//! | [`keyfile`] | the private-key file `dix keygen` writes: key + issuer + selector |
//! | [`template`] | a fresh, editable notice for `dix notice new` |
//! | [`bounce`], [`knowledge`], [`verdict`] | re-exported from `dix-bounce`: facts with a reason, the knowledge base, the answer |
//! | [`explain`] | asking nodes for incidents, and the text answer |
//! | [`publish`] | `dix notice publish / update / resolve / list`: sign here, post to a node, seq from the clock |
//! | [`scan`] | `dix scan`: a day of logs and bounces, messages joined by queue ID, summarised by domain and reason |
//! | [`cli`] | argument parsing and the subcommands (`keygen`, `key rotate`, `notice …`, `parse`, `scan`, `explain`) |
//!
//! Notice types, signing and verification live in `dix-schema`; this crate
//! adds what an operator at a terminal needs around them.

pub mod cli;
pub mod explain;
pub mod keyfile;
pub mod publish;
pub mod scan;
pub mod template;

// The bounce reader, the knowledge base and the verdict are their own
// crate (no network, no CLI), shared with dixd; here under their old names.
pub use dix_bounce as bounce;
pub use dix_bounce::{knowledge, verdict};
