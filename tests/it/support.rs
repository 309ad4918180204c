//! Shared helpers: rendering combinations, locating external validators and
//! the shared test data, and running tools.
//!
//! External tools and the shared data folder are optional locally: a test
//! that needs one skips with a note when it is missing. With
//! `GATEKIT_REQUIRE_EXTERNAL=1` (set by `.ci/run`) a missing tool or file
//! fails the test instead, so CI always runs the validators for real.

#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatekit::answers::{self, Answers, Ci, Environment, Vendor};
use gatekit::blueprint::SourceSpec;
use gatekit::generate::{self, Generated};

/// One vendor, environment and CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Combo {
    pub vendor: Vendor,
    pub environment: Environment,
    pub ci: Ci,
}

impl Combo {
    /// A short name such as `kong-hybrid-github`, used for snapshot folders.
    pub fn name(&self) -> String {
        let ci = match self.ci {
            Ci::Github => "github",
            Ci::Gitlab => "gitlab",
            Ci::Both => "both",
        };
        format!(
            "{}-{}-{ci}",
            self.vendor.as_str(),
            self.environment.as_str()
        )
    }

    /// The `--set` arguments that select this combination.
    pub fn sets(&self) -> Vec<String> {
        let ci = match self.ci {
            Ci::Github => "github",
            Ci::Gitlab => "gitlab",
            Ci::Both => "both",
        };
        vec![
            format!("vendor={}", self.vendor.as_str()),
            format!("environment={}", self.environment.as_str()),
            format!("ci={ci}"),
        ]
    }
}

/// Every combination the built-in blueprints support.
pub fn combos() -> Vec<Combo> {
    let (blueprints, _) =
        generate::load_blueprints(&SourceSpec::Builtin).expect("built-in blueprints load");
    let mut out = Vec::new();
    for vendor in Vendor::ALL {
        let Some(manifest) = blueprints.vendor_manifest(vendor) else {
            continue;
        };
        for environment in Environment::ALL {
            if !manifest.environments.contains(&environment) {
                continue;
            }
            for ci in [Ci::Github, Ci::Gitlab, Ci::Both] {
                out.push(Combo {
                    vendor,
                    environment,
                    ci,
                });
            }
        }
    }
    out
}

/// Answers for a combination: the built-in defaults with project `payments`
/// and `extra` `--set` values applied last.
pub fn answers(combo: Combo, extra: &[&str]) -> Answers {
    let mut sets = combo.sets();
    sets.extend(extra.iter().map(|s| (*s).to_string()));
    let sources = answers::Sources {
        file: None,
        sets,
        defaults: true,
        project_fallback: Some("payments".to_string()),
    };
    let (answers, _) = generate::resolve_answers(&sources, None).expect("answers are valid");
    answers
}

/// Renders answers with the built-in blueprints.
pub fn render_answers(answers: &Answers) -> Generated {
    let (blueprints, origin) =
        generate::load_blueprints(&SourceSpec::Builtin).expect("built-in blueprints load");
    generate::generate(&blueprints, &origin, answers).expect("render succeeds")
}

/// Renders a combination with default answers.
pub fn render(combo: Combo) -> Generated {
    render_answers(&answers(combo, &[]))
}

/// Writes a generated tree into a new temporary folder.
pub fn write(generated: &Generated) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    gatekit::output::write_tree(dir.path(), &generated.tree).expect("write tree");
    dir
}

/// Writes the built-in blueprint set into `dir`, for tests that render a
/// changed copy with `--blueprints`.
pub fn write_builtin_set(dir: &Path) {
    for (name, text) in &gatekit::blueprint::SetFiles::builtin().files {
        let target = dir.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text.as_bytes()).unwrap();
    }
}

/// True when CI requires every external tool and data file to be present.
pub fn require_external() -> bool {
    std::env::var("GATEKIT_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1")
}

/// Reports a missing prerequisite: fails under `GATEKIT_REQUIRE_EXTERNAL=1`,
/// otherwise prints why the test is skipped.
fn missing(what: &str) {
    if require_external() {
        panic!("{what} is required (GATEKIT_REQUIRE_EXTERNAL=1) but not found");
    }
    eprintln!("skipped: {what} not found");
}

