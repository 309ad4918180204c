//! The command line: exit codes, `new`, `render`, `render --check`, and what
//! happens to files on disk.

use std::path::Path;
use std::process::{Command, Output};

use crate::support;

/// Runs gatekit with NO_COLOR set.
pub fn gatekit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("gatekit runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every file under `root`, relative, with its bytes.
fn snapshot_dir(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn new_defaults_exits_zero_for_every_environment() {
    for environment in ["on-prem", "cloud", "hybrid"] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("payments-gateway");
        let output = gatekit(&[
            "new",
            "--defaults",
            "--set",
            &format!("environment={environment}"),
            target.to_str().unwrap(),
        ]);
        assert_eq!(code(&output), 0, "{environment}: {}", stderr(&output));
        assert!(target.join("README.md").is_file(), "{environment}");
        assert!(
            target.join(".gatekit/answers.yaml").is_file(),
            "{environment}"
        );
        let record = std::fs::read_to_string(target.join(".gatekit/answers.yaml")).unwrap();
        assert!(record.contains("project: \"payments-gateway\""), "{record}");
    }
}

#[test]
fn new_rejects_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let output = gatekit(&["new", "--defaults", dir.path().to_str().unwrap()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(
        snapshot_dir(dir.path()),
        vec![("notes.txt".to_string(), b"mine".to_vec())]
    );
}

#[test]
fn new_force_keeps_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("gw");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "mine").unwrap();
    std::fs::write(target.join("README.md"), "old").unwrap();
    let output = gatekit(&["new", "--defaults", "--force", target.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(target.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_ne!(
        std::fs::read_to_string(target.join("README.md")).unwrap(),
        "old"
    );
}

#[test]
fn render_twice_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let output = gatekit(&[
            "render",
            "--defaults",
            "--set",
            "project=shop",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    assert_eq!(snapshot_dir(&a), snapshot_dir(&b));
}

#[test]
fn render_check_reports_drift_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gw");
    let out_arg = out.to_str().unwrap();
    assert_eq!(
        code(&gatekit(&[
            "render",
            "--defaults",
            "--set",
            "project=shop",
            "--out",
            out_arg
        ])),
        0
    );
    let answers = out.join(".gatekit/answers.yaml");
    let answers_arg = answers.to_str().unwrap();

    let clean = gatekit(&[
        "render",
        "--answers",
        answers_arg,
        "--out",
        out_arg,
        "--check",
    ]);
    assert_eq!(code(&clean), 0, "{}", stderr(&clean));
    assert_eq!(stdout(&clean), "");

    let readme = out.join("README.md");
    let edited = std::fs::read_to_string(&readme)
        .unwrap()
        .replace("# shop", "# shop (edited)");
    std::fs::write(&readme, edited).unwrap();
    let drift = gatekit(&[
        "render",
        "--answers",
        answers_arg,
        "--out",
        out_arg,
        "--check",
    ]);
    assert_eq!(code(&drift), 1, "{}", stderr(&drift));
    assert!(
        stdout(&drift).contains("--- a/README.md"),
        "{}",
        stdout(&drift)
    );
    assert!(
        stdout(&drift).contains("-# shop (edited)"),
        "{}",
        stdout(&drift)
    );
    assert!(stdout(&drift).contains("+# shop"), "{}", stdout(&drift));
}

#[test]
fn render_check_reports_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gw");
    let out_arg = out.to_str().unwrap();
    assert_eq!(
        code(&gatekit(&[
            "render",
            "--defaults",
            "--set",
            "project=shop",
            "--out",
            out_arg
        ])),
        0
    );
    std::fs::remove_file(out.join("SECURITY-CHECKLIST.md")).unwrap();
    let answers = out.join(".gatekit/answers.yaml");
    let drift = gatekit(&[
        "render",
        "--answers",
        answers.to_str().unwrap(),
        "--out",
        out_arg,
        "--check",
    ]);
    assert_eq!(code(&drift), 1);
    assert!(
        stdout(&drift).contains("missing: SECURITY-CHECKLIST.md"),
        "{}",
        stdout(&drift)
    );
}

#[test]
fn missing_answers_listed_without_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let output = gatekit(&["render", "--out", dir.path().join("gw").to_str().unwrap()]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("missing answers: environment, vendor, tls.domains, services"),
        "{message}"
    );
}

#[test]
fn new_never_prompts_off_a_terminal() {
    // stdin is not a terminal under the test runner, so `new` must fail
    // listing what is missing instead of waiting for input.
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(["new", dir.path().join("gw").to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("missing answers"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("gw").exists());
}

#[test]
fn invalid_answer_exits_two_naming_key_value_rule_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.yaml");
    std::fs::write(&answers, "project: shop\nrate_limit:\n  per_second: 0\n").unwrap();
    let output = gatekit(&[
        "render",
        "--defaults",
        "--answers",
        answers.to_str().unwrap(),
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(message.contains("answers.yaml:3:"), "{message}");
    assert!(
        message.contains("`rate_limit.per_second` = `0`"),
        "{message}"
    );
    assert!(message.contains("between 1 and 100000"), "{message}");
}

#[test]
fn unknown_flag_exits_two() {
    let output = gatekit(&["render", "--outt", "x"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("--out"), "{}", stderr(&output));
}

#[test]
fn unwritable_output_exits_four() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let output = gatekit(&[
        "render",
        "--defaults",
        "--set",
        "project=shop",
        "--out",
        file.join("sub").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot create"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unreadable_answers_exits_four() {
    let dir = tempfile::tempdir().unwrap();
    // Reading a process's own memory from offset 0 fails with EIO, an I/O
    // error even for root (a folder is invalid input instead: exit 2).
    let output = gatekit(&[
        "render",
        "--answers",
        "/proc/self/mem",
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 4, "{}", stderr(&output));
}

#[test]
fn missing_answers_file_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let output = gatekit(&[
        "render",
        "--answers",
        dir.path().join("nope.yaml").to_str().unwrap(),
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("not found"), "{}", stderr(&output));
}

#[test]
fn traversal_service_name_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let output = gatekit(&[
        "render",
        "--defaults",
        "--set",
        "project=shop",
        "--set",
        "services[0].name=../../x",
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("`services[0].name` = `../../x`"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("gw").exists());
    assert!(!dir.path().join("x").exists());
}

/// Writes the built-in blueprints into `dir` with one extra file entry whose
/// output path is `path`.
fn blueprints_with_output_path(dir: &Path, path: &str) {
    support::write_builtin_set(dir);
    let manifest = dir.join("common/manifest.yaml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str(&format!(
        "  - template: gitignore.tera\n    path: {path:?}\n    format: text\n"
    ));
    std::fs::write(manifest, text).unwrap();
}

#[test]
fn unsafe_blueprint_output_paths_write_nothing() {
    for path in [
        "../escape.txt",
        "/tmp/gatekit-absolute.txt",
        "a//b.txt",
        "{{ project }}/../../x",
        "",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let blueprints = dir.path().join("blueprints");
        blueprints_with_output_path(&blueprints, path);
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        let out = work.join("gw");
        let output = gatekit(&[
            "render",
            "--defaults",
            "--set",
            "project=shop",
            "--blueprints",
            blueprints.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&output), 2, "{path:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("output path"),
            "{path:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{path:?}: output folder was created");
        assert_eq!(snapshot_dir(&work), vec![], "{path:?}");
        assert!(!Path::new("/tmp/gatekit-absolute.txt").exists());
    }
}

#[test]
fn symlink_in_output_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gw");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("kong")).unwrap();
    let output = gatekit(&[
        "render",
        "--defaults",
        "--set",
        "project=shop",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(snapshot_dir(&outside), vec![]);
}

#[test]
fn secrets_in_answers_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let key = "-----BEGIN PRIVATE KEY-----";
    let output = gatekit(&[
        "render",
        "--defaults",
        "--set",
        "project=shop",
        "--set",
        &format!("owner={key}"),
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("`owner`"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("private key"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains(key), "the secret was printed");
}

#[test]
fn no_secret_in_generated_files_or_snapshots() {
    use gatekit::answers::secrets::looks_like_secret;
    for combo in support::combos() {
        let generated = support::render(combo);
        for (path, file) in &generated.tree.files {
            let text = String::from_utf8_lossy(&file.bytes);
            for (number, line) in text.lines().enumerate() {
                assert_eq!(
                    looks_like_secret(line),
                    None,
                    "{} {path}:{}: {line}",
                    combo.name(),
                    number + 1
                );
            }
        }
    }
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    for (path, bytes) in snapshot_dir(&snapshots) {
        let text = String::from_utf8_lossy(&bytes);
        for (number, line) in text.lines().enumerate() {
            assert_eq!(
                looks_like_secret(line),
                None,
                "snapshots/{path}:{}: {line}",
                number + 1
            );
        }
    }
}

#[test]
fn answers_record_is_accepted_as_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gw");
    let out_arg = out.to_str().unwrap();
    assert_eq!(
        code(&gatekit(&[
            "render",
            "--defaults",
            "--set",
            "project=shop",
            "--set",
            "environment=hybrid",
            "--out",
            out_arg
        ])),
        0
    );
    let other = dir.path().join("copy");
    let answers = out.join(".gatekit/answers.yaml");
    let output = gatekit(&[
        "render",
        "--answers",
        answers.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(snapshot_dir(&out), snapshot_dir(&other));
}

#[test]
fn answers_reference_matches_the_model() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/answers.md");
    let expected = gatekit::answers::keys::reference_markdown();
    if std::env::var_os("GATEKIT_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/answers.md is out of date; regenerate it with `GATEKIT_BLESS=1 cargo test --test it answers_reference`"
    );
}
