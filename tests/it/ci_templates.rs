//! The CI entry points that other repositories use: the composite GitHub
//! Action (`action.yml`) and the GitLab CI component (`templates/audit.yml`).
//! Their audit scripts run here with the gatekit under test, on a secure and
//! an insecure Kong file.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use crate::support;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

fn fixture(case: &str) -> String {
    read(&format!(
        "tests/fixtures/audit/kong-route-without-auth/{case}.yaml"
    ))
}

/// A temporary repository with `kong/kong.yaml` and the gatekit under test
/// at `bin` (the path the entry point installs it to).
fn workspace(case: &str, bin: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kong")).unwrap();
    std::fs::write(dir.path().join("kong/kong.yaml"), fixture(case)).unwrap();
    let bin = dir.path().join(bin);
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_gatekit"), &bin).unwrap();
    dir
}

/// Runs a script with bash as GitHub and GitLab run job scripts: exit on
/// the first failing command.
fn bash(script: &str, dir: &Path, env: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs")
}

/// Returns the `run` script of the action step with `id`.
fn action_step(id: &str) -> String {
    let action: serde_yaml::Value = serde_yaml::from_str(&read("action.yml")).unwrap();
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("action.yml has no step `{id}`"));
    step["run"].as_str().unwrap().to_string()
}

/// Runs the action's audit step on a Kong `case`, returning the step's
/// output, its `GITHUB_OUTPUT` lines and the SARIF report.
fn run_action(case: &str, paths: &str) -> (Output, String, String) {
    let dir = workspace(case, "runner-temp/gatekit/bin/gatekit");
    let outputs = dir.path().join("github-output");
    std::fs::write(&outputs, "").unwrap();
    let runner_temp = dir.path().join("runner-temp");
    let output = bash(
        &action_step("audit"),
        dir.path(),
        &[
            ("AUDIT_PATHS", paths),
            ("MIN_SEVERITY", "low"),
            ("BASELINE", ""),
            ("SARIF_FILE", "gatekit.sarif"),
            ("RUNNER_TEMP", runner_temp.to_str().unwrap()),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
    );
    let written = std::fs::read_to_string(outputs).unwrap();
    let sarif = std::fs::read_to_string(dir.path().join("gatekit.sarif")).unwrap_or_default();
    (output, written, sarif)
}

#[test]
fn action_audit_reports_findings_for_upload() {
    let (output, written, sarif) = run_action("insecure", "kong/");
    // Findings must not stop the job before the upload step.
    assert!(output.status.success(), "{}", support::describe(&output));
    assert!(written.contains("exit-code=1\n"), "{written}");
    assert!(written.contains("sarif-file=gatekit.sarif\n"), "{written}");
    let report: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(report["version"], "2.1.0");
    let results = report["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "kong-route-without-auth"),
        "{sarif}"
    );
}

#[test]
fn action_audit_passes_secure_config() {
    let (output, written, sarif) = run_action("secure", "kong/");
    assert!(output.status.success(), "{}", support::describe(&output));
    assert!(written.contains("exit-code=0\n"), "{written}");
    let report: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = report["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .all(|r| r["ruleId"] != "kong-route-without-auth"),
        "{sarif}"
    );
}

#[test]
fn action_audit_fails_when_gatekit_cannot_run() {
    let (output, written, _) = run_action("secure", "kong/ missing/");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::describe(&output)
    );
    assert!(written.contains("exit-code=2\n"), "{written}");
}

#[test]
fn action_fails_job_only_on_findings() {
    let action: serde_yaml::Value = serde_yaml::from_str(&read("action.yml")).unwrap();
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    let upload = names
        .iter()
        .position(|n| n.contains("Upload SARIF"))
        .unwrap();
    let fail = names.iter().position(|n| *n == "Fail on findings").unwrap();
    assert!(upload < fail, "the upload must run before the failing step");
    assert_eq!(
        steps[fail]["if"].as_str(),
        Some("steps.audit.outputs.exit-code == '1'")
    );
}

