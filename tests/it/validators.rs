//! External validators on every generated repository: yamllint with the
//! configuration the repository ships, zizmor and the GitHub workflow
//! schema on workflows, the GitLab CI schema on `.gitlab-ci.yml`.
//!
//! Files shared by several combinations are checked once, by content.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::support;

/// Renders every combination and writes each distinct file once, grouped by
/// the suffix filter; returns the temp folders (kept alive) and the paths.
fn distinct_files(suffixes: &[&str]) -> (Vec<tempfile::TempDir>, Vec<(String, PathBuf)>) {
    let mut seen = BTreeMap::new();
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for combo in support::combos() {
        let generated = support::render(combo);
        let wanted: Vec<(&str, &str)> = support::files_with(&generated, suffixes);
        if wanted.iter().all(|(_, text)| seen.contains_key(*text)) {
            continue;
        }
        let dir = support::write(&generated);
        for (path, text) in wanted {
            if seen.insert(text.to_string(), ()).is_none() {
                files.push((format!("{} {path}", combo.name()), dir.path().join(path)));
            }
        }
        dirs.push(dir);
    }
    (dirs, files)
}

#[test]
fn yamllint_accepts_every_repository() {
    let Some(yamllint) = support::tool("yamllint") else {
        return;
    };
    for combo in support::combos() {
        let generated = support::render(combo);
        let dir = support::write(&generated);
        let output = support::run(&yamllint, &["-s", "-c", ".yamllint.yaml", "."], dir.path());
        assert!(
            output.status.success(),
            "{}: {}",
            combo.name(),
            support::describe(&output)
        );
    }
}

#[test]
fn zizmor_finds_nothing_in_workflows() {
    let Some(zizmor) = support::tool("zizmor") else {
        return;
    };
    let (_dirs, files) = distinct_files(&[".github/workflows/gateway.yml"]);
    assert!(!files.is_empty());
    for (label, path) in files {
        let output = support::run(
            &zizmor,
            &[
                "--offline",
                "--no-config",
                "--no-progress",
                path.to_str().unwrap(),
            ],
            path.parent().unwrap(),
        );
        assert!(
            output.status.success(),
            "{label}: {}",
            support::describe(&output)
        );
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(report.contains("No findings"), "{label}: {report}");
    }
}

#[test]
fn github_workflow_schema_accepts_workflows() {
    let Some(checker) = support::tool("check-jsonschema") else {
        return;
    };
    let (_dirs, files) = distinct_files(&[".github/workflows/gateway.yml"]);
    let mut args = vec!["--builtin-schema", "vendor.github-workflows"];
    let paths: Vec<String> = files.iter().map(|(_, p)| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let output = support::run(&checker, &args, std::path::Path::new("."));
    assert!(output.status.success(), "{}", support::describe(&output));
}

#[test]
fn gitlab_schema_accepts_pipelines() {
    let Some(checker) = support::tool("check-jsonschema") else {
        return;
    };
    let (_dirs, files) = distinct_files(&[".gitlab-ci.yml"]);
    if files.is_empty() {
        return;
    }
    let mut args = vec![
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
    ];
    let paths: Vec<String> = files.iter().map(|(_, p)| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let output = support::run(&checker, &args, std::path::Path::new("."));
    assert!(output.status.success(), "{}", support::describe(&output));
}
