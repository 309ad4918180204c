//! `gatekit update` where the pristine render may not be at hand: fresh
//! clones, shallow clones, and folders without git.

use std::path::{Path, PathBuf};

use crate::update_fixture::*;

fn fixtures(body_limit: u32, runbook: &str) -> Vec<Fixture> {
    vec![
        Fixture::yaml("fixture/kong.yaml", &kong_config(body_limit, "local")),
        Fixture::text("fixture/runbook.md", runbook),
    ]
}

/// Generates `origin` from a v1 set, raises the rate limit in a commit, and
/// returns it with the v1 set (drop it to make the recorded source vanish)
/// and a v2 set that changes the body limit and the runbook.
fn edited_origin(sandbox: &Sandbox) -> (PathBuf, tempfile::TempDir, tempfile::TempDir) {
    let v1 = blueprint_set(&fixtures(1024, "Page the on-call.\n"));
    let v2 = blueprint_set(&fixtures(2048, "Page the on-call team.\n"));
    let origin = sandbox.generate("origin", v1.path(), &[]);
    edit(&origin, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    sandbox.commit_all(&origin, "Raise the rate limit");
    (origin, v1, v2)
}

fn clone(sandbox: &Sandbox, origin: &Path, name: &str, depth: Option<&str>) -> PathBuf {
    let url = format!("file://{}", origin.display());
    let target = sandbox.path(name);
    let mut args = vec!["clone", "-q"];
    if let Some(depth) = depth {
        args.extend(["--depth", depth]);
    }
    args.extend([url.as_str(), target.to_str().unwrap()]);
    sandbox.git(sandbox.dir.path(), &args);
    target
}

fn assert_merged(repo: &Path, output: &std::process::Output) {
    assert_eq!(code(output), 0, "{}", describe(output));
    let text = read(repo, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
    assert_eq!(read(repo, "fixture/runbook.md"), "Page the on-call team.\n");
}

#[test]
fn full_clone_finds_pristine_in_history() {
    let sandbox = Sandbox::new();
    let (origin, v1, v2) = edited_origin(&sandbox);
    let repo = clone(&sandbox, &origin, "clone", None);
    drop(v1);
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];

    let plan = sandbox.dry_run(&repo, &v2);
    assert!(
        stderr(&plan).contains("the pristine render"),
        "{}",
        describe(&plan)
    );
    let output = sandbox.update(&repo, &v2);
    assert!(
        stderr(&output).contains("history of HEAD"),
        "{}",
        describe(&output)
    );
    assert_merged(&repo, &output);
}

#[test]
fn shallow_clone_rerenders_base() {
    let sandbox = Sandbox::new();
    let (origin, _v1, v2) = edited_origin(&sandbox);
    let repo = clone(&sandbox, &origin, "shallow", Some("1"));
    assert_eq!(sandbox.git(&repo, &["rev-list", "--count", "HEAD"]), "1\n");
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];

    let plan = sandbox.dry_run(&repo, &v2);
    assert!(stderr(&plan).contains("re-rendered"), "{}", describe(&plan));
    let output = sandbox.update(&repo, &v2);
    assert!(stderr(&output).contains("mode: three-way merge; base: re-rendered"));
    assert_merged(&repo, &output);

    sandbox.git(&repo, &["commit", "-q", "--no-edit"]);
    sandbox.assert_up_to_date(&repo, &v2);
}