/// Splits a GitLab CI component into its `spec` header and its jobs.
fn component_documents() -> (serde_yaml::Value, serde_yaml::Value) {
    let text = read("templates/audit.yml");
    let mut documents = serde_yaml::Deserializer::from_str(&text)
        .map(|document| serde::Deserialize::deserialize(document).unwrap());
    let header = documents.next().expect("a spec header");
    let jobs = documents.next().expect("jobs after `---`");
    assert!(documents.next().is_none(), "more than two documents");
    (header, jobs)
}

#[test]
fn gitlab_component_matches_schema() {
    let Some(checker) = support::tool("check-jsonschema") else {
        return;
    };
    let (header, jobs) = component_documents();
    let dir = tempfile::tempdir().unwrap();
    for (name, document) in [("header.json", header), ("jobs.json", jobs)] {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string(&document).unwrap()).unwrap();
        let output = support::run(
            &checker,
            &[
                "--builtin-schema",
                "vendor.gitlab-ci",
                path.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(
            output.status.success(),
            "templates/audit.yml {name}: {}",
            support::describe(&output)
        );
    }
}

#[test]
fn gitlab_component_uses_every_input() {
    let (header, _) = component_documents();
    let declared: BTreeSet<String> = header["spec"]["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let text = read("templates/audit.yml");
    let body = text.split_once("\n---\n").unwrap().1;
    let used: BTreeSet<String> = body
        .split("$[[ inputs.")
        .skip(1)
        .map(|rest| rest.split_once(" ]]").unwrap().0.to_string())
        .collect();
    assert_eq!(declared, used);
}

/// Returns the component's job script with inputs replaced by their
/// defaults and `overrides`. The lines that install packages and build
/// gatekit are left out, because they need the network and the workspace
/// already contains a built gatekit.
fn component_script(overrides: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let (header, jobs) = component_documents();
    let inputs = header["spec"]["inputs"].as_mapping().unwrap();
    let value = |name: &str| -> String {
        if let Some((_, v)) = overrides.iter().find(|(k, _)| *k == name) {
            return (*v).to_string();
        }
        match &inputs[name]["default"] {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Null => String::new(),
            other => panic!("input {name}: unexpected default {other:?}"),
        }
    };
    let job = &jobs["gatekit-audit"];
    let variables = job["variables"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let raw = v.as_str().unwrap();
            let resolved = match raw.strip_prefix("$[[ inputs.") {
                Some(rest) => value(rest.trim_end_matches(" ]]")),
                None => raw.replace("$[[ component.sha ]]", "0123456789abcdef"),
            };
            (k.as_str().unwrap().to_string(), resolved)
        })
        .collect();
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .filter(|line| !line.starts_with("apt-get ") && !line.starts_with("cargo install "))
        .collect();
    (script.join("\n"), variables)
}

fn run_component(case: &str, overrides: &[(&str, &str)]) -> (Output, String) {
    let dir = workspace(case, ".gatekit-cache/bin/gatekit");
    let (script, variables) = component_script(overrides);
    let env: Vec<(&str, &str)> = variables
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let output = bash(&script, dir.path(), &env);
    let junit = std::fs::read_to_string(dir.path().join("gatekit-junit.xml")).unwrap_or_default();
    (output, junit)
}

#[test]
fn gitlab_component_fails_on_findings() {
    let (output, junit) = run_component(
        "insecure",
        &[("repository", "https://example.invalid/gatekit.git")],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        support::describe(&output)
    );
    assert!(junit.contains("<testsuites"), "{junit}");
    assert!(junit.contains("kong-route-without-auth"), "{junit}");
    assert!(junit.contains("<failure"), "{junit}");
}

#[test]
fn gitlab_component_passes_secure_config() {
    let (output, junit) = run_component("secure", &[("paths", "kong/")]);
    assert!(output.status.success(), "{}", support::describe(&output));
    assert!(junit.contains("<testsuites"), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
}

#[test]
fn gitlab_component_min_severity_applies() {
    let (output, junit) = run_component("insecure", &[("min-severity", "critical")]);
    assert!(output.status.success(), "{}", support::describe(&output));
    assert!(junit.contains("kong-route-without-auth"), "{junit}");
}
