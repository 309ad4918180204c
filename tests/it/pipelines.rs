//! The generated CI pipelines: pinning and injection rules checked on the
//! parsed files, zizmor at the default and pedantic personas, the GitHub,
//! GitLab, Dependabot and Renovate schemas, shellcheck on every script, and
//! the answers that change what the pipelines run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gatekit::answers::{Ci, Environment, Vendor};
use serde_yaml::Value;

use crate::support::{self, Combo};

const WORKFLOW_DIR: &str = ".github/workflows/";
const GITLAB_FILE: &str = ".gitlab-ci.yml";

/// Keys of a GitLab file that are not jobs.
const GITLAB_GLOBALS: [&str; 6] = [
    "workflow",
    "stages",
    "default",
    "variables",
    "include",
    "image",
];

/// Reads the built-in `pipelines/pins.yaml`, which the templates read.
fn pins() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/pins.yaml");
    let text = std::fs::read_to_string(&path).expect("pins.yaml is readable");
    serde_yaml::from_str(&text).expect("pins.yaml parses")
}

/// Each pinned action's `uses` value and its version.
fn pinned_actions() -> BTreeMap<String, String> {
    let pins = pins();
    let actions = pins["actions"].as_mapping().expect("pins.yaml has actions");
    actions
        .values()
        .map(|action| {
            (
                action["uses"].as_str().expect("uses").to_string(),
                action["version"].as_str().expect("version").to_string(),
            )
        })
        .collect()
}

/// Renders every combination and returns each distinct pipeline file once,
/// keyed by content, with the first combination and path that produced it.
fn distinct_pipeline_files() -> BTreeMap<String, (String, String)> {
    let mut files = BTreeMap::new();
    for combo in support::combos() {
        let generated = support::render(combo);
        for (path, file) in &generated.tree.files {
            if is_pipeline(path) {
                let text = String::from_utf8(file.bytes.clone()).expect("UTF-8");
                files
                    .entry(text)
                    .or_insert_with(|| (combo.name(), path.clone()));
            }
        }
    }
    files
}

fn is_pipeline(path: &str) -> bool {
    path.starts_with(WORKFLOW_DIR) || path == GITLAB_FILE
}

