//! The labs under `docs/labs/` and the guides under `docs/guides/`. Each
//! lab's insecure configuration has the finding it teaches, and its fixed
//! configuration audits clean. The guides name only catalog controls, and
//! together they name all of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatekit::audit::{self, Options, rules};
use gatekit::blueprint::SourceSpec;
use gatekit::blueprint::catalog::Catalog;
use gatekit::finding::Finding;
use gatekit::generate;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

fn audit_dir(dir: &Path) -> Vec<Finding> {
    let options = Options {
        paths: vec![dir.to_path_buf()],
        baseline: None,
    };
    let outcome = audit::audit(&options).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(
        outcome.invalid.is_empty(),
        "{}: {:?}",
        dir.display(),
        outcome.invalid
    );
    outcome.findings
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Lab {
    rule: String,
    control: String,
    #[serde(default)]
    probe: Option<String>,
}

fn labs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(docs().join("labs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn every_lab_teaches_its_finding() {
    let labs = labs();
    assert!(!labs.is_empty(), "no lab under docs/labs");
    let index = std::fs::read_to_string(docs().join("labs/README.md")).unwrap();
    for dir in labs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let lab: Lab =
            serde_yaml::from_str(&std::fs::read_to_string(dir.join("lab.yaml")).unwrap()).unwrap();
        let rule = rules::find(&lab.rule).unwrap_or_else(|| panic!("{name}: no rule {}", lab.rule));
        assert_eq!(
            rule.meta.control, lab.control,
            "{name}: control of {}",
            lab.rule
        );
        if let Some(probe) = &lab.probe {
            assert!(probe.starts_with("probe-"), "{name}: {probe}");
        }
        assert!(
            index.contains(&name),
            "{name} is missing from docs/labs/README.md"
        );

        let insecure = audit_dir(&dir.join("insecure"));
        assert!(
            insecure.iter().any(|f| f.rule_id == lab.rule),
            "{name}: insecure/ has no {} finding: {:?}",
            lab.rule,
            insecure.iter().map(|f| f.rule_id).collect::<Vec<_>>()
        );
        let fixed = audit_dir(&dir.join("fixed"));
        assert!(
            fixed.is_empty(),
            "{name}: fixed/ is not clean: {:?}",
            fixed
                .iter()
                .map(|f| format!("{} {}", f.rule_id, f.location))
                .collect::<Vec<_>>()
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains(&lab.rule),
            "{name}: README does not name {}",
            lab.rule
        );
    }
}

/// Collects every `GK-AREA-NN` control ID in `text`.
fn control_ids(text: &str) -> BTreeSet<String> {
    let pattern = regex::Regex::new(r"GK-[A-Z0-9]+-[0-9]{2}").unwrap();
    pattern
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

#[test]
fn guides_name_every_catalog_control() {
    let (blueprints, _) = generate::load_blueprints(&SourceSpec::Builtin).unwrap();
    let catalog = Catalog::load(&blueprints.files).unwrap();
    let mut named = BTreeSet::new();
    for area in [
        "authentication",
        "authorization",
        "rate-limiting",
        "logging",
        "encryption",
        "threat-detection",
        "api-inventory",
        "over-permissioned-apis",
        "token-management",
    ] {
        let path = docs().join(format!("guides/{area}.md"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ids = control_ids(&text);
        assert!(!ids.is_empty(), "{area} names no control");
        for id in &ids {
            assert!(
                catalog.contains(id),
                "{area} names {id}, which the catalog does not define"
            );
        }
        named.extend(ids);
    }
    for control in &catalog.controls {
        assert!(named.contains(&control.id), "no guide names {}", control.id);
    }
}

#[test]
fn guides_name_only_catalog_threats() {
    let (blueprints, _) = generate::load_blueprints(&SourceSpec::Builtin).unwrap();
    let catalog = Catalog::load(&blueprints.files).unwrap();
    let pattern = regex::Regex::new(r"\bT-[A-Z][A-Z-]*[A-Z]\b").unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(docs().join("guides"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.push(docs().join("threat-model.md"));
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for found in pattern.find_iter(&text) {
            assert!(
                catalog.threat(found.as_str()).is_some(),
                "{} names {}, which is not a threat",
                path.display(),
                found.as_str()
            );
        }
    }
}
