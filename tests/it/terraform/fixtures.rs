//! Tests of the checker itself on small hand-written trees under
//! `tests/fixtures/terraform/<case>/`. Each case lists in `expect.txt` the
//! problems it must produce, one `Kind: message fragment` per line. Every
//! expected line must match a problem and every problem must match a line.
//! So a check that stops failing, or starts failing for another reason,
//! breaks the case. A case may bring its own `allowlist.yaml`.

use std::path::{Path, PathBuf};

use super::allowlist::Usage;
use super::problem::{Family, Kind, Problem};
use super::tree::{TfTree, read_files};
use super::{check_offline, checkov, entries, format, load_catalog, parallel_map};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/terraform");

/// One expected problem.
#[derive(Debug)]
struct Expected {
    kind: Kind,
    fragment: String,
}

impl Expected {
    fn matches(&self, problem: &Problem) -> bool {
        problem.kind == self.kind && problem.to_string().contains(&self.fragment)
    }
}

fn case_dir(name: &str) -> PathBuf {
    Path::new(ROOT).join(name)
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ROOT)
        .expect("fixture folder exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn expectations(name: &str) -> Vec<Expected> {
    let path = case_dir(name).join("expect.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| parse_expectation(&path, line))
        .collect()
}

fn parse_expectation(path: &Path, line: &str) -> Expected {
    let (kind, fragment) = line
        .split_once(": ")
        .unwrap_or_else(|| panic!("{}: `{line}` is not `Kind: fragment`", path.display()));
    let kind = Kind::ALL
        .iter()
        .copied()
        .find(|k| format!("{k:?}") == kind)
        .unwrap_or_else(|| panic!("{}: unknown kind `{kind}`", path.display()));
    Expected {
        kind,
        fragment: fragment.to_string(),
    }
}

/// Reads the case's files, with paths relative to the case folder.
fn tree_files(name: &str) -> Vec<(String, String)> {
    read_files(&case_dir(name))
        .into_iter()
        .filter(|(path, _)| path != "expect.txt" && path != "allowlist.yaml")
        .collect()
}

/// Problems of the offline checks and of the case's allowlist.
fn offline_problems(name: &str) -> Option<Vec<Problem>> {
    let catalog = load_catalog(&case_dir(name).join("allowlist.yaml"))?;
    let tree = TfTree::from_files(tree_files(name));
    let outcome = check_offline(&tree, &catalog);
    let mut usage = Usage::default();
    usage.merge(&outcome.usage);
    let mut problems = outcome.problems;
    problems.extend(entries::check(&catalog.allowlist, &catalog.schema));
    problems.extend(catalog.allowlist.unused(&catalog.schema, &usage));
    Some(problems)
}

/// Compares problems with the expectations whose kind is in scope,
/// returning a description of each mismatch.
fn mismatches(name: &str, problems: &[Problem], in_scope: impl Fn(Kind) -> bool) -> Vec<String> {
    let expected: Vec<Expected> = expectations(name)
        .into_iter()
        .filter(|e| in_scope(e.kind))
        .collect();
    let mut out = Vec::new();
    for e in &expected {
        if !problems.iter().any(|p| e.matches(p)) {
            out.push(format!("{name}: expected {:?}: {}", e.kind, e.fragment));
        }
    }
    for p in problems {
        if !expected.iter().any(|e| e.matches(p)) {
            out.push(format!("{name}: unexpected {p}"));
        }
    }
    out
}

const OFFLINE: [Family; 4] = [
    Family::Schema,
    Family::References,
    Family::Conventions,
    Family::Allowlist,
];

#[test]
fn checker_finds_each_fixture_mistake() {
    let mut failures = Vec::new();
    for name in cases() {
        let Some(problems) = offline_problems(&name) else {
            return;
        };
        let in_scope = |k: Kind| k.family().is_none_or(|f| OFFLINE.contains(&f));
        failures.extend(mismatches(&name, &problems, in_scope));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs an external check on each case whose expectations name `family`,
/// and on `good`, which must pass.
fn external_cases(family: Family, run: impl Fn(&Path) -> Option<Vec<Problem>> + Sync) {
    let expects = |name: &str| {
        let expected = expectations(name);
        expected.iter().any(|e| e.kind.family() == Some(family))
    };
    let names: Vec<String> = cases()
        .into_iter()
        .filter(|name| name == "good" || expects(name))
        .collect();
    let results = parallel_map(&names, |name| run(&case_dir(name)));
    let mut failures = Vec::new();
    for (name, problems) in names.iter().zip(results) {
        let Some(problems) = problems else {
            return;
        };
        failures.extend(mismatches(name, &problems, |k| k.family() == Some(family)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hcl_fmt_flags_unformatted_fixture() {
    external_cases(Family::Format, |dir| {
        let files = read_files(dir);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        format::check(dir, &paths)
    });
}

#[test]
fn checkov_flags_failing_fixture() {
    external_cases(Family::Checkov, |dir| {
        checkov::check(&dir.join("terraform"), "terraform")
    });
}
