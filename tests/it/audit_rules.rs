//! Every rule against its fixtures: `tests/fixtures/audit/<rule-id>/`
//! holds `insecure*` and `secure*` files or folders. Each line of an
//! insecure fixture that carries the marker `expect-finding` must get a
//! finding of the rule, and no other line may; secure fixtures must get
//! none.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatekit::audit::{self, Options, rules};

const MARKER: &str = "expect-finding";

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

/// Returns the `insecure*` or `secure*` entries of a rule's folder.
fn cases(rule: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = fixtures_root().join(rule);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Lines marked `expect-finding`, as (path shown in findings, line).
fn expected(case: &Path) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    let files: Vec<PathBuf> = if case.is_dir() {
        walk(case)
    } else {
        vec![case.to_path_buf()]
    };
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let shown = shown(case, &file);
        for (index, line) in text.lines().enumerate() {
            if line.contains(MARKER) {
                out.insert((shown.clone(), index + 1));
            }
        }
    }
    out
}

fn shown(case: &Path, file: &Path) -> String {
    if case.is_dir() {
        file.strip_prefix(case)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/")
    } else {
        file.to_string_lossy().to_string()
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn found(rule: &str, case: &Path) -> BTreeSet<(String, usize)> {
    let options = Options {
        paths: vec![case.to_path_buf()],
        baseline: None,
    };
    let outcome = audit::audit(&options).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    assert!(
        outcome.invalid.is_empty(),
        "{}: {:?}",
        case.display(),
        outcome.invalid
    );
    outcome
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| (f.location.uri.clone(), f.location.line.unwrap_or(0)))
        .collect()
}

#[test]
fn insecure_fixtures_yield_expected_findings() {
    let mut failures = Vec::new();
    for rule in rules::registry() {
        for case in cases(rule.meta.id, "insecure") {
            let want = expected(&case);
            let got = found(rule.meta.id, &case);
            if want.is_empty() || want != got {
                failures.push(format!(
                    "{}: expected {want:?}, found {got:?}",
                    case.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn secure_fixtures_yield_no_finding() {
    let mut failures = Vec::new();
    for rule in rules::registry() {
        for case in cases(rule.meta.id, "secure") {
            let got = found(rule.meta.id, &case);
            if !got.is_empty() {
                failures.push(format!("{}: unexpected {got:?}", case.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_fixtures_docs_control_and_owasp() {
    let catalog = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/catalog/controls.yaml"),
    )
    .unwrap();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in rules::registry() {
        let id = rule.meta.id;
        if !seen.insert(id) {
            problems.push(format!("{id}: registered twice"));
        }
        let kebab = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab {
            problems.push(format!("{id}: ID is not kebab-case"));
        }
        if !catalog.contains(&format!("id: {}\n", rule.meta.control)) {
            problems.push(format!(
                "{id}: control {} is not in the catalog",
                rule.meta.control
            ));
        }
        if !rule.meta.owasp.id().starts_with("API") {
            problems.push(format!("{id}: no OWASP API category"));
        }
        if rule.meta.rationale.is_empty() || rule.meta.fix.is_empty() {
            problems.push(format!("{id}: rationale or fix missing"));
        }
        let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/rules/{id}.md"));
        if !doc.is_file() {
            problems.push(format!("{id}: docs/rules/{id}.md is missing"));
        }
        if cases(id, "insecure").is_empty() || cases(id, "secure").is_empty() {
            problems.push(format!(
                "{id}: tests/fixtures/audit/{id}/ needs insecure and secure cases"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
