//! `gatekit update` and whole files: files no longer generated, renamed
//! files, files the user deleted, line endings and executable bits.

use std::os::unix::fs::PermissionsExt;

use crate::update_fixture::*;

const ROUTES_V1: &str = "\
routes:
  - name: orders
    paths: [/orders]
    methods: [GET, POST]
    strip_path: false
  - name: stock
    paths: [/stock]
    methods: [GET]
    strip_path: false
    preserve_host: false
  - name: health
    paths: [/health]
    methods: [GET]
";

/// Generates from a set with `fixture/routes.yaml`, and returns it with a
/// set that moves the file to `fixture/gateway/routes.yaml` and changes the
/// `preserve_host` line.
fn routes_moved(sandbox: &Sandbox) -> Versions {
    let moved = ROUTES_V1.replace("preserve_host: false", "preserve_host: true");
    sandbox.versions(
        &[Fixture::yaml("fixture/routes.yaml", ROUTES_V1)],
        &[Fixture::yaml("fixture/gateway/routes.yaml", &moved)],
    )
}

#[test]
fn dropped_file_removed_or_kept() {
    let sandbox = Sandbox::new();
    let cors = |path| Fixture::text(path, "CORS is on for these origins.\n").when("cors.origins");
    let files = [cors("fixture/cors.md"), cors("fixture/cors-notes.md")];
    let versions = sandbox.versions(&files, &files);
    let repo = &versions.repo;
    edit(
        repo,
        "fixture/cors-notes.md",
        "CORS is on",
        "CORS is on (audited)",
    );
    sandbox.commit_all(repo, "Note the audit");

    let off = ["--set", "cors.origins="];
    let plan = sandbox.dry_run(repo, &off);
    let planned = report_line(&plan, "fixture/cors.md").expect("planned");
    assert!(planned.starts_with("removed"), "{}", describe(&plan));

    let output = sandbox.update(repo, &off);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(!repo.join("fixture/cors.md").exists());
    let line = report_line(&output, "fixture/cors.md").expect("reported");
    assert!(line.starts_with("removed"), "{line}");
    let kept = read(repo, "fixture/cors-notes.md");
    assert!(kept.contains("(audited)"), "{kept}");
    let line = report_line(&output, "fixture/cors-notes.md").expect("reported");
    assert!(line.starts_with("kept"), "{line}");
    assert!(line.contains("no longer generated"), "{line}");
}

#[test]
fn renamed_file_carries_edit() {
    let sandbox = Sandbox::new();
    let versions = routes_moved(&sandbox);
    let (repo, v2) = (&versions.repo, versions.to_v2());
    edit(
        repo,
        "fixture/routes.yaml",
        "[GET, POST]",
        "[GET, POST, PUT]",
    );
    sandbox.commit_all(repo, "Allow PUT on orders");

    let plan = sandbox.dry_run(repo, &v2);
    let planned = report_line(&plan, "fixture/gateway/routes.yaml").expect("planned");
    assert!(
        planned.contains("renamed from fixture/routes.yaml"),
        "{}",
        describe(&plan)
    );

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(!repo.join("fixture/routes.yaml").exists());
    let text = read(repo, "fixture/gateway/routes.yaml");
    assert!(text.contains("methods: [GET, POST, PUT]"), "{text}");
    assert!(text.contains("preserve_host: true"), "{text}");
    let line = report_line(&output, "fixture/gateway/routes.yaml").expect("reported");
    assert!(line.starts_with("kept"), "{line}");
    assert!(line.contains("renamed from fixture/routes.yaml"), "{line}");
}

#[test]
fn renamed_file_conflict_keeps_edit() {
    let sandbox = Sandbox::new();
    let versions = routes_moved(&sandbox);
    let (repo, v2) = (&versions.repo, versions.to_v2());
    edit(
        repo,
        "fixture/routes.yaml",
        "host: false",
        "host: false # upstream needs it",
    );
    sandbox.commit_all(repo, "Explain preserve_host");
    let before = work_tree(repo);

    sandbox.dry_run(repo, &v2);
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 3, "{}", describe(&output));
    let text = read(repo, "fixture/gateway/routes.yaml");
    assert!(text.contains("# upstream needs it"), "{text}");
    assert!(text.contains("preserve_host: true"), "{text}");
    assert!(text.contains("<<<<<<<"), "{text}");
    let line = report_line(&output, "fixture/gateway/routes.yaml").expect("reported");
    assert!(line.starts_with("conflicted"), "{line}");
    assert!(line.contains("renamed from fixture/routes.yaml"), "{line}");

    sandbox.git(repo, &["merge", "--abort"]);
    assert_same(&before, &work_tree(repo), "git merge --abort");
}

