//! # dix-client — the `dix` command and the library behind it
//!
//! | module | what it does |
//! |---|---|
//! | [`keyfile`] | the private-key file `dix keygen` writes: key + issuer + selector |
//! | [`template`] | a fresh, editable notice for `dix notice new` |
//! | [`cli`] | argument parsing and the subcommands (`keygen`, `notice new/sign/verify`) |
//!
//! Notice types, signing and verification live in `dix-schema`; this crate
//! adds what an operator at a terminal needs around them.

pub mod cli;
pub mod keyfile;
pub mod template;