#[test]
fn shallow_clone_falls_back_to_digests() {
    let sandbox = Sandbox::new();
    let (origin, v1, v2) = edited_origin(&sandbox);
    let repo = clone(&sandbox, &origin, "shallow", Some("1"));
    drop(v1);
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];
    let before = work_tree(&repo);

    let plan = sandbox.dry_run(&repo, &v2);
    assert!(
        stderr(&plan).contains("digest fallback"),
        "{}",
        describe(&plan)
    );
    let output = sandbox.update(&repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    let mode = stderr(&output);
    assert!(mode.contains("mode: digest fallback"), "{mode}");
    assert!(mode.contains("shallow clone"), "{mode}");
    assert!(mode.contains("git fetch --unshallow"), "{mode}");

    assert_eq!(
        before["fixture/kong.yaml"],
        work_tree(&repo)["fixture/kong.yaml"],
        "the edited file is left exactly as it was"
    );
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.starts_with("conflicted"), "{line}");
    assert!(
        line.contains("git checkout --theirs fixture/kong.yaml"),
        "{line}"
    );
    let theirs = sandbox.git(&repo, &["show", ":3:fixture/kong.yaml"]);
    assert!(theirs.contains("second: 10\n"), "{theirs}");
    assert!(theirs.contains("allowed_payload_size: 2048\n"), "{theirs}");
    assert_eq!(
        read(&repo, "fixture/runbook.md"),
        "Page the on-call team.\n"
    );
    let line = report_line(&output, "fixture/runbook.md").expect("reported");
    assert!(line.starts_with("updated"), "{line}");

    sandbox.git(&repo, &["merge", "--abort"]);
    assert_same(&before, &work_tree(&repo), "git merge --abort");
}

#[test]
fn folder_without_git_rerenders_base() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&fixtures(1024, "Page the on-call.\n"));
    let v2 = blueprint_set(&fixtures(2048, "Page the on-call team.\n"));
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];
    let repo = sandbox.generate("gw", v1.path(), &["--no-git"]);
    assert!(!repo.join(".git").exists());
    edit(&repo, "fixture/kong.yaml", "second: 10\n", "second: 50\n");

    let plan = sandbox.dry_run(&repo, &v2);
    assert!(stderr(&plan).contains("re-rendered"), "{}", describe(&plan));
    let output = sandbox.update(&repo, &v2);
    assert!(
        stderr(&output).contains("no git repository"),
        "{}",
        describe(&output)
    );
    assert_merged(&repo, &output);
    assert!(!repo.join(".git").exists());
}

#[test]
fn folder_without_git_falls_back() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&fixtures(1024, "Page the on-call.\n"));
    let v2 = blueprint_set(&fixtures(2048, "Page the on-call team.\n"));
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];
    let repo = sandbox.generate("gw", v1.path(), &["--no-git"]);
    drop(v1);
    edit(&repo, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    let edited = read(&repo, "fixture/kong.yaml");

    let plan = sandbox.dry_run(&repo, &v2);
    assert!(
        stderr(&plan).contains("there is no git repository"),
        "{}",
        describe(&plan)
    );
    let output = sandbox.update(&repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(read(&repo, "fixture/kong.yaml"), edited);
    let incoming = read(&repo, ".gatekit/incoming/fixture/kong.yaml");
    assert!(
        incoming.contains("allowed_payload_size: 2048\n"),
        "{incoming}"
    );
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(
        line.contains(".gatekit/incoming/fixture/kong.yaml"),
        "{line}"
    );
    assert_eq!(
        read(&repo, "fixture/runbook.md"),
        "Page the on-call team.\n"
    );
}

#[test]
fn fallback_rename_keeps_edited_old_file() {
    let sandbox = Sandbox::new();
    let routes = "routes:\n  - name: orders\n    paths: [/orders]\n    strip_path: false\n";
    let v1 = blueprint_set(&[Fixture::yaml("fixture/routes.yaml", routes)]);
    let v2 = blueprint_set(&[Fixture::yaml("fixture/gateway/routes.yaml", routes)]);
    let origin = sandbox.generate("origin", v1.path(), &[]);
    edit(
        &origin,
        "fixture/routes.yaml",
        "[/orders]",
        "[/orders, /carts]",
    );
    sandbox.commit_all(&origin, "Route carts to orders");
    let repo = clone(&sandbox, &origin, "shallow", Some("1"));
    drop(v1);
    let v2 = ["--blueprints", v2.path().to_str().unwrap()];

    sandbox.dry_run(&repo, &v2);
    let output = sandbox.update(&repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("digest fallback"),
        "{}",
        describe(&output)
    );
    let old = read(&repo, "fixture/routes.yaml");
    assert!(old.contains("[/orders, /carts]"), "{old}");
    let line = report_line(&output, "fixture/routes.yaml").expect("reported");
    assert!(line.starts_with("kept"), "{line}");
    assert!(line.contains("no longer generated"), "{line}");
    assert_eq!(read(&repo, "fixture/gateway/routes.yaml"), routes);
}