/// Finds an external tool on PATH, in the validators folder that
/// `install-validators` fills (`$GATEKIT_VALIDATORS/bin`, by default
/// `~/.cache/gatekit-validators/bin`) or in the folder that
/// `.ci/install-tools` fills (`$GATEKIT_TOOLS/bin`, by default
/// `~/.cache/gatekit-tools/bin`).
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for (variable, default) in [
        ("GATEKIT_VALIDATORS", ".cache/gatekit-validators"),
        ("GATEKIT_TOOLS", ".cache/gatekit-tools"),
    ] {
        let folder = std::env::var_os(variable)
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(default)));
        if let Some(folder) = folder {
            dirs.push(folder.join("bin"));
        }
    }
    dirs.push(PathBuf::from("/usr/sbin"));
    let found = dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file());
    if found.is_none() {
        missing(&format!("tool `{name}`"));
    }
    found
}

/// Returns a path inside the shared test data folder (`../shared` from the
/// crate root), or `None` when it is absent.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.exists() {
        Some(path)
    } else {
        missing(&format!("shared test data {}", path.display()));
        None
    }
}

/// Runs a tool with offline switches set, returning its output.
pub fn run(tool: &Path, args: &[&str], dir: &Path) -> Output {
    Command::new(tool)
        .args(args)
        .current_dir(dir)
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
        .env("ZIZMOR_OFFLINE", "true")
        .env("SCARF_ANALYTICS", "false")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()))
}

/// Formats a tool's output for an assertion message.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Files of a generated tree whose path ends with one of `suffixes`.
pub fn files_with<'a>(generated: &'a Generated, suffixes: &[&str]) -> Vec<(&'a str, &'a str)> {
    generated
        .tree
        .files
        .iter()
        .filter(|(path, _)| suffixes.iter().any(|s| path.ends_with(s)))
        .map(|(path, file)| {
            (
                path.as_str(),
                std::str::from_utf8(&file.bytes).expect("UTF-8"),
            )
        })
        .collect()
}

/// Returns the error message of answers that must not validate: the
/// built-in defaults with project `payments` and `sets` applied.
pub fn rejection(sets: &[&str]) -> String {
    let sources = answers::Sources {
        file: None,
        sets: sets.iter().map(|s| (*s).to_string()).collect(),
        defaults: true,
        project_fallback: Some("payments".to_string()),
    };
    match generate::resolve_answers(&sources, None) {
        Ok(_) => panic!("answers {sets:?} validated"),
        Err(error) => error.to_string(),
    }
}

/// Renders one `vendor` repository per case of environment and `--set`
/// values, named after the case for assertion messages.
pub fn render_cases(vendor: Vendor, cases: &[(Environment, &[&str])]) -> Vec<(String, Generated)> {
    cases
        .iter()
        .map(|(environment, sets)| {
            let combo = Combo {
                vendor,
                environment: *environment,
                ci: Ci::Github,
            };
            let name = format!("{} {}", environment.as_str(), sets.join(" "));
            (name, render_answers(&answers(combo, sets)))
        })
        .collect()
}

/// Returns the text of a generated file, failing when it is missing.
pub fn text<'a>(generated: &'a Generated, path: &str) -> &'a str {
    generated
        .tree
        .text(path)
        .unwrap_or_else(|| panic!("{path} is not generated"))
}

/// Renders of answer variants beyond the default combinations, so that
/// whole-tree checks (Terraform, for one) also reach the branches only
/// those answers select. Names start with the vendor.
pub fn answer_variants() -> Vec<(String, Generated)> {
    let mut out = Vec::new();
    for (vendor, variants) in [
        ("aws", crate::aws::variants()),
        ("apigee", crate::apigee::variants()),
        ("envoy", crate::envoy::variants()),
        ("kong", crate::kong::variants()),
    ] {
        out.extend(
            variants
                .into_iter()
                .map(|(name, generated)| (format!("{vendor} {name}"), generated)),
        );
    }
    out
}
