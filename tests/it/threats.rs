//! The threat catalog. The threat, control, file, rule and check matrix is
//! complete, and every cross-reference resolves in this tree. The generated
//! threat model is valid Threat Dragon, and the CLI prints it.

use std::collections::{BTreeMap, BTreeSet};

use gatekit::answers::{Ci, Vendor};
use gatekit::blueprint::Blueprints;
use gatekit::blueprint::catalog::{Catalog, Verification};
use gatekit::blueprint::{SourceSpec, render::THREAT_MODEL_PATHS};
use gatekit::catalog::check::{Against, check, uncovered_owasp};
use gatekit::catalog::{self, Known, OWASP};
use gatekit::generate;

use crate::support;

fn builtin() -> (Blueprints, Catalog) {
    let (blueprints, _) = generate::load_blueprints(&SourceSpec::Builtin).unwrap();
    let catalog = Catalog::load(&blueprints.files).unwrap();
    (blueprints, catalog)
}

/// Checks `catalog` against this build's audit rules and probe checks.
fn problems(blueprints: &Blueprints, catalog: &Catalog) -> Vec<String> {
    let rules = catalog::audit_rules();
    let checks = catalog::probe_checks();
    check(
        blueprints,
        catalog,
        Against {
            rules: &rules,
            checks: Some(&checks),
        },
    )
}

fn assert_problem(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "expected a problem containing {needle:?}, got {problems:#?}"
    );
}

fn control_mut<'a>(
    catalog: &'a mut Catalog,
    id: &str,
) -> &'a mut gatekit::blueprint::catalog::Control {
    catalog.controls.iter_mut().find(|c| c.id == id).unwrap()
}

fn entry_mut<'a>(catalog: &'a mut Catalog, id: &str, vendor: &str) -> &'a mut Verification {
    control_mut(catalog, id)
        .verification
        .get_mut(vendor)
        .unwrap()
}

#[test]
fn catalog_matrix_is_complete() {
    let (blueprints, catalog) = builtin();
    assert!(!catalog.threats.is_empty());
    let problems = problems(&blueprints, &catalog);
    assert!(problems.is_empty(), "{problems:#?}");
    // Name what this tree could not check, for whoever reads the test log.
    for vendor in Vendor::ALL {
        if blueprints.vendor_manifest(vendor).is_none() {
            eprintln!(
                "note: no {} manifest in this tree; its files were not checked",
                vendor.as_str()
            );
        }
    }
}

#[test]
fn every_required_threat_is_in_the_catalog() {
    let (_, catalog) = builtin();
    for id in [
        "T-INJECTION",
        "T-TOKEN-REPLAY",
        "T-JWT-ALG-CONFUSION",
        "T-CREDENTIAL-STUFFING",
        "T-RESOURCE-EXHAUSTION",
        "T-SPOOFED-CLIENT-IP",
        "T-BOLA",
        "T-BFLA",
        "T-PATH-NORMALISATION",
        "T-REQUEST-SMUGGLING",
        "T-ADMIN-EXPOSURE",
        "T-CORS-MISCONFIG",
        "T-SENSITIVE-LOGS",
        "T-API-SPRAWL",
        "T-OVER-PERMISSIONED-KEYS",
        "T-SSRF-UPSTREAM",
        "T-UNSAFE-CONSUMPTION",
        "T-TLS-DOWNGRADE",
        "T-CI-SUPPLY-CHAIN",
    ] {
        assert!(catalog.threat(id).is_some(), "{id} is missing");
    }
}

#[test]
fn catalog_threat_without_control_fails() {
    let (blueprints, mut catalog) = builtin();
    catalog.threats[0].controls.clear();
    let id = catalog.threats[0].id.clone();
    assert_problem(
        &problems(&blueprints, &catalog),
        &format!("{id}: the threat has no control"),
    );
}

#[test]
fn catalog_threat_with_unknown_control_fails() {
    let (blueprints, mut catalog) = builtin();
    catalog.threats[0].controls.push("GK-NOPE-01".into());
    assert_problem(&problems(&blueprints, &catalog), "names control GK-NOPE-01");
}

#[test]
fn catalog_control_without_threat_fails() {
    let (blueprints, mut catalog) = builtin();
    for threat in &mut catalog.threats {
        threat.controls.retain(|c| c != "GK-ERR-01");
    }
    assert_problem(
        &problems(&blueprints, &catalog),
        "GK-ERR-01: no threat names this control",
    );
}

