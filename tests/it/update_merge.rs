//! `gatekit update` merging blueprint and answer changes into edited files:
//! clean merges, conflicts and their undo, `--set`, and symbolic links.

use crate::update_fixture::*;

fn kong(body_limit: u32, policy: &str) -> Vec<Fixture> {
    vec![Fixture::yaml(
        "fixture/kong.yaml",
        &kong_config(body_limit, policy),
    )]
}

/// Generates from a set with body limit 1024, raises the rate limit in a
/// commit, and returns it with a set whose body limit is 2048.
fn rate_limit_raised(sandbox: &Sandbox) -> Versions {
    let versions = sandbox.versions(&kong(1024, "local"), &kong(2048, "local"));
    edit(
        &versions.repo,
        "fixture/kong.yaml",
        "second: 10\n",
        "second: 50\n",
    );
    sandbox.commit_all(&versions.repo, "Raise the rate limit");
    versions
}

#[test]
fn edit_kept_when_blueprint_changes_other_line() {
    let sandbox = Sandbox::new();
    let versions = rate_limit_raised(&sandbox);
    let (repo, v2) = (&versions.repo, versions.to_v2());

    let plan = sandbox.dry_run(repo, &v2);
    let planned = report_line(&plan, "fixture/kong.yaml").expect("planned");
    assert!(planned.starts_with("kept"), "{}", describe(&plan));
    let added = stdout(&plan)
        .lines()
        .any(|l| l.starts_with('+') && l.ends_with("allowed_payload_size: 2048"));
    assert!(added, "the diff shows the change\n{}", describe(&plan));

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = read(repo, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
    assert!(!text.contains("<<<<<<<"), "{text}");
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.starts_with("kept"), "{line}");
    assert!(stderr(&output).contains("mode: three-way merge"));
    assert!(stderr(&output).contains("the pristine render"));
    assert!(stderr(&output).contains("updated to blueprints"));
}

#[test]
fn merge_commit_records_pristine_parent() {
    let sandbox = Sandbox::new();
    let versions = rate_limit_raised(&sandbox);
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));

    sandbox.git(repo, &["commit", "-q", "--no-edit"]);
    let parents = sandbox.git(repo, &["rev-list", "--parents", "-n", "1", "HEAD"]);
    let parents: Vec<&str> = parents.split_whitespace().collect();
    assert_eq!(
        parents.len(),
        3,
        "a merge commit has two parents: {parents:?}"
    );
    let pristine = sandbox.git(repo, &["show", "-s", "--format=%B", parents[2]]);
    assert!(pristine.contains("Gatekit-Pristine: ."), "{pristine}");
    let pristine_kong = format!("{}:fixture/kong.yaml", parents[2]);
    let pristine_text = sandbox.git(repo, &["show", &pristine_kong]);
    assert!(
        pristine_text.contains("second: 10\n"),
        "pristine, without the edit"
    );
    assert!(pristine_text.contains("allowed_payload_size: 2048\n"));
    assert_eq!(sandbox.git(repo, &["status", "--porcelain"]), "");

    sandbox.assert_up_to_date(repo, &v2);
}

#[test]
fn conflict_keeps_both_and_aborts_cleanly() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024, "local"), &kong(1024, "cluster"));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    edit(
        repo,
        "fixture/kong.yaml",
        "policy: local\n",
        "policy: redis\n",
    );
    sandbox.commit_all(repo, "Use redis for rate limits");
    let head = sandbox.git(repo, &["rev-parse", "HEAD"]);

    let plan = sandbox.dry_run(repo, &v2);
    let planned = report_line(&plan, "fixture/kong.yaml").expect("planned");
    assert!(planned.starts_with("conflicted"), "{}", describe(&plan));

    let before = work_tree(repo);
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    let text = read(repo, "fixture/kong.yaml");
    assert!(text.contains("<<<<<<< HEAD"), "{text}");
    assert!(text.contains("policy: redis\n=======\n"), "{text}");
    assert!(text.contains("policy: cluster\n>>>>>>> gatekit"), "{text}");
    let everything = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!everything.contains("updated"), "{everything}");
    assert!(everything.contains("git merge --abort"), "{everything}");
    let stages = sandbox.git(repo, &["ls-files", "-u", "fixture/kong.yaml"]);
    assert_eq!(stages.lines().count(), 3, "base, ours and theirs: {stages}");

    let during = work_tree(repo);
    let second = sandbox.update(repo, &v2);
    assert_eq!(code(&second), 4, "{}", describe(&second));
    let refusal = stderr(&second);
    assert!(refusal.contains("merge is in progress"), "{refusal}");
    assert!(refusal.contains("git merge --abort"), "{refusal}");
    assert_same(&during, &work_tree(repo), "a refused update");

    sandbox.git(repo, &["merge", "--abort"]);
    assert_same(&before, &work_tree(repo), "git merge --abort");
    assert_eq!(sandbox.git(repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(sandbox.git(repo, &["status", "--porcelain"]), "");
}

#[test]
fn set_answer_merged_and_recorded() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024, "local"), &kong(1024, "local"));
    let repo = &versions.repo;
    edit(repo, "fixture/kong.yaml", "kilobytes\n", "megabytes\n");
    sandbox.commit_all(repo, "Count in megabytes");

    let set = ["--set", "rate_limit.per_second=50"];
    let plan = sandbox.dry_run(repo, &set);
    let planned = report_line(&plan, "fixture/kong.yaml").expect("planned");
    assert!(planned.starts_with("kept"), "{}", describe(&plan));
    assert!(
        stdout(&plan).contains("+  per_second: 50"),
        "{}",
        describe(&plan)
    );

    let output = sandbox.update(repo, &set);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = read(repo, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("size_unit: megabytes\n"), "{text}");
    let record = read(repo, ".gatekit/answers.yaml");
    assert!(record.contains("  per_second: 50\n"), "{record}");

    sandbox.git(repo, &["commit", "-q", "--no-edit"]);
    sandbox.assert_up_to_date(repo, &[]);
}

#[test]
fn symlinked_file_reported_not_followed() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024, "local"), &kong(2048, "local"));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let outside = sandbox.path("shared-kong.yaml");
    std::fs::write(&outside, "shared: true\n").unwrap();
    std::fs::remove_file(repo.join("fixture/kong.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("fixture/kong.yaml")).unwrap();
    sandbox.commit_all(repo, "Share the Kong configuration");

    let plan = sandbox.dry_run(repo, &v2);
    let planned = report_line(&plan, "fixture/kong.yaml").expect("planned");
    assert!(planned.starts_with("conflicted"), "{}", describe(&plan));

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "shared: true\n");
    let link = std::fs::read_link(repo.join("fixture/kong.yaml")).unwrap();
    assert_eq!(link, outside);
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.starts_with("conflicted"), "{line}");
    assert!(line.contains("symbolic link"), "{line}");
}

#[test]
fn symlinked_folder_never_written_through() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024, "local"), &kong(2048, "local"));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let outside = sandbox.path("elsewhere");
    std::fs::create_dir(&outside).unwrap();
    std::fs::rename(repo.join("fixture"), outside.join("fixture")).unwrap();
    std::os::unix::fs::symlink(outside.join("fixture"), repo.join("fixture")).unwrap();
    sandbox.commit_all(repo, "Keep the fixture folder elsewhere");
    let before = work_tree(&outside);

    sandbox.dry_run(repo, &v2);
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_same(
        &before,
        &work_tree(&outside),
        "an update through a linked folder",
    );
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.contains("fixture is a symbolic link"), "{line}");
}
