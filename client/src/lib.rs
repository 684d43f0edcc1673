//! # dix-client — the `dix` command and the library behind it
//!
//! | module | what it does |
//! |---|---|
//! | [`keyfile`] | the private-key file `dix keygen` writes: key + issuer + selector |
//! | [`template`] | a fresh, editable notice for `dix notice new` |
//! | [`bounce`] | bounce parsing and classification: DSNs, non-standard bounces, logs, replies → facts with a reason |
//! | [`cli`] | argument parsing and the subcommands (`keygen`, `notice new/sign/verify`) |
//!
//! Notice types, signing and verification live in `dix-schema`; this crate
//! adds what an operator at a terminal needs around them.

pub mod bounce;
pub mod cli;
pub mod explain;
pub mod keyfile;
pub mod knowledge;
pub mod template;
pub mod verdict;