#[test]
fn catalog_control_without_vendor_entry_fails() {
    let (blueprints, mut catalog) = builtin();
    control_mut(&mut catalog, "GK-CORS-01")
        .verification
        .remove("envoy");
    assert_problem(
        &problems(&blueprints, &catalog),
        "GK-CORS-01: no verification entry for envoy",
    );
}

#[test]
fn catalog_control_without_implementation_fails() {
    let (blueprints, mut catalog) = builtin();
    // Kong does not implement GK-INPUT-01; without its reason the gap is silent.
    let entry = entry_mut(&mut catalog, "GK-INPUT-01", "kong");
    entry.not_applicable = None;
    entry.rules = vec!["openapi-operation-without-security".into()];
    assert_problem(
        &problems(&blueprints, &catalog),
        "GK-INPUT-01, kong: no file of manifest kong",
    );
}

#[test]
fn catalog_entry_without_verification_fails() {
    let (blueprints, mut catalog) = builtin();
    let entry = entry_mut(&mut catalog, "GK-K8S-01", "kong");
    entry.unverified = None;
    assert_problem(
        &problems(&blueprints, &catalog),
        "GK-K8S-01, kong: no rule, no check and no reason",
    );
}

#[test]
fn catalog_not_applicable_but_implemented_fails() {
    let (blueprints, mut catalog) = builtin();
    let entry = entry_mut(&mut catalog, "GK-CORS-01", "kong");
    *entry = Verification {
        not_applicable: Some("Kong has no CORS".into()),
        ..Verification::default()
    };
    assert_problem(
        &problems(&blueprints, &catalog),
        "GK-CORS-01, kong: declared not applicable, yet kong/kong.yaml implements it",
    );
}

#[test]
fn catalog_missing_template_fails() {
    let (mut blueprints, catalog) = builtin();
    let manifest = blueprints
        .manifests
        .iter_mut()
        .find(|m| m.vendor == Some(Vendor::Kong))
        .unwrap();
    let entry = manifest
        .files
        .iter_mut()
        .find(|f| f.controls.iter().any(|c| c == "GK-ADMIN-01"))
        .unwrap();
    entry.template = "helm/removed.yaml.tera".into();
    assert_problem(
        &problems(&blueprints, &catalog),
        "names template kong/helm/removed.yaml.tera, which does not exist",
    );
}

#[test]
fn catalog_unknown_rule_id_fails() {
    let (blueprints, mut catalog) = builtin();
    entry_mut(&mut catalog, "GK-CORS-01", "kong")
        .rules
        .push("kong-cors-wildcrad".into());
    assert_problem(
        &problems(&blueprints, &catalog),
        "audit rule kong-cors-wildcrad does not exist",
    );
}

#[test]
fn catalog_rule_of_other_control_fails() {
    let (blueprints, mut catalog) = builtin();
    entry_mut(&mut catalog, "GK-CORS-01", "kong")
        .rules
        .push("kong-server-tokens".into());
    assert_problem(
        &problems(&blueprints, &catalog),
        "audit rule kong-server-tokens verifies GK-HDR-01",
    );
}

#[test]
fn catalog_rule_of_other_vendor_fails() {
    let (blueprints, mut catalog) = builtin();
    entry_mut(&mut catalog, "GK-CORS-01", "aws")
        .rules
        .push("kong-cors-wildcard".into());
    assert_problem(
        &problems(&blueprints, &catalog),
        "kong-cors-wildcard reads only kong files",
    );
}

#[test]
fn catalog_unlisted_rule_fails() {
    let (blueprints, mut catalog) = builtin();
    entry_mut(&mut catalog, "GK-CORS-01", "nginx").rules.clear();
    assert_problem(
        &problems(&blueprints, &catalog),
        "audit rule nginx-cors-wildcard is not listed under GK-CORS-01, nginx",
    );
}

