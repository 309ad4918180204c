//! The repository around an update: `--check` and `render --check` exit
//! codes, dirty trees, untracked files in the way, how `new` starts the
//! pristine history, and the record moving only after the new files.

use std::process::Command;

use crate::update_fixture::*;

fn kong(body_limit: u32) -> Vec<Fixture> {
    vec![Fixture::yaml(
        "fixture/kong.yaml",
        &kong_config(body_limit, "local"),
    )]
}

#[test]
fn check_exit_codes_match_render_check() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let repo = &versions.repo;
    let v1 = versions.v1.path().to_str().unwrap();
    let v2 = versions.v2.path().to_str().unwrap();
    let render_check = |set: &str| {
        let args = [
            "render",
            "--answers",
            ".gatekit/answers.yaml",
            "--out",
            ".",
            "--check",
        ];
        let mut args = args.to_vec();
        args.extend(["--blueprints", set]);
        code(&sandbox.gatekit(repo, &args))
    };
    let update_check = |set: &str| code(&sandbox.update(repo, &["--check", "--blueprints", set]));

    assert_eq!(render_check(v1), 0, "a fresh repository matches its render");
    assert_eq!(update_check(v1), 0, "no update is available");

    edit(repo, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    sandbox.commit_all(repo, "Raise the rate limit");
    assert_eq!(render_check(v1), 1, "an edit is drift for render --check");
    assert_eq!(
        update_check(v1),
        0,
        "an edit is no update for update --check"
    );

    let plan = sandbox.dry_run(repo, &["--blueprints", v2]);
    assert!(
        report_line(&plan, "fixture/kong.yaml").is_some(),
        "{}",
        describe(&plan)
    );
    let before = snapshot(repo);
    let output = sandbox.update(repo, &["--check", "--blueprints", v2]);
    assert_eq!(code(&output), 1, "{}", describe(&output));
    assert!(
        report_line(&output, "fixture/kong.yaml").is_some(),
        "{}",
        describe(&output)
    );
    assert!(
        stderr(&output).contains("is available"),
        "{}",
        describe(&output)
    );
    assert_same(&before, &snapshot(repo), "update --check");
    assert_eq!(
        render_check(v2),
        1,
        "new blueprints are drift for render --check"
    );
}

#[test]
fn dirty_tree_refused_unless_allowed() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    edit(repo, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    let before = snapshot(repo);

    let plan = sandbox.dry_run(repo, &v2);
    assert!(
        stderr(&plan).contains("uncommitted changes"),
        "{}",
        describe(&plan)
    );
    let refused = sandbox.update(repo, &v2);
    assert_eq!(code(&refused), 4, "{}", describe(&refused));
    let message = stderr(&refused);
    assert!(
        message.contains("uncommitted changes (fixture/kong.yaml)"),
        "{message}"
    );
    assert!(message.contains("git stash"), "{message}");
    assert!(message.contains("--allow-dirty"), "{message}");
    assert_same(&before, &snapshot(repo), "a refused update");

    let output = sandbox.update(repo, &["--allow-dirty", v2[0], v2[1]]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("--allow-dirty"),
        "{}",
        describe(&output)
    );
    let text = read(repo, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
}

#[test]
fn untracked_file_in_the_way_untouched() {
    let sandbox = Sandbox::new();
    let mut v2_files = kong(1024);
    v2_files.push(Fixture::yaml("fixture/plugins.yaml", "plugins: []\n"));
    let versions = sandbox.versions(&kong(1024), &v2_files);
    let (repo, v2) = (&versions.repo, versions.to_v2());
    std::fs::write(repo.join("fixture/plugins.yaml"), "mine: true\n").unwrap();

    sandbox.dry_run(repo, &v2);
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert_eq!(read(repo, "fixture/plugins.yaml"), "mine: true\n");
    let line = report_line(&output, "fixture/plugins.yaml").expect("reported");
    assert!(line.contains("untracked file is in the way"), "{line}");
}

#[test]
fn new_outside_git_commits_pristine() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&kong(1024));
    let target = sandbox.path("gw");
    let output = sandbox.new_repo(v1.path(), &target);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("initialised a git repository"),
        "{}",
        describe(&output)
    );
    assert!(stderr(&output).contains("first commit"));
    let log = sandbox.git(&target, &["log", "--format=%an|%B"]);
    assert!(log.starts_with("gatekit|"), "{log}");
    assert!(log.contains("Gatekit-Pristine: ."), "{log}");
    assert_eq!(sandbox.git(&target, &["status", "--porcelain"]), "");
}

