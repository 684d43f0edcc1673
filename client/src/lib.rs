//! # dix-client — the `dix` command and the library behind it
//!
//! | module | what it does |
//! |---|---|
//! | [`keyfile`] | the private-key file `dix keygen` writes: key + issuer + selector |
//! | [`template`] | a fresh, editable notice for `dix notice new` |
//! | [`bounce`] | bounce parsing and classification: DSNs, non-standard bounces, logs, replies → facts with a reason |
//! | [`knowledge`] | the knowledge base (`data/knowledge.toml`): which provider answered, the cause, in the written order of evidence |
//! | [`verdict`] | the answer: who acts, whether it is retried, what happened, the customer reply — all from one cause |
//! | [`explain`] | asking nodes for incidents, and the text answer |
//! | [`publish`] | `dix notice publish / update / resolve / list`: sign here, post to a node, seq from the clock |
//! | [`scan`] | `dix scan`: a day of logs and bounces, messages joined by queue ID, summarised by domain and reason |
//! | [`cli`] | argument parsing and the subcommands (`keygen`, `key rotate`, `notice …`, `parse`, `scan`, `explain`) |
//!
//! Notice types, signing and verification live in `dix-schema`; this crate
//! adds what an operator at a terminal needs around them.

pub mod bounce;
pub mod cli;
pub mod explain;
pub mod keyfile;
pub mod knowledge;
pub mod publish;
pub mod scan;
pub mod template;
pub mod verdict;
