//! gatekit's integration tests: one binary, so the crate is linked once.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod apigee;
mod audit_cli;
mod audit_corpus;
mod audit_docs;
mod audit_generated;
mod audit_rules;
mod aws;
mod cli;
mod generated;
mod hostile_answers;
mod hostile_blueprints;
mod hostile_paths;
mod hostile_update;
mod injection;
mod kong;
mod kong_schema;
mod properties;
mod pty;
mod readback;
mod snapshots;
mod terraform;
mod update_clone;
mod update_files;
mod update_fixture;
mod update_merge;
mod update_sources;
mod update_state;
mod validators;