/// Problems with the `uses:` lines of a workflow: every action must be
/// pinned to a 40-hex commit SHA listed in pins.yaml, with its version in a
/// trailing comment.
fn uses_problems(text: &str, pinned: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let Some(rest) = trimmed.strip_prefix("uses:") else {
            continue;
        };
        let (reference, comment) = match rest.split_once(" # ") {
            Some((reference, comment)) => (reference, Some(comment.trim())),
            None => (rest, None),
        };
        let reference = reference.trim().trim_matches('"');
        let sha = reference.rsplit_once('@').map(|(_, sha)| sha);
        if !sha.is_some_and(|sha| sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            problems.push(format!(
                "`{reference}` is not pinned to a 40-hex commit SHA"
            ));
            continue;
        }
        match pinned.get(reference) {
            None => problems.push(format!("`{reference}` is not listed in pins.yaml")),
            Some(version) if comment != Some(version.as_str()) => problems.push(format!(
                "`{reference}` needs the trailing comment `# {version}`"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// True when an image reference names an exact version: a digest, or a tag
/// whose first part is MAJOR.MINOR.PATCH (`v1.2.3`, `3.12.12-slim-bookworm`).
fn is_exact_image(image: &str) -> bool {
    if image.contains("@sha256:") {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let Some((_, tag)) = last.split_once(':') else {
        return false;
    };
    let version = tag.strip_prefix('v').unwrap_or(tag);
    let core = version.split('-').next().unwrap_or_default();
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Images a pipeline file runs: GitLab `image:` keys, GitHub `container:`
/// and `services:` images, and `*_IMAGE` variables that `docker run` reads.
fn images(document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_images(document, &mut found);
    found
}

fn collect_images(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Mapping(map) => {
            for (key, value) in map {
                let key = key.as_str().unwrap_or_default();
                let named = match value {
                    Value::String(image) => Some(image.clone()),
                    Value::Mapping(inner) => inner
                        .get("name")
                        .or_else(|| inner.get("image"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => None,
                };
                if matches!(key, "image" | "container") || key.ends_with("_IMAGE") {
                    found.extend(named);
                }
                if let ("services", Value::Mapping(services)) = (key, value) {
                    for service in services.values() {
                        found.extend(service["image"].as_str().map(str::to_string));
                    }
                }
                collect_images(value, found);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_images(item, found)),
        _ => {}
    }
}

/// Problems with the `run:` scripts of a workflow: none may expand event
/// data or inputs, which reach the shell only through `env:`.
fn run_problems(document: &Value) -> Vec<String> {
    const FORBIDDEN: [&str; 3] = ["${{ github.event", "${{ github.head_ref", "${{ inputs."];
    let mut problems = Vec::new();
    for (job, step) in steps(document) {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        for pattern in FORBIDDEN {
            if script.contains(pattern) {
                problems.push(format!("job {job}: a run: script contains `{pattern}`"));
            }
        }
    }
    problems
}

/// Returns every step of every job of a workflow, with its job name.
fn steps(document: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(jobs) = document["jobs"].as_mapping() else {
        return out;
    };
    for (name, job) in jobs {
        let name = name.as_str().unwrap_or_default().to_string();
        for step in job["steps"].as_sequence().into_iter().flatten() {
            out.push((name.clone(), step.clone()));
        }
    }
    out
}

/// Jobs of a GitLab file: top-level keys that are neither globals nor
/// hidden templates.
fn gitlab_jobs(document: &Value) -> BTreeMap<String, Value> {
    document
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let key = key.as_str()?;
            let job = !key.starts_with('.') && !GITLAB_GLOBALS.contains(&key);
            job.then(|| (key.to_string(), value.clone()))
        })
        .collect()
}

fn parse(text: &str) -> Value {
    serde_yaml::from_str(text).expect("pipeline parses as YAML")
}

#[test]
fn checks_reject_bad_pipelines() {
    let pinned = pinned_actions();
    let bad = "steps:\n  - uses: actions/checkout@v4\n  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n  - uses: evil/action@3d3c42e5aac5ba805825da76410c181273ba90b1 # v1\n";
    assert_eq!(uses_problems(bad, &pinned).len(), 3);
    for image in ["python:3.12", "python", "kong/deck:latest", "node:22-slim"] {
        assert!(!is_exact_image(image), "{image} counted as exact");
    }
    for image in [
        "kong/deck:v1.65.1",
        "python:3.12.12-slim-bookworm",
        "registry.example.com:5000/team/tool:1.2.3",
        "alpine@sha256:0000",
    ] {
        assert!(is_exact_image(image), "{image} not counted as exact");
    }
    let injected = parse(
        "jobs:\n  a:\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n      - run: echo ${{ inputs.name }}\n      - run: echo ${{ github.head_ref }}\n",
    );
    assert_eq!(run_problems(&injected).len(), 3);
    let gitlab =
        parse("stages: [a]\n.hidden:\n  script: [x]\njob:\n  image: python\n  script: [x]\n");
    assert_eq!(images(&gitlab), vec!["python".to_string()]);
    assert_eq!(gitlab_jobs(&gitlab).keys().collect::<Vec<_>>(), ["job"]);
}

#[test]
fn actions_are_pinned_from_pins_file() {
    let pinned = pinned_actions();
    for (text, (combo, path)) in distinct_pipeline_files() {
        if !path.starts_with(WORKFLOW_DIR) {
            continue;
        }
        let problems = uses_problems(&text, &pinned);
        assert!(problems.is_empty(), "{combo} {path}: {problems:#?}");
    }
}

#[test]
fn pinned_actions_are_verified_releases() {
    let Some(reference) = support::shared("reference/pins.yaml") else {
        return;
    };
    let reference: Value =
        serde_yaml::from_str(&std::fs::read_to_string(reference).unwrap()).unwrap();
    let mut verified = BTreeSet::new();
    for action in reference["actions"].as_sequence().unwrap() {
        let repo = action["repo"].as_str().unwrap();
        let name = match action["path"].as_str() {
            Some(path) => format!("{repo}/{path}"),
            None => repo.to_string(),
        };
        let commit = action["commit"].as_str().unwrap();
        let version = action["version"].as_str().unwrap();
        verified.insert((format!("{name}@{commit}"), version.to_string()));
    }
    for (uses, version) in pinned_actions() {
        assert!(
            verified.contains(&(uses.clone(), version.clone())),
            "{uses} ({version}) is not a verified release"
        );
    }
}

#[test]
fn images_have_exact_versions() {
    let mut seen = BTreeSet::new();
    for (text, (combo, path)) in distinct_pipeline_files() {
        for image in images(&parse(&text)) {
            assert!(
                is_exact_image(&image),
                "{combo} {path}: image {image} has no exact version"
            );
            seen.insert(image);
        }
    }
    assert!(
        seen.iter()
            .any(|image| image.starts_with("hashicorp/terraform:")),
        "no image found at all: {seen:?}"
    );
}

#[test]
fn run_scripts_expand_no_event_data() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        if !path.starts_with(WORKFLOW_DIR) {
            continue;
        }
        let problems = run_problems(&parse(&text));
        assert!(problems.is_empty(), "{combo} {path}: {problems:#?}");
    }
}

#[test]
fn workflows_declare_top_level_permissions() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        if !path.starts_with(WORKFLOW_DIR) {
            continue;
        }
        let document = parse(&text);
        let permissions = document.get("permissions");
        assert!(
            permissions.is_some(),
            "{combo} {path}: no top-level permissions"
        );
        let writes = serde_yaml::to_string(permissions.unwrap()).unwrap();
        assert!(
            !writes.contains("write"),
            "{combo} {path}: top-level permissions grant a write: {writes}"
        );
        assert!(
            !text.contains("pull_request_target"),
            "{combo} {path}: uses pull_request_target"
        );
    }
}

#[test]
fn every_job_has_a_timeout() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        let document = parse(&text);
        if path == GITLAB_FILE {
            for (name, job) in gitlab_jobs(&document) {
                assert!(job.get("timeout").is_some(), "{combo} {path}: job {name}");
            }
        } else {
            for (name, job) in document["jobs"].as_mapping().unwrap() {
                assert!(
                    job.get("timeout-minutes").is_some(),
                    "{combo} {path}: job {name:?}"
                );
            }
        }
    }
}

