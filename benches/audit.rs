//! Audit throughput on large generated configurations: a Kong declarative
//! file and an Envoy bootstrap with 10,000 routes each.
//!
//! `cargo bench --bench audit`; results and the machine are recorded in
//! `docs/benchmarks.md`.

#![allow(clippy::unwrap_used)]

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use gatekit::audit::{self, Options};

const ROUTES: usize = 10_000;

fn main() {
    divan::main();
}

/// Returns a Kong configuration with one hardened service per route: JWT,
/// rate and size limits, HTTPS only.
pub fn kong_config(routes: usize) -> String {
    let mut out = String::from("_format_version: \"3.0\"\nservices:\n");
    for i in 0..routes {
        let _ = write!(
            out,
            "  - name: svc-{i}\n    url: https://svc-{i}.internal:8443\n    tls_verify: true\n    routes:\n      \
             - name: route-{i}\n        paths: [/api/v1/r{i}]\n        methods: [GET, POST]\n        protocols: [https]\n        \
             plugins:\n          - name: jwt\n            config:\n              claims_to_verify: [exp]\n              \
             uri_param_names: []\n          - name: rate-limiting\n            config:\n              second: 10\n          \
             - name: request-size-limiting\n            config:\n              allowed_payload_size: 1024\n              \
             size_unit: kilobytes\n"
        );
    }
    out
}

/// Returns an Envoy bootstrap with one listener whose virtual host has
/// `routes` routes.
pub fn envoy_config(routes: usize) -> String {
    let mut out = String::from(
        "admin:\n  address:\n    socket_address: {address: 127.0.0.1, port_value: 9901}\nstatic_resources:\n  listeners:\n    \
         - name: https\n      address:\n        socket_address: {address: 0.0.0.0, port_value: 8443}\n      filter_chains:\n        \
         - filters:\n            - name: envoy.filters.network.http_connection_manager\n              typed_config:\n                \
         \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n                \
         stat_prefix: ingress\n                normalize_path: true\n                merge_slashes: true\n                \
         route_config:\n                  virtual_hosts:\n                    - name: api\n                      domains: [\"*\"]\n                      routes:\n",
    );
    for i in 0..routes {
        let _ = write!(
            out,
            "                        - match: {{prefix: /api/v1/r{i}}}\n                          route: {{cluster: svc-{}}}\n",
            i % 100
        );
    }
    out.push_str(
        "                http_filters:\n                  - name: envoy.filters.http.jwt_authn\n                    typed_config:\n                      \
         \"@type\": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication\n                      \
         providers: {idp: {issuer: https://id.example.com/, audiences: [api]}}\n                      \
         rules: [{match: {prefix: /}, requires: {provider_name: idp}}]\n                  - name: envoy.filters.http.router\n                    \
         typed_config:\n                      \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n",
    );
    out
}

struct Inputs {
    _dir: tempfile::TempDir,
    kong: PathBuf,
    envoy: PathBuf,
}

static INPUTS: LazyLock<Inputs> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let kong = dir.path().join("kong.yaml");
    let envoy = dir.path().join("envoy.yaml");
    std::fs::write(&kong, kong_config(ROUTES)).unwrap();
    std::fs::write(&envoy, envoy_config(ROUTES)).unwrap();
    Inputs {
        _dir: dir,
        kong,
        envoy,
    }
});

fn run(path: &Path) -> usize {
    let options = Options {
        paths: vec![path.to_path_buf()],
        baseline: None,
    };
    audit::audit(&options).unwrap().findings.len()
}

#[divan::bench(sample_count = 10)]
fn kong_10k_routes() -> usize {
    run(&INPUTS.kong)
}

#[divan::bench(sample_count = 10)]
fn envoy_10k_routes() -> usize {
    run(&INPUTS.envoy)
}
