//! Parses arbitrary text with the position-keeping YAML reader, walks the
//! tree as rules do, then audits it as a YAML file (Kong, Envoy, OpenAPI,
//! Helm values and Kubernetes manifests are all detected from content).

#![no_main]

use std::collections::HashMap;

use gatekit::yaml::{self, Limits};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 100_000,
        max_aliases: 1_000,
    };
    if let Ok(docs) = yaml::parse(text, limits) {
        for doc in &docs {
            let _ = doc.to_json();
            let _ = doc.duplicate_keys();
            let mut positions = HashMap::new();
            doc.index_positions("", &mut positions);
        }
    }
    let _ = yaml::first_tag(text);
    common::audit_bytes("gateway.yaml", data);
});
