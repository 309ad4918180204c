//! gatekit's integration tests: one binary, so the crate is linked once.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod cli;
mod generated;
mod kong;
mod kong_schema;
mod snapshots;
mod validators;
