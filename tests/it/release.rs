//! The release workflow, the composite GitHub Action (`action.yml`) and the
//! release SBOM: zizmor, the GitHub schemas, action pins and the SBOM's
//! completeness.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support;

/// GitHub files that gatekit ships for itself and for other repositories,
/// with the check-jsonschema schema that describes each.
const GITHUB_FILES: [(&str, &str); 2] = [
    (".github/workflows/release.yml", "vendor.github-workflows"),
    ("action.yml", "vendor.github-actions"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

#[test]
fn github_files_pass_zizmor() {
    let Some(zizmor) = support::tool("zizmor") else {
        return;
    };
    for (file, _) in GITHUB_FILES {
        for persona in ["regular", "pedantic", "auditor"] {
            let output = support::run(
                &zizmor,
                &["--offline", "--no-config", "--persona", persona, file],
                root(),
            );
            assert!(
                output.status.success(),
                "zizmor ({persona}) on {file}: {}",
                support::describe(&output)
            );
            let report = String::from_utf8_lossy(&output.stdout);
            assert!(
                report.contains("No findings"),
                "zizmor ({persona}) on {file}: {report}"
            );
        }
    }
}

#[test]
fn github_files_match_schemas() {
    let Some(checker) = support::tool("check-jsonschema") else {
        return;
    };
    for (file, schema) in GITHUB_FILES {
        let output = support::run(&checker, &["--builtin-schema", schema, file], root());
        assert!(
            output.status.success(),
            "{file} against {schema}: {}",
            support::describe(&output)
        );
    }
}

/// Returns the `(uses, version comment)` pairs of every `uses:` line.
fn uses_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let value = line.trim().trim_start_matches("- ").strip_prefix("uses:")?;
            let (uses, comment) = value.split_once('#').unwrap_or((value, ""));
            Some((uses.trim().to_string(), comment.trim().to_string()))
        })
        .collect()
}

#[test]
fn github_files_use_pinned_actions() {
    let pins: serde_yaml::Value = serde_yaml::from_str(&read("pipelines/pins.yaml")).unwrap();
    let pinned: Vec<(String, String)> = pins["actions"]
        .as_mapping()
        .expect("pins.yaml has an `actions` map")
        .values()
        .map(|pin| {
            (
                pin["uses"].as_str().unwrap().to_string(),
                pin["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (file, _) in GITHUB_FILES {
        let uses = uses_lines(&read(file));
        for (action, comment) in uses {
            let pin = pinned.iter().find(|(pinned, _)| *pinned == action);
            let Some((_, version)) = pin else {
                panic!("{file}: `{action}` is not pinned in pipelines/pins.yaml");
            };
            assert_eq!(
                &comment, version,
                "{file}: `{action}` names another version"
            );
        }
    }
}

#[test]
fn project_pins_match_reference() {
    let Some(reference) = support::shared("reference/pins.yaml") else {
        return;
    };
    let reference = std::fs::read_to_string(reference).unwrap();
    let pins: serde_yaml::Value = serde_yaml::from_str(&read("pipelines/pins.yaml")).unwrap();
    for (name, pin) in pins["actions"].as_mapping().unwrap() {
        let uses = pin["uses"].as_str().unwrap();
        let version = pin["version"].as_str().unwrap();
        let expected = format!("uses: '{uses} # {version}'");
        assert!(
            reference.contains(&expected),
            "pin {name:?} ({uses} {version}) is not in the reference pins"
        );
    }
}

/// Returns every `(name, version)` package in Cargo.lock.
fn locked_packages() -> BTreeSet<(String, String)> {
    let lock = read("Cargo.lock");
    let mut packages = BTreeSet::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let value = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
                Some(value.trim().trim_matches('"').to_string())
            })
        };
        packages.insert((field("name").unwrap(), field("version").unwrap()));
    }
    packages
}

#[test]
fn sbom_lists_every_locked_crate() {
    let Some(_) = support::tool("cargo-cyclonedx") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sbom_path = dir.path().join("gatekit.cdx.json");
    let output = Command::new(root().join(".ci/sbom"))
        .arg(&sbom_path)
        .env("PATH", tools_path())
        .output()
        .expect(".ci/sbom runs");
    assert!(output.status.success(), "{}", support::describe(&output));
    let sbom: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sbom_path).unwrap()).unwrap();
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(sbom["specVersion"], "1.5");

    let mut listed = BTreeSet::new();
    let main = &sbom["metadata"]["component"];
    listed.insert(component_key(main));
    for component in sbom["components"].as_array().unwrap() {
        listed.insert(component_key(component));
    }
    let locked = locked_packages();
    let missing: Vec<_> = locked.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "crates missing from the SBOM: {missing:?}"
    );
    let extra: Vec<_> = listed.difference(&locked).collect();
    assert!(extra.is_empty(), "SBOM crates not in Cargo.lock: {extra:?}");
    for component in sbom["components"].as_array().unwrap() {
        let purl = component["purl"].as_str().unwrap_or_default();
        assert!(purl.starts_with("pkg:cargo/"), "no cargo purl: {component}");
    }

    // Crates in the binary are required; test-only crates are excluded.
    let scope = |name: &str| {
        let components = sbom["components"].as_array().unwrap();
        let component = components.iter().find(|c| c["name"] == name);
        component.map(|c| c["scope"].as_str().unwrap_or("required").to_string())
    };
    for name in ["clap", "git2", "serde_yaml", "tera"] {
        assert_eq!(scope(name).as_deref(), Some("required"), "{name}");
    }
    for name in ["insta", "divan", "rexpect", "jsonschema"] {
        assert_eq!(scope(name).as_deref(), Some("excluded"), "{name}");
    }
}

fn component_key(component: &serde_json::Value) -> (String, String) {
    (
        component["name"].as_str().unwrap().to_string(),
        component["version"].as_str().unwrap().to_string(),
    )
}

/// PATH with the folders that `support::tool` searches, so that scripts
/// find cargo-cyclonedx where `.ci/install-tools` put it.
fn tools_path() -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(found) = support::tool("cargo-cyclonedx") {
        dirs.insert(0, found.parent().unwrap().to_path_buf());
    }
    std::env::join_paths(dirs).unwrap()
}
