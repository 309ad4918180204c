//! gatekit's integration tests: one binary, so the crate is linked once.

mod support;

mod generated;
mod snapshots;
mod terraform;
