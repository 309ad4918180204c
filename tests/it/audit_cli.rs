//! `gatekit audit` from the command line: exit codes, output formats,
//! suppressions, redaction and hostile input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support;

fn gatekit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("gatekit runs")
}

fn fixture(relative: &str) -> String {
    format!("tests/fixtures/{relative}")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn findings_exit_one_and_clean_exits_zero() {
    let insecure = gatekit(&[
        "audit",
        &fixture("audit/kong-route-without-auth/insecure.yaml"),
    ]);
    assert_eq!(code(&insecure), 1, "{}", stderr(&insecure));
    let secure = gatekit(&[
        "audit",
        &fixture("audit/kong-route-without-auth/secure.yaml"),
    ]);
    assert_eq!(code(&secure), 0, "{}", stdout(&secure));
}

#[test]
fn min_severity_sets_the_failing_threshold() {
    let low_only = fixture("audit/kong-no-body-limit/insecure.yaml");
    assert_eq!(code(&gatekit(&["audit", &low_only])), 1);
    let output = gatekit(&["audit", "--min-severity", "medium", &low_only]);
    assert_eq!(code(&output), 0);
    assert!(
        stdout(&output).contains("kong-no-body-limit"),
        "lower findings are still reported"
    );
}

#[test]
fn nothing_supported_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "# not a gateway\n");
    write(
        dir.path(),
        "haproxy.cfg",
        "global\n  daemon\ndefaults\n  mode http\nfrontend f\n  bind :80\n",
    );
    let output = gatekit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("no supported gateway configuration"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("HAProxy configuration is not supported"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_path_is_an_input_error() {
    let output = gatekit(&["audit", "does/not/exist"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("does/not/exist not found"));
}

#[test]
fn malformed_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kong.yaml",
        "_format_version: \"3.0\"\nservices:\n  - name: a\n    url: [unclosed\n",
    );
    write(dir.path(), "nginx.conf", "server {\n    listen 80\n}\n");
    let output = gatekit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("kong.yaml:"), "{err}");
    assert!(err.contains("nginx.conf:3:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn alias_bomb_is_rejected_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("_format_version: \"3.0\"\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    write(dir.path(), "bomb.yaml", &text);
    let start = Instant::now();
    let output = gatekit(&["audit", dir.path().to_str().unwrap()]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("bomb.yaml:"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("nodes"), "{}", stderr(&output));
}

#[test]
fn deep_nesting_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deep.json",
        &("[".repeat(100_000) + &"]".repeat(100_000)),
    );
    let output = gatekit(&["audit", dir.path().to_str().unwrap()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("deep.json:1:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn stdout_carries_results_only() {
    let output = gatekit(&[
        "audit",
        "--format",
        "json",
        "-v",
        &fixture("audit-inventory"),
    ]);
    assert_eq!(code(&output), 1);
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("stdout is one JSON document");
    assert!(json["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn text_report_shows_file_line_and_snippet() {
    let output = gatekit(&[
        "audit",
        &fixture("audit/kong-route-plaintext/insecure.yaml"),
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("--> tests/fixtures/audit/kong-route-plaintext/insecure.yaml:10:20"),
        "{text}"
    );
    assert!(
        text.contains("10 |         protocols: [http, https]"),
        "{text}"
    );
    assert!(
        text.contains("control GK-TLS-02, OWASP API8:2023"),
        "{text}"
    );
}

#[test]
fn inventory_reports_shadow_and_zombie_routes() {
    let output = gatekit(&["audit", "--format", "json", &fixture("audit-inventory")]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let mut found: Vec<(String, String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("inventory-"))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["location"]["uri"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    let expected = vec![
        (
            "inventory-methods-wider".to_string(),
            "kong.yaml".to_string(),
            9,
        ),
        (
            "inventory-shadow-route".to_string(),
            "kong.yaml".to_string(),
            12,
        ),
        (
            "inventory-zombie-operation".to_string(),
            "openapi.yaml".to_string(),
            26,
        ),
    ];
    assert_eq!(found, expected);
}

#[test]
fn secrets_are_redacted_in_every_format() {
    for format in ["text", "json", "sarif", "junit"] {
        let output = gatekit(&[
            "audit",
            "--format",
            format,
            &fixture("audit/secret-in-config"),
        ]);
        let text = stdout(&output);
        assert!(text.contains("secret-in-config"), "{format}: {text}");
        for secret in [
            "5f2b8c1e9d7a4e3b",
            "hunter2-reports",
            "S3cure-Passw0rd",
            "LdapBind-2024",
        ] {
            assert!(!text.contains(secret), "{format} leaks {secret}");
        }
    }
}

#[test]
fn baseline_accepts_only_entries_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let target = fixture("audit/kong-no-body-limit/insecure.yaml");
    let written = gatekit(&[
        "audit",
        "--write-baseline",
        baseline.to_str().unwrap(),
        &target,
    ]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));

    let empty = gatekit(&["audit", "--baseline", baseline.to_str().unwrap(), &target]);
    assert_eq!(code(&empty), 1);
    assert!(
        stdout(&empty).contains("suppression-without-reason"),
        "{}",
        stdout(&empty)
    );
    assert!(stdout(&empty).contains("kong-no-body-limit"));

    let text = std::fs::read_to_string(&baseline).unwrap().replace(
        "\"reason\": \"\"",
        "\"reason\": \"limited by the load balancer\"",
    );
    std::fs::write(&baseline, text).unwrap();
    let accepted = gatekit(&["audit", "--baseline", baseline.to_str().unwrap(), &target]);
    assert_eq!(code(&accepted), 0, "{}", stdout(&accepted));
    assert!(
        stdout(&accepted).contains("1 suppressed"),
        "{}",
        stdout(&accepted)
    );
}

#[test]
fn list_rules_names_control_and_owasp() {
    let output = gatekit(&["audit", "--list-rules"]);
    assert_eq!(code(&output), 0);
    let line = stdout(&output)
        .lines()
        .find(|l| l.starts_with("envoy-admin-public"))
        .map(str::to_string)
        .unwrap();
    assert!(
        line.contains("critical") && line.contains("GK-ADMIN-01") && line.contains("API8:2023"),
        "{line}"
    );
}

#[test]
fn junit_is_well_formed() {
    let output = gatekit(&["audit", "--format", "junit", &fixture("audit-inventory")]);
    let text = stdout(&output);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut failures = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert!(failures >= 3, "{text}");
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = support::shared("schemas/sarif-schema-2.1.0.json")?;
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Some(jsonschema::draft4::new(&schema).expect("SARIF schema compiles"))
}

fn assert_valid(validator: &jsonschema::Validator, sarif: &str) {
    let value: serde_json::Value = serde_json::from_str(sarif).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_schema() {
    let Some(validator) = sarif_validator() else {
        return;
    };
    let output = gatekit(&["audit", "--format", "sarif", &fixture("audit-inventory")]);
    assert_valid(&validator, &stdout(&output));
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let output = gatekit(&["audit", "--format", "sarif", corpus.to_str().unwrap()]);
    assert_valid(&validator, &stdout(&output));
}

#[test]
fn sarif_snapshot_of_a_full_run() {
    let output = gatekit(&["audit", "--format", "sarif", &fixture("audit-inventory")]);
    let text = stdout(&output).replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    insta::assert_snapshot!("audit_sarif_inventory", text);
}
