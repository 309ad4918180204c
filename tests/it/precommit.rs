//! The pre-commit hook (`.pre-commit-hooks.yaml`) with a real pre-commit
//! (the PyPI release that `.ci/install-tools` pins): pre-commit builds
//! gatekit from a clone of this checkout with `cargo install` (language:
//! rust) and runs it on `git commit` in a new repository.
//!
//! The clone is taken at HEAD, so commit a change to the hook definition
//! before running this test. Cargo's build output is kept in
//! `target/tmp/pre-commit-target` (CARGO_TARGET_DIR, which pre-commit passes
//! on to `cargo install`), so after the first run only gatekit itself is
//! rebuilt.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::support;

struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    pre_commit: PathBuf,
}

impl Sandbox {
    /// Runs `program` in `dir` with pre-commit's cache, cargo's build
    /// folder and a git identity set.
    fn run(&self, program: &Path, args: &[&str], dir: &Path) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", self.root.join("pre-commit-home"))
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target"),
            )
            // `cargo install` builds the release profile (thin LTO, one
            // codegen unit); the test checks the hook, not the optimised
            // binary, so an unoptimised build does.
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("GIT_AUTHOR_NAME", "gatekit tests")
            .env("GIT_AUTHOR_EMAIL", "tests@gatekit.invalid")
            .env("GIT_COMMITTER_NAME", "gatekit tests")
            .env("GIT_COMMITTER_EMAIL", "tests@gatekit.invalid")
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }

    fn git(&self, args: &[&str], dir: &Path) -> Output {
        let output = self.run(Path::new("git"), args, dir);
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            support::describe(&output)
        );
        output
    }
}

fn sandbox() -> Option<Sandbox> {
    support::tool("git")?;
    let pre_commit = support::tool("pre-commit")?;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    Some(Sandbox {
        _dir: dir,
        root,
        pre_commit,
    })
}

fn fixture(rule: &str, case: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(rule)
        .join(case);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn precommit_hook_blocks_insecure_kong() {
    let Some(sandbox) = sandbox() else {
        return;
    };
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = sandbox.root.join("gatekit");
    sandbox.git(
        &[
            "clone",
            "--quiet",
            checkout.to_str().unwrap(),
            hooks.to_str().unwrap(),
        ],
        &sandbox.root,
    );
    let rev = sandbox.git(&["rev-parse", "HEAD"], &hooks);
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();

    let repo = sandbox.root.join("consumer");
    std::fs::create_dir_all(repo.join("kong")).unwrap();
    sandbox.git(&["init", "--quiet", "--initial-branch", "main"], &repo);
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: gatekit-audit\n",
            hooks.display()
        ),
    )
    .unwrap();
    let installed = sandbox.run(&sandbox.pre_commit, &["install"], &repo);
    assert!(
        installed.status.success(),
        "{}",
        support::describe(&installed)
    );

    // The first commit builds the hook's environment: `cargo install` of
    // gatekit at `rev`.
    std::fs::write(
        repo.join("kong/kong.yaml"),
        fixture("kong-route-without-auth", "insecure.yaml"),
    )
    .unwrap();
    sandbox.git(&["add", "--all"], &repo);
    let started = Instant::now();
    let blocked = sandbox.run(Path::new("git"), &["commit", "-m", "Add Kong"], &repo);
    eprintln!(
        "first commit (hook install and run) took {:.0?}",
        started.elapsed()
    );
    let report = String::from_utf8_lossy(&blocked.stdout).into_owned()
        + &String::from_utf8_lossy(&blocked.stderr);
    assert!(
        !blocked.status.success(),
        "insecure commit passed:\n{report}"
    );
    assert!(report.contains("gatekit audit"), "{report}");
    assert!(report.contains("Failed"), "{report}");
    assert!(report.contains("high[kong-route-without-auth]"), "{report}");
    assert!(report.contains("kong/kong.yaml:7:15"), "{report}");
    let head = sandbox.run(Path::new("git"), &["rev-parse", "--verify", "HEAD"], &repo);
    assert!(!head.status.success(), "a commit was made");

    std::fs::write(
        repo.join("kong/kong.yaml"),
        fixture("kong-route-without-auth", "secure.yaml"),
    )
    .unwrap();
    sandbox.git(&["add", "--all"], &repo);
    let started = Instant::now();
    let passed = sandbox.run(Path::new("git"), &["commit", "-m", "Add Kong"], &repo);
    eprintln!("second commit (hook run) took {:.0?}", started.elapsed());
    assert!(passed.status.success(), "{}", support::describe(&passed));
    // git prints the hook's output on stderr.
    let report = String::from_utf8_lossy(&passed.stderr);
    assert!(report.contains("gatekit audit"), "{report}");
    assert!(report.contains("Passed"), "{report}");
}
