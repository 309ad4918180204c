//! `gatekit update` in awkward repositories: a record file that names
//! paths no render writes, binary files, submodules and a merge that starts
//! while an update renders. No user file may change outside the merge that
//! `git merge --abort` undoes.

use std::path::Path;

use crate::update_fixture::*;

fn kong(body_limit: u32) -> Vec<Fixture> {
    vec![Fixture::yaml(
        "fixture/kong.yaml",
        &kong_config(body_limit, "local"),
    )]
}

/// A PNG header: NUL bytes make it binary for git and libgit2.
const BINARY: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";

#[test]
fn record_naming_git_file_refused() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let config = std::fs::read(repo.join(".git/config")).unwrap();
    let digest = gatekit::tree::digest(&config);
    edit(
        repo,
        ".gatekit/answers.yaml",
        "  files:\n",
        &format!("  files:\n    .git/config: \"{digest}\"\n"),
    );
    sandbox.commit_all(repo, "Edit the record by hand");
    let before = snapshot(repo);

    for args in [vec!["--dry-run"], vec![]] {
        let mut all = args.clone();
        all.extend(v2);
        let output = sandbox.update(repo, &all);
        assert_eq!(code(&output), 2, "{args:?}\n{}", describe(&output));
        assert!(
            stderr(&output).contains("`record.files` = `.git/config`"),
            "{}",
            describe(&output)
        );
        assert!(!stdout(&output).contains("[core]"), "{}", describe(&output));
    }
    assert_same(&before, &snapshot(repo), "a refused update");
}

#[test]
fn binary_file_conflicts_and_stays() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    std::fs::write(repo.join("fixture/kong.yaml"), BINARY).unwrap();
    sandbox.commit_all(repo, "Replace the configuration with an image");
    let before = work_tree(repo);

    let plan = sandbox.dry_run(repo, &v2);
    assert!(
        stdout(&plan).contains("Binary files a/fixture/kong.yaml and b/fixture/kong.yaml differ"),
        "{}",
        describe(&plan)
    );
    assert!(!stdout(&plan).contains("IHDR"), "{}", describe(&plan));

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(
        std::fs::read(repo.join("fixture/kong.yaml")).unwrap(),
        BINARY
    );
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.starts_with("conflicted"), "{line}");
    assert!(line.contains("binary"), "{line}");
    let unmerged = sandbox.git(repo, &["ls-files", "--unmerged", "fixture/kong.yaml"]);
    assert_eq!(unmerged.lines().count(), 3, "{unmerged}");

    sandbox.git(repo, &["merge", "--abort"]);
    assert_same(&before, &work_tree(repo), "git merge --abort");
}

#[test]
fn binary_renamed_file_kept_under_old_name() {
    let sandbox = Sandbox::new();
    let text = kong_config(1024, "local");
    let versions = sandbox.versions(
        &[Fixture::yaml("fixture/kong.yaml", &text)],
        &[Fixture::yaml("fixture/gateway/kong.yaml", &text)],
    );
    let (repo, v2) = (&versions.repo, versions.to_v2());
    std::fs::write(repo.join("fixture/kong.yaml"), BINARY).unwrap();
    sandbox.commit_all(repo, "Replace the configuration with an image");

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert_eq!(
        std::fs::read(repo.join("fixture/kong.yaml")).unwrap(),
        BINARY
    );
    let added = read(repo, "fixture/gateway/kong.yaml");
    assert!(added.contains("second: 10\n"), "{added}");
    let old = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(old.starts_with("kept"), "{old}");
    let new = report_line(&output, "fixture/gateway/kong.yaml").expect("reported");
    assert!(new.starts_with("added"), "{new}");
}

/// Turns `folder` of `repo` into a submodule whose work tree contains the same
/// files.
fn make_submodule(sandbox: &Sandbox, repo: &Path, folder: &str) {
    let upstream = sandbox.path("submodule-upstream");
    std::fs::create_dir(&upstream).unwrap();
    for entry in std::fs::read_dir(repo.join(folder)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, upstream.join(path.file_name().unwrap())).unwrap();
    }
    sandbox.git(&upstream, &["init", "-q"]);
    sandbox.commit_all(&upstream, "Start the shared configuration");
    sandbox.git(repo, &["rm", "-r", "-q", folder]);
    let url = upstream.to_str().unwrap();
    sandbox.git(
        repo,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            url,
            folder,
        ],
    );
    sandbox.git(repo, &["commit", "-q", "-m", "Share the configuration"]);
}