#[test]
fn checkouts_do_not_persist_credentials() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        for (job, step) in steps(&parse(&text)) {
            let uses = step["uses"].as_str().unwrap_or_default();
            if uses.starts_with("actions/checkout@") {
                assert_eq!(
                    step["with"]["persist-credentials"],
                    Value::Bool(false),
                    "{combo} {path}: job {job}"
                );
            }
        }
    }
}

/// Jobs of a GitHub workflow that request an OIDC token.
fn oidc_jobs(document: &Value) -> Vec<String> {
    document["jobs"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, job)| job["permissions"]["id-token"].as_str() == Some("write"))
        .map(|(name, _)| name.as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn only_terraform_and_sync_jobs_get_oidc_tokens() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        if path == GITLAB_FILE {
            for (name, job) in gitlab_jobs(&parse(&text)) {
                if job.get("id_tokens").is_some() {
                    assert!(
                        name == "plan" || name.starts_with("apply-"),
                        "{combo}: job {name} has id_tokens"
                    );
                }
            }
            continue;
        }
        for name in oidc_jobs(&parse(&text)) {
            assert!(
                name == "plan" || name.starts_with("apply-") || name.starts_with("sync-kong-"),
                "{combo} {path}: job {name} may request an OIDC token"
            );
        }
    }
}

#[test]
fn gitlab_credential_jobs_skip_forks() {
    for (text, (combo, path)) in distinct_pipeline_files() {
        if path != GITLAB_FILE {
            continue;
        }
        let jobs = gitlab_jobs(&parse(&text));
        let plan = serde_yaml::to_string(&jobs["plan"]["rules"]).unwrap();
        assert!(
            plan.contains("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID"),
            "{combo}: plan runs for forks: {plan}"
        );
        for (name, job) in jobs.iter().filter(|(name, _)| name.starts_with("apply-")) {
            let rules = serde_yaml::to_string(&job["rules"]).unwrap();
            assert!(
                rules.contains("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
                "{combo}: {name} runs off the default branch"
            );
            assert!(rules.contains("manual"), "{combo}: {name} is not manual");
            assert!(job.get("environment").is_some(), "{combo}: {name}");
        }
    }
}

/// Keeps the jobs that both CI systems should run, dropping those that only
/// one of them has by design.
fn shared_jobs(names: impl Iterator<Item = String>) -> BTreeSet<String> {
    const ONE_SIDED: [&str; 6] = [
        "zizmor",
        "actionlint",
        "build-gatekit",
        "probe",
        "probe-skipped",
        "plan",
    ];
    names
        .filter(|name| !ONE_SIDED.contains(&name.as_str()))
        .filter(|name| !name.starts_with("apply-") && !name.starts_with("sync-kong-"))
        .collect()
}

#[test]
fn github_and_gitlab_run_same_checks() {
    for combo in support::combos().into_iter().filter(|c| c.ci == Ci::Both) {
        let generated = support::render(combo);
        let github = parse(support::text(&generated, ".github/workflows/gateway.yml"));
        let gitlab = parse(support::text(&generated, GITLAB_FILE));
        let github_jobs = shared_jobs(
            github["jobs"]
                .as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string()),
        );
        let gitlab_jobs = shared_jobs(gitlab_jobs(&gitlab).into_keys());
        assert_eq!(github_jobs, gitlab_jobs, "{}", combo.name());
        // An AWS HTTP API has no OpenAPI document; Terraform checks cover it.
        if combo.vendor != Vendor::Aws {
            let vendor_job = github_jobs
                .iter()
                .any(|job| job.starts_with("validate-") || job.starts_with("lint-a"));
            assert!(vendor_job, "{}: no vendor validate job", combo.name());
        }
    }
}