#[test]
fn catalog_probe_check_ids_checked() {
    let (blueprints, catalog) = builtin();
    let rules = catalog::audit_rules();
    // A probe with one check only: every other listed ID is unknown, and
    // the one it has must be listed under its own control.
    let fake = [Known {
        id: "probe-auth-required".into(),
        control: "GK-AUTHN-01".into(),
        vendor: None,
    }];
    let found = check(
        &blueprints,
        &catalog,
        Against {
            rules: &rules,
            checks: Some(&fake),
        },
    );
    assert_problem(&found, "probe check probe-cors-origin does not exist");
    assert!(
        !found.iter().any(|p| p.contains("probe-auth-required")),
        "{found:#?}"
    );
    let moved = [Known {
        id: "probe-auth-required".into(),
        control: "GK-AUTHZ-01".into(),
        vendor: None,
    }];
    let found = check(
        &blueprints,
        &catalog,
        Against {
            rules: &rules,
            checks: Some(&moved),
        },
    );
    assert_problem(
        &found,
        "probe check probe-auth-required verifies GK-AUTHZ-01",
    );
    assert_problem(
        &found,
        "probe check probe-auth-required is not listed under GK-AUTHZ-01",
    );
}

#[test]
fn catalog_check_without_probe_prefix_fails() {
    let (blueprints, mut catalog) = builtin();
    entry_mut(&mut catalog, "GK-CORS-01", "kong")
        .checks
        .push("cors-origin".into());
    assert_problem(
        &problems(&blueprints, &catalog),
        "cors-origin is not a probe check ID",
    );
}

#[test]
fn catalog_owasp_categories_covered_or_explained() {
    let (_, catalog) = builtin();
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/threat-model.md"),
    )
    .unwrap();
    let section = docs
        .split("## OWASP categories a gateway cannot address")
        .nth(1)
        .expect("docs/threat-model.md has the section on uncovered OWASP categories");
    for id in uncovered_owasp(&catalog) {
        assert!(
            section.contains(id),
            "{id} has no threat and docs/threat-model.md does not say why"
        );
    }
    // The docs list the coverage too; keep them honest.
    for (id, _) in OWASP {
        assert!(
            docs.contains(id),
            "docs/threat-model.md does not mention {id}"
        );
    }
}

fn threat_dragon_validator() -> Option<jsonschema::Validator> {
    let path = support::shared("schemas/threat-dragon-v2.schema.json")?;
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Some(jsonschema::validator_for(&schema).expect("Threat Dragon schema compiles"))
}

