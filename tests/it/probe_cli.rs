//! `gatekit probe` from the command line against servers of the test's own
//! on 127.0.0.1: exit codes, dry runs that send nothing, and credentials
//! that are never printed.

use std::process::{Command, Output};

use crate::probe_servers::{Received, Reply, counting_relay, free_port, http_server};

fn gatekit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .arg("probe")
        .args(args)
        .env("NO_COLOR", "1")
        .env("GATEKIT_PROBE_TEST_TOKEN", "never-shown-5d2a")
        .output()
        .expect("gatekit runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn describe(output: &Output) -> String {
    crate::support::describe(output)
}

fn ok(_request: &Received) -> Reply {
    (200, Vec::new(), "ok".to_string())
}

#[test]
fn probe_rejects_invalid_urls_with_2() {
    for url in [
        "http://127.0.0.1:9/",
        "https://user:secret@127.0.0.1:9/",
        "not a url",
    ] {
        let output = gatekit(&[url]);
        assert_eq!(code(&output), 2, "{url}\n{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("secret"), "{stderr}");
    }
}

#[test]
fn probe_rejects_zero_max_requests_with_2() {
    let output = gatekit(&["--max-requests", "0", "https://127.0.0.1:9/"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
}

#[test]
fn probe_missing_credential_is_invalid_input() {
    let output = gatekit(&[
        "--credential-env",
        "GATEKIT_PROBE_TEST_UNSET",
        "https://127.0.0.1:9/",
    ]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
}

#[test]
fn probe_unreachable_target_exits_4() {
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}/");
    let output = gatekit(&["--http-port", &free_port().to_string(), &url]);
    assert_eq!(code(&output), 4, "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is the gateway running"), "{stderr}");
}

#[test]
fn probe_dry_run_sends_nothing() {
    let server = http_server(ok);
    let relay = counting_relay(server.port);
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.yaml");
    std::fs::write(
        &answers,
        "project: payments\nvendor: nginx\nenvironment: on-prem\ntls:\n  domains: [api.example.com]\nservices:\n  - name: orders\n    upstream: https://orders.internal.example.com\n    path: /orders\n    methods: [GET, POST]\n",
    )
    .unwrap();
    let url = format!("https://api.example.com:{}/", relay.port);
    let output = gatekit(&[
        "--dry-run",
        "--answers",
        answers.to_str().unwrap(),
        "--address",
        "127.0.0.1",
        "--credential-env",
        "GATEKIT_PROBE_TEST_TOKEN",
        "--http-port",
        &free_port().to_string(),
        &url,
    ]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let plan = String::from_utf8_lossy(&output.stdout);
    assert!(plan.contains("probe-auth-required"), "{plan}");
    assert!(plan.contains("GET /orders"), "{plan}");
    assert!(plan.contains("127.0.0.1"), "{plan}");
    assert!(!plan.contains("never-shown-5d2a"), "{plan}");
    assert_eq!(relay.count(), 0, "a dry run opens no connection");
    assert_eq!(server.count(), 0, "a dry run sends no request");
}
