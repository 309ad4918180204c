//! gatekit's integration tests: one binary, so the crate is linked once.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod cli;
mod generated;
mod injection;
mod kong;
mod kong_schema;
mod pty;
mod readback;
mod snapshots;
mod validators;
