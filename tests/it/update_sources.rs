//! Blueprint sets from a git repository at a tag: `new`, `render` and
//! `update` read them, the record names the ref and commit, and a tag that
//! moved is announced before anything renders.

use std::path::{Path, PathBuf};

use crate::update_fixture::*;

fn fixtures(body_limit: u32) -> Vec<Fixture> {
    vec![Fixture::yaml(
        "fixture/kong.yaml",
        &kong_config(body_limit, "local"),
    )]
}

/// Commits `fixtures` as the blueprint repository's next version and tags
/// it `tag` (moving the tag if it exists). Returns the commit ID.
fn release(sandbox: &Sandbox, repo: &Path, fixtures: &[Fixture], tag: &str) -> String {
    write_blueprint_set(repo, fixtures);
    sandbox.commit_all(repo, &format!("Release {tag}"));
    sandbox.git(repo, &["tag", "-f", tag]);
    sandbox.git(repo, &["rev-parse", "HEAD"]).trim().to_string()
}

fn blueprint_repo(sandbox: &Sandbox) -> (PathBuf, String, String) {
    let repo = sandbox.path("org-blueprints");
    std::fs::create_dir(&repo).unwrap();
    sandbox.git(&repo, &["init", "-q"]);
    let v1 = release(sandbox, &repo, &fixtures(1024), "v1");
    let v2 = release(sandbox, &repo, &fixtures(2048), "v2");
    (repo, v1, v2)
}

#[test]
fn git_source_updates_from_tag_to_tag() {
    let sandbox = Sandbox::new();
    let (blueprints, v1, v2) = blueprint_repo(&sandbox);
    let repo = sandbox.generate("gw", &blueprints, &["--blueprints-ref", "v1"]);
    let record = read(&repo, ".gatekit/answers.yaml");
    assert!(record.contains("git_ref: \"v1\""), "{record}");
    assert!(record.contains(&format!("commit: \"{v1}\"")), "{record}");
    assert!(read(&repo, "fixture/kong.yaml").contains("allowed_payload_size: 1024\n"));
    edit(&repo, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    sandbox.commit_all(&repo, "Raise the rate limit");

    let to_v2 = ["--blueprints-ref", "v2"];
    let plan = sandbox.dry_run(&repo, &to_v2);
    let planned = report_line(&plan, "fixture/kong.yaml").expect("planned");
    assert!(planned.starts_with("kept"), "{}", describe(&plan));

    let output = sandbox.update(&repo, &to_v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = read(&repo, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
    let record = read(&repo, ".gatekit/answers.yaml");
    assert!(record.contains("git_ref: \"v2\""), "{record}");
    assert!(record.contains(&format!("commit: \"{v2}\"")), "{record}");
    assert!(
        !stderr(&output).contains("now points to"),
        "{}",
        describe(&output)
    );
}

#[test]
fn moved_tag_shows_both_commits_first() {
    let sandbox = Sandbox::new();
    let (blueprints, _, v2) = blueprint_repo(&sandbox);
    let repo = sandbox.generate("gw", &blueprints, &["--blueprints-ref", "v2"]);
    let moved = release(&sandbox, &blueprints, &fixtures(4096), "v2");

    let plan = sandbox.dry_run(&repo, &[]);
    assert!(
        stderr(&plan).contains("now points to another commit"),
        "{}",
        describe(&plan)
    );
    let output = sandbox.update(&repo, &[]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let messages = stderr(&output);
    let notice = messages.find("blueprint ref v2").expect("notice");
    let mode = messages.find("mode:").expect("mode line");
    assert!(
        notice < mode,
        "the notice comes before rendering\n{messages}"
    );
    assert!(messages.contains(&format!("recorded: {v2}")), "{messages}");
    assert!(
        messages.contains(&format!("now:      {moved}")),
        "{messages}"
    );
    assert!(read(&repo, "fixture/kong.yaml").contains("allowed_payload_size: 4096\n"));
}

#[test]
fn render_reads_git_source_at_tag() {
    let sandbox = Sandbox::new();
    let (blueprints, v1, _) = blueprint_repo(&sandbox);
    let out = sandbox.path("rendered");
    let args = [
        "render",
        "--defaults",
        "--set",
        "project=payments",
        "--blueprints",
        blueprints.to_str().unwrap(),
        "--blueprints-ref",
        "v1",
        "--out",
        out.to_str().unwrap(),
    ];
    let output = sandbox.gatekit(sandbox.dir.path(), &args);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(read(&out, "fixture/kong.yaml").contains("allowed_payload_size: 1024\n"));
    assert!(read(&out, ".gatekit/answers.yaml").contains(&format!("commit: \"{v1}\"")));
}

#[test]
fn unknown_ref_rejected() {
    let sandbox = Sandbox::new();
    let (blueprints, _, _) = blueprint_repo(&sandbox);
    let target = sandbox.path("gw");
    let args = [
        "new",
        "--defaults",
        "--blueprints",
        blueprints.to_str().unwrap(),
        "--blueprints-ref",
        "v9",
        target.to_str().unwrap(),
    ];
    let output = sandbox.gatekit(sandbox.dir.path(), &args);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(stderr(&output).contains("ref v9"), "{}", describe(&output));
    assert!(!target.exists());
}