/// Renders one combination with extra answers and returns a file's text.
fn render_text(combo: Combo, sets: &[&str], path: &str) -> String {
    let generated = support::render_answers(&support::answers(combo, sets));
    support::text(&generated, path).to_string()
}

#[test]
fn drift_mode_selects_the_check() {
    let combo = Combo {
        vendor: Vendor::Kong,
        environment: Environment::Cloud,
        ci: Ci::Both,
    };
    for (mode, expected, absent) in [
        ("managed", "gatekit update --check", "gatekit render"),
        (
            "generated",
            "gatekit render --answers .gatekit/answers.yaml --out . --check",
            "gatekit update",
        ),
    ] {
        let set = format!("mode={mode}");
        for path in [".github/workflows/gateway.yml", GITLAB_FILE] {
            let text = render_text(combo, &[&set], path);
            assert!(text.contains(expected), "{mode} {path}");
            assert!(!text.contains(absent), "{mode} {path}");
        }
    }
}

#[test]
fn gatekit_source_comes_from_answers() {
    let combo = Combo {
        vendor: Vendor::Aws,
        environment: Environment::Cloud,
        ci: Ci::Both,
    };
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let repository = "https://git.example.com/mirror/gatekit.git";
    let sets = [
        format!("pipeline.gatekit_repository={repository}"),
        format!("pipeline.gatekit_ref={sha}"),
    ];
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    for path in [".github/workflows/gateway.yml", GITLAB_FILE] {
        let text = render_text(combo, &sets, path);
        assert!(text.contains(repository), "{path}");
        assert!(text.contains(sha), "{path}");
        assert!(text.contains("--rev \"$GATEKIT_REF\""), "{path}");
    }
    let default = render_text(combo, &[], GITLAB_FILE);
    assert!(default.contains("--tag \"$GATEKIT_REF\""));
    let rejected = support::rejection(&["pipeline.gatekit_ref=main"]);
    assert!(rejected.contains("pipeline.gatekit_ref"), "{rejected}");
}

#[test]
fn probe_skips_without_staging_url() {
    let combo = Combo {
        vendor: Vendor::Kong,
        environment: Environment::OnPrem,
        ci: Ci::Both,
    };
    let github = parse(&render_text(combo, &[], ".github/workflows/probe.yml"));
    assert!(github["on"].get("schedule").is_some());
    assert!(github["on"].get("workflow_dispatch").is_some());
    assert_eq!(
        github["jobs"]["probe-skipped"]["if"].as_str(),
        Some("vars.GATEKIT_PROBE_URL == ''")
    );
    let probe = serde_yaml::to_string(&github["jobs"]["probe"]).unwrap();
    assert!(probe.contains("--max-requests"), "{probe}");
    let gitlab = render_text(combo, &[], GITLAB_FILE);
    assert!(gitlab.contains("if [ -z \"${GATEKIT_PROBE_URL:-}\" ]; then"));
    assert!(gitlab.contains("Probe skipped: set the CI/CD variable GATEKIT_PROBE_URL"));
}

/// Writes every distinct pipeline file into a temporary folder under its
/// own path, one folder per file, and returns the folders and paths.
fn write_distinct(
    filter: impl Fn(&str) -> bool,
) -> (Vec<tempfile::TempDir>, Vec<(String, std::path::PathBuf)>) {
    let mut dirs = Vec::new();
    let mut paths = Vec::new();
    for combo in support::combos() {
        let generated = support::render(combo);
        for (path, file) in &generated.tree.files {
            if !filter(path) {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, &file.bytes).unwrap();
            paths.push((format!("{} {path}", combo.name()), target));
            dirs.push(dir);
        }
    }
    (dirs, paths)
}

