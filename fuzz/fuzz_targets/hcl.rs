//! Audits arbitrary text as `main.tf`: detection, the parser, every rule and
//! the snippet step.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::audit_bytes("main.tf", data);
});