#[test]
fn submodule_folder_never_written() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    make_submodule(&sandbox, repo, "fixture");
    let before = snapshot(&repo.join("fixture"));

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.starts_with("conflicted"), "{line}");
    assert!(line.contains("another git repository"), "{line}");
    assert_same(&before, &snapshot(&repo.join("fixture")), "update");
    let status = sandbox.git(repo, &["status", "--porcelain"]);
    assert!(!status.contains("fixture"), "{status}");

    sandbox.git(repo, &["merge", "--abort"]);
    assert_same(
        &before,
        &snapshot(&repo.join("fixture")),
        "git merge --abort",
    );
}

#[test]
fn merge_started_meanwhile_refused() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let repo = &versions.repo;
    let git = gatekit::update::repo::open(repo)
        .unwrap()
        .expect("a repository");
    let head = git.head().unwrap().id();
    // Another merge starts between the update's checks and its first write.
    std::fs::write(repo.join(".git/MERGE_HEAD"), format!("{head}\n")).unwrap();
    let before = snapshot(repo);

    let error = git.start_merge(head, head, "Update").unwrap_err();
    assert!(
        error.to_string().contains("another merge started"),
        "{error}"
    );
    assert_same(&before, &snapshot(repo), "a refused merge");
}

#[test]
fn relative_blueprint_folder_found_from_repo() {
    let sandbox = Sandbox::new();
    let set = sandbox.path("org-blueprints");
    write_blueprint_set(&set, &kong(1024));
    let args = [
        "new",
        "--defaults",
        "--set",
        "project=payments",
        "--blueprints",
        "./org-blueprints",
        "gw",
    ];
    let output = sandbox.gatekit(sandbox.dir.path(), &args);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let repo = sandbox.path("gw");
    let record = read(&repo, ".gatekit/answers.yaml");
    assert!(
        record.contains("source: \"../org-blueprints\"\n"),
        "{record}"
    );

    // Run from inside the repository, as the docs show.
    sandbox.assert_up_to_date(&repo, &[]);
    write_blueprint_set(&set, &kong(2048));
    let output = sandbox.update(&repo, &[]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = read(&repo, "fixture/kong.yaml");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
}

#[test]
fn linked_file_conflict_keeps_new_version() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let outside = sandbox.path("shared-kong.yaml");
    std::fs::write(&outside, "shared: true\n").unwrap();
    std::fs::remove_file(repo.join("fixture/kong.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("fixture/kong.yaml")).unwrap();
    sandbox.commit_all(repo, "Share the Kong configuration");

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "shared: true\n");
    let theirs = sandbox.git(repo, &["show", ":3:fixture/kong.yaml"]);
    assert!(theirs.contains("allowed_payload_size: 2048"), "{theirs}");
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(line.contains("staged as theirs"), "{line}");

    sandbox.git(repo, &["merge", "--abort"]);
    let link = std::fs::read_link(repo.join("fixture/kong.yaml")).unwrap();
    assert_eq!(link, outside);
}

#[test]
fn linked_folder_conflict_names_new_version() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let outside = sandbox.path("elsewhere");
    std::fs::create_dir(&outside).unwrap();
    std::fs::rename(repo.join("fixture"), outside.join("fixture")).unwrap();
    std::os::unix::fs::symlink(outside.join("fixture"), repo.join("fixture")).unwrap();
    sandbox.commit_all(repo, "Keep the fixture folder elsewhere");

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    let line = report_line(&output, "fixture/kong.yaml").expect("reported");
    assert!(
        line.contains("`git show MERGE_HEAD:fixture/kong.yaml`"),
        "{line}"
    );
    let theirs = sandbox.git(repo, &["show", "MERGE_HEAD:fixture/kong.yaml"]);
    assert!(theirs.contains("allowed_payload_size: 2048"), "{theirs}");
}

#[test]
fn linked_file_without_git_gets_incoming() {
    let sandbox = Sandbox::new();
    let set = sandbox.path("set");
    write_blueprint_set(&set, &kong(1024));
    let repo = sandbox.generate("gw", &set, &["--no-git"]);
    let outside = sandbox.path("shared-kong.yaml");
    std::fs::write(&outside, "shared: true\n").unwrap();
    std::fs::remove_file(repo.join("fixture/kong.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("fixture/kong.yaml")).unwrap();
    write_blueprint_set(&set, &kong(2048));

    let output = sandbox.update(&repo, &[]);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "shared: true\n");
    let incoming = read(&repo, ".gatekit/incoming/fixture/kong.yaml");
    assert!(
        incoming.contains("allowed_payload_size: 2048"),
        "{incoming}"
    );
}