#[test]
fn deleted_file_not_brought_back() {
    let sandbox = Sandbox::new();
    let versions = sandbox.versions(
        &[Fixture::text("fixture/runbook.md", "Page the on-call.\n")],
        &[Fixture::text(
            "fixture/runbook.md",
            "Page the on-call team.\n",
        )],
    );
    let (repo, v2) = (&versions.repo, versions.to_v2());
    sandbox.git(repo, &["rm", "-q", "fixture/runbook.md"]);
    sandbox.git(repo, &["commit", "-q", "-m", "We keep runbooks elsewhere"]);

    let plan = sandbox.dry_run(repo, &v2);
    let planned = report_line(&plan, "fixture/runbook.md").expect("planned");
    assert!(planned.starts_with("skipped"), "{}", describe(&plan));

    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(!repo.join("fixture/runbook.md").exists());
    let line = report_line(&output, "fixture/runbook.md").expect("reported");
    assert!(line.starts_with("skipped"), "{line}");
    assert!(line.contains("deleted by you"), "{line}");

    sandbox.git(repo, &["commit", "-q", "--no-edit"]);
    sandbox.assert_up_to_date(repo, &v2);
    assert!(!repo.join("fixture/runbook.md").exists());
}

/// Returns true when every line break in `bytes` is CRLF.
fn all_crlf(bytes: &[u8]) -> bool {
    let breaks = bytes.iter().filter(|b| **b == b'\n').count();
    let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
    breaks > 0 && breaks == crlf
}

const DEPLOY_V1: &str =
    "#!/bin/sh\nset -eu\necho \"deploying\"\ndeck gateway sync fixture/kong.yaml\n";

#[test]
fn crlf_tree_gets_one_line_diffs() {
    let sandbox = Sandbox::new();
    let deploy_v2 = DEPLOY_V1.replace("deploying", "deploying the gateway");
    let versions = sandbox.versions(
        &[
            Fixture::yaml("fixture/kong.yaml", &kong_config(1024, "local")),
            Fixture::text("fixture/deploy.sh", DEPLOY_V1).executable(),
        ],
        &[
            Fixture::yaml("fixture/kong.yaml", &kong_config(2048, "local")),
            Fixture::text("fixture/deploy.sh", &deploy_v2).executable(),
            Fixture::yaml("fixture/added.yaml", "added: true\n"),
        ],
    );
    let (repo, v2) = (&versions.repo, versions.to_v2());
    sandbox.git(repo, &["config", "core.autocrlf", "true"]);
    for path in sandbox.git(repo, &["ls-files"]).lines() {
        std::fs::remove_file(repo.join(path)).unwrap();
    }
    sandbox.git(repo, &["checkout", "--", "."]);
    assert!(all_crlf(
        &std::fs::read(repo.join("fixture/kong.yaml")).unwrap()
    ));
    edit(
        repo,
        "fixture/kong.yaml",
        "second: 10\r\n",
        "second: 50\r\n",
    );
    sandbox.commit_all(repo, "Raise the rate limit");

    sandbox.dry_run(repo, &v2);
    let output = sandbox.update(repo, &v2);
    assert_eq!(code(&output), 0, "{}", describe(&output));

    for path in ["fixture/kong.yaml", "fixture/deploy.sh"] {
        let numstat = sandbox.git(repo, &["diff", "--cached", "--numstat", "--", path]);
        assert_eq!(numstat, format!("1\t1\t{path}\n"), "{path}");
    }
    for path in [
        "fixture/kong.yaml",
        "fixture/deploy.sh",
        "fixture/added.yaml",
        ".gatekit/answers.yaml",
    ] {
        let bytes = std::fs::read(repo.join(path)).unwrap();
        assert!(all_crlf(&bytes), "{path} has one line-ending style, CRLF");
    }
    let kong = read(repo, "fixture/kong.yaml");
    assert!(kong.contains("second: 50\r\n"), "{kong}");
    assert!(kong.contains("allowed_payload_size: 2048\r\n"), "{kong}");

    let deploy = std::fs::metadata(repo.join("fixture/deploy.sh")).unwrap();
    let mode = deploy.permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "deploy.sh stays executable: {mode:o}");
    let staged = sandbox.git(repo, &["ls-files", "-s", "fixture/deploy.sh"]);
    assert!(staged.starts_with("100755 "), "{staged}");

    sandbox.git(repo, &["commit", "-q", "--no-edit"]);
    assert_eq!(sandbox.git(repo, &["status", "--porcelain"]), "");
}