/// Runs zizmor offline with JSON output and returns the finding IDs.
fn zizmor_findings(zizmor: &Path, persona: &str, file: &Path) -> Vec<String> {
    let output = support::run(
        zizmor,
        &[
            "--offline",
            "--no-config",
            "--no-progress",
            "--persona",
            persona,
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        file.parent().unwrap(),
    );
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "zizmor output is not JSON ({e}): {}",
                support::describe(&output)
            )
        });
    findings
        .iter()
        .map(|f| f["ident"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn zizmor_passes_every_workflow() {
    let Some(zizmor) = support::tool("zizmor") else {
        return;
    };
    let mut seen = BTreeSet::new();
    for combo in support::combos() {
        let generated = support::render(combo);
        let dir = support::write(&generated);
        for path in generated.tree.files.keys() {
            if !path.starts_with(WORKFLOW_DIR)
                || !seen.insert(support::text(&generated, path).to_string())
            {
                continue;
            }
            let file = dir.path().join(path);
            let regular = zizmor_findings(&zizmor, "regular", &file);
            assert!(regular.is_empty(), "{} {path}: {regular:?}", combo.name());
            let pedantic = zizmor_findings(&zizmor, "pedantic", &file);
            let other: Vec<&String> = pedantic
                .iter()
                .filter(|id| *id != "unpinned-images")
                .collect();
            assert!(
                other.is_empty(),
                "{} {path} (pedantic): {other:?}",
                combo.name()
            );
        }
    }
    assert!(!seen.is_empty());
}

#[test]
fn schemas_accept_every_pipeline_file() {
    let Some(checker) = support::tool("check-jsonschema") else {
        return;
    };
    let cases: [(&str, &[&str]); 4] = [
        (
            WORKFLOW_DIR,
            &["--builtin-schema", "vendor.github-workflows"],
        ),
        (
            GITLAB_FILE,
            &[
                "--builtin-schema",
                "vendor.gitlab-ci",
                "--data-transform",
                "gitlab-ci",
            ],
        ),
        (
            ".github/dependabot.yml",
            &["--builtin-schema", "vendor.dependabot"],
        ),
        ("renovate.json", &["--builtin-schema", "vendor.renovate"]),
    ];
    for (prefix, schema) in cases {
        let (_dirs, files) = write_distinct(|path| path.starts_with(prefix));
        assert!(!files.is_empty(), "no {prefix} generated");
        let mut args: Vec<String> = schema.iter().map(|s| (*s).to_string()).collect();
        args.extend(files.iter().map(|(_, p)| p.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = support::run(&checker, &args, Path::new("."));
        assert!(
            output.status.success(),
            "{prefix}: {}",
            support::describe(&output)
        );
    }
}

/// Extracts every shell script of a pipeline file, with the shell that runs
/// it: bash for GitHub `run:` steps, POSIX sh for GitLab jobs, whose images
/// may lack bash.
fn scripts(path: &str, document: &Value) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if path == GITLAB_FILE {
        let hidden = document
            .as_mapping()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.as_str().is_some_and(|k| k.starts_with('.')));
        let jobs = gitlab_jobs(document);
        let all = hidden
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v.clone()))
            .chain(jobs);
        for (name, job) in all {
            for key in ["before_script", "script", "after_script"] {
                let lines: Vec<&str> = match &job[key] {
                    Value::Sequence(items) => items.iter().filter_map(Value::as_str).collect(),
                    Value::String(line) => vec![line.as_str()],
                    _ => continue,
                };
                out.push((format!("{name}.{key}"), "sh", lines.join("\n")));
            }
        }
    } else {
        for (job, step) in steps(document) {
            if let Some(script) = step["run"].as_str() {
                let name = step["name"].as_str().unwrap_or_default();
                out.push((format!("{job}: {name}"), "bash", script.to_string()));
            }
        }
    }
    out
}

#[test]
fn shellcheck_passes_every_script() {
    let Some(shellcheck) = support::tool("shellcheck") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for (text, (combo, path)) in distinct_pipeline_files() {
        for (label, shell, script) in scripts(&path, &parse(&text)) {
            count += 1;
            let file = dir.path().join(format!("script-{count}.sh"));
            std::fs::write(&file, format!("#!/bin/{shell}\n{script}\n")).unwrap();
            let output = support::run(
                &shellcheck,
                &["-f", "gcc", "-s", shell, file.to_str().unwrap()],
                dir.path(),
            );
            assert!(
                output.status.success(),
                "{combo} {path} {label}:\n{script}\n{}",
                support::describe(&output)
            );
        }
    }
    assert!(count > 0);
}
