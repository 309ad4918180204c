//! gatekit's integration tests: one binary, so the crate is linked once.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

mod apigee;
mod aws;
mod cli;
mod generated;
mod injection;
mod pty;
mod readback;
mod snapshots;
mod validators;