fn assert_threat_dragon(validator: &jsonschema::Validator, label: &str, text: &str) {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{label}: {errors:#?}");
}

/// Returns, for each threat ID in a Threat Dragon model, the cells that
/// carry it, as (shape, name).
fn threat_cells(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let cells = value["detail"]["diagrams"][0]["cells"].as_array().unwrap();
    for cell in cells {
        let shape = cell["shape"].as_str().unwrap_or("").to_string();
        let name = cell["data"]["name"].as_str().unwrap_or("").to_string();
        for threat in cell["data"]["threats"].as_array().into_iter().flatten() {
            let rule = threat["ruleId"].as_str().unwrap().to_string();
            out.entry(rule)
                .or_default()
                .push((shape.clone(), name.clone()));
        }
    }
    out
}

#[test]
fn threat_dragon_places_threats_on_their_elements() {
    for combo in support::combos().into_iter().filter(|c| c.ci == Ci::Github) {
        let generated = support::render(combo);
        let text =
            String::from_utf8(generated.tree.files[THREAT_MODEL_PATHS[1]].bytes.clone()).unwrap();
        let placed = threat_cells(&text);
        let label = combo.name();
        for (id, cells) in &placed {
            assert_eq!(cells.len(), 1, "{label}: {id} is on {cells:?}");
        }
        let on = |id: &str| placed[id][0].clone();
        assert_eq!(on("T-TOKEN-REPLAY").0, "flow", "{label}");
        assert_eq!(on("T-TLS-DOWNGRADE").0, "flow", "{label}");
        assert_eq!(on("T-SSRF-UPSTREAM").0, "flow", "{label}");
        assert_eq!(on("T-CI-SUPPLY-CHAIN").1, "CI pipeline", "{label}");
        assert_eq!(on("T-REPUDIATION").1, "Access logs and metrics", "{label}");
        let managed = matches!(combo.vendor, Vendor::Aws | Vendor::Apigee);
        let admin = on("T-ADMIN-EXPOSURE");
        if managed {
            assert_eq!(
                admin,
                on("T-INJECTION"),
                "{label}: falls back to the gateway"
            );
        } else {
            assert_eq!(admin.1, "Admin and status interfaces (loopback)", "{label}");
        }
        assert_eq!(on("T-INJECTION").0, "process", "{label}");
    }
}

#[test]
fn threat_model_json_is_valid_threat_dragon() {
    let Some(validator) = threat_dragon_validator() else {
        return;
    };
    let (_, catalog) = builtin();
    let ids: BTreeSet<&str> = catalog.threats.iter().map(|t| t.id.as_str()).collect();
    for combo in support::combos().into_iter().filter(|c| c.ci == Ci::Github) {
        let generated = support::render(combo);
        let text =
            String::from_utf8(generated.tree.files[THREAT_MODEL_PATHS[1]].bytes.clone()).unwrap();
        assert_threat_dragon(&validator, &combo.name(), &text);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut seen = BTreeSet::new();
        let cells = value["detail"]["diagrams"][0]["cells"].as_array().unwrap();
        for cell in cells {
            for threat in cell["data"]["threats"].as_array().into_iter().flatten() {
                let rule = threat["ruleId"].as_str().unwrap();
                assert!(ids.contains(rule), "{}: ruleId {rule}", combo.name());
                seen.insert(rule.to_string());
            }
            // Every flow ends at a cell of the diagram.
            for end in ["source", "target"] {
                if let Some(id) = cell[end]["cell"].as_str() {
                    assert!(
                        cells.iter().any(|c| c["id"] == id),
                        "{}: dangling {end} {id}",
                        combo.name()
                    );
                }
            }
        }
        assert_eq!(
            seen.len(),
            ids.len(),
            "{}: every threat is in the model",
            combo.name()
        );
    }
}

#[test]
fn threat_model_markdown_lists_this_repositorys_files() {
    for combo in support::combos().into_iter().filter(|c| c.ci == Ci::Github) {
        let generated = support::render(combo);
        let text =
            String::from_utf8(generated.tree.files[THREAT_MODEL_PATHS[0]].bytes.clone()).unwrap();
        assert!(text.contains("```mermaid"), "{}", combo.name());
        assert!(text.contains("## Trust boundaries"), "{}", combo.name());
        assert!(text.contains("## Residual risks"), "{}", combo.name());
        // Every file named as an implementation is a file of this repository.
        for line in text.lines().filter(|l| l.starts_with("| GK-")) {
            let files = line.split(" | ").nth(1).unwrap_or_default();
            for path in files.split(", ").filter_map(|p| p.strip_prefix('`')) {
                let path = path.trim_end_matches('`');
                assert!(
                    generated.tree.files.contains_key(path),
                    "{}: {path} is not generated",
                    combo.name()
                );
            }
        }
    }
}

#[test]
fn threat_model_snapshots_cover_every_combination() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    for combo in support::combos() {
        for path in THREAT_MODEL_PATHS {
            let snapshot = root.join(combo.name()).join(format!("{path}.snap"));
            assert!(snapshot.exists(), "{} is missing", snapshot.display());
        }
    }
}

fn gatekit(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn threats_command_prints_every_threat() {
    let (_, catalog) = builtin();
    let output = gatekit(&["threats"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    for threat in &catalog.threats {
        assert!(
            text.contains(&format!("### {}:", threat.id)),
            "{}",
            threat.id
        );
    }
    for vendor in Vendor::ALL {
        assert!(text.contains(&format!("| {} |", vendor.as_str())));
    }
}

#[test]
fn threats_command_writes_json_and_threat_dragon() {
    let output = gatekit(&[
        "threats",
        "--vendor",
        "kong",
        "--environment",
        "hybrid",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["repo"]["vendor"], "kong");
    assert_eq!(value["repo"]["environment"], "hybrid");
    let first = &value["threats"][0]["mitigations"][0]["vendors"][0];
    assert!(first["files"].is_array(), "{first}");

    let output = gatekit(&["threats", "--vendor", "aws", "--format", "threat-dragon"]);
    assert!(output.status.success(), "{output:?}");
    if let Some(validator) = threat_dragon_validator() {
        assert_threat_dragon(
            &validator,
            "aws",
            &String::from_utf8(output.stdout).unwrap(),
        );
    }

    let output = gatekit(&["threats", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["owasp"].as_array().unwrap().len(), 10);
}

#[test]
fn threats_command_rejects_a_set_without_threats() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
    copy_dir(&root, dir.path());
    std::fs::remove_file(dir.path().join("catalog/threats.yaml")).unwrap();
    let output = gatekit(&["threats", "--blueprints", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("catalog/threats.yaml"));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
