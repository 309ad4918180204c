//! gatekit's integration tests: one binary, so the crate is linked once.

mod support;

mod apigee;
mod aws;
mod generated;
mod snapshots;