#[test]
fn new_in_unborn_repository_commits_first() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&kong(1024));
    let mono = sandbox.path("mono");
    std::fs::create_dir(&mono).unwrap();
    sandbox.git(&mono, &["init", "-q"]);
    let target = mono.join("gateways/payments");
    let output = sandbox.new_repo(v1.path(), &target);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(stderr(&output).contains("as the first commit of the repository"));
    let log = sandbox.git(&mono, &["log", "--format=%B"]);
    assert!(log.contains("Gatekit-Pristine: gateways/payments"), "{log}");
    let files = sandbox.git(&mono, &["ls-files", "gateways/payments/fixture"]);
    assert_eq!(files, "gateways/payments/fixture/kong.yaml\n");
    assert_eq!(sandbox.git(&mono, &["status", "--porcelain"]), "");
}

#[test]
fn new_in_existing_history_starts_merge() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&kong(1024));
    let v2 = blueprint_set(&kong(2048));
    let mono = sandbox.path("mono");
    std::fs::create_dir(&mono).unwrap();
    sandbox.git(&mono, &["init", "-q"]);
    std::fs::write(mono.join("README.md"), "Our services\n").unwrap();
    sandbox.commit_all(&mono, "Start the monorepo");
    let target = mono.join("gw");
    let output = sandbox.new_repo(v1.path(), &target);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("started a merge"),
        "{}",
        describe(&output)
    );
    assert!(mono.join(".git/MERGE_HEAD").is_file());

    sandbox.git(&mono, &["commit", "-q", "--no-edit"]);
    let parents = sandbox.git(&mono, &["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
    edit(&target, "fixture/kong.yaml", "second: 10\n", "second: 50\n");
    sandbox.commit_all(&mono, "Raise the rate limit");

    let v2 = ["--blueprints", v2.path().to_str().unwrap()];
    sandbox.dry_run(&target, &v2);
    let update = sandbox.update(&target, &v2);
    assert_eq!(code(&update), 0, "{}", describe(&update));
    assert!(
        stderr(&update).contains("history of HEAD"),
        "{}",
        describe(&update)
    );
    let text = read(&target, "fixture/kong.yaml");
    assert!(text.contains("second: 50\n"), "{text}");
    assert!(text.contains("allowed_payload_size: 2048\n"), "{text}");
}

/// Builds the text of a generated file larger than the file size limit
/// below.
fn large_file() -> String {
    (0..4000)
        .map(|i| format!("line {i} of a large generated file\n"))
        .collect()
}

#[test]
fn record_moves_only_after_every_file() {
    let sandbox = Sandbox::new();
    let v1 = blueprint_set(&kong(1024));
    let mut v2_files = kong(2048);
    v2_files.push(Fixture::text("fixture/large.txt", &large_file()));
    let v2 = blueprint_set(&v2_files);
    let repo = sandbox.generate("gw", v1.path(), &[]);
    let before = work_tree(&repo);

    // A 64 KiB file size limit makes writing the large file fail with
    // EFBIG (SIGXFSZ ignored), while the record and the index stay below it.
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec {} update --blueprints {}",
        env!("CARGO_BIN_EXE_gatekit"),
        v2.path().display()
    );
    let mut command = Command::new("bash");
    sandbox
        .env(&mut command)
        .args(["-c", &script])
        .current_dir(&repo);
    let output = command.output().unwrap();
    assert_eq!(code(&output), 4, "{}", describe(&output));
    assert!(
        stderr(&output).contains("update stopped after changing"),
        "{}",
        describe(&output)
    );
    assert!(
        stderr(&output).contains("git merge --abort"),
        "{}",
        describe(&output)
    );
    assert_eq!(
        before[".gatekit/answers.yaml"],
        work_tree(&repo)[".gatekit/answers.yaml"],
        "the record still names the previous render"
    );

    sandbox.git(&repo, &["merge", "--abort"]);
    assert_same(&before, &work_tree(&repo), "git merge --abort");
}

#[test]
fn newer_set_rejected_before_writing() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let set_yaml = versions.v2.path().join("set.yaml");
    let text = std::fs::read_to_string(&set_yaml).unwrap();
    let raised = text
        .lines()
        .map(|l| {
            if l.starts_with("min_gatekit:") {
                "min_gatekit: 99.0.0"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&set_yaml, raised).unwrap();
    let before = snapshot(repo);

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(
        stderr(&output).contains("needs gatekit 99.0.0"),
        "{}",
        describe(&output)
    );
    assert_same(&before, &snapshot(repo), "a rejected update");
}

#[test]
fn record_comments_dropped_with_warning() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(&kong(1024), &kong(2048));
    let (repo, v2) = (&versions.repo, versions.to_v2());
    let record = read(repo, ".gatekit/answers.yaml");
    let commented = format!("{record}# rate limits agreed with the API team\n");
    std::fs::write(repo.join(".gatekit/answers.yaml"), commented).unwrap();
    sandbox.commit_all(repo, "Note where the limits come from");

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("was edited by hand"),
        "{}",
        describe(&output)
    );
    assert!(!read(repo, ".gatekit/answers.yaml").contains("agreed with the API team"));
}
