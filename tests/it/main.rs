//! gatekit's integration tests: one binary, so the crate is linked once.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod audit_cli;
mod audit_corpus;
mod audit_docs;
mod audit_generated;
mod audit_rules;
mod cli;
mod generated;
mod injection;
mod readback;
mod snapshots;
mod validators;
