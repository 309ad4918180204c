//! gatekit's integration tests: one binary, so the crate is linked once.

mod support;

mod audit_docs;
mod audit_rules;
mod generated;
mod snapshots;
