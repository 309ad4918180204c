//! Hostile answers files and `--set` values: each is rejected with exit
//! code 2, naming the key and the rule, without printing a secret, without
//! reading without bound, and without filling in example values.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A complete answers file for one service.
const MINIMAL: &str = "project: shop\nenvironment: cloud\nvendor: kong\ntls:\n  domains: [api.shop.example.com]\nservices:\n  - name: cart\n    upstream: https://cart.example.com\n    path: /cart\n    methods: [GET]\n";

/// Runs gatekit, killing it after 20 seconds so that a hang fails the test
/// instead of stalling the suite.
fn gatekit(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("gatekit {args:?} ran for more than 20 seconds");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn render(dir: &Path, answers: &Path, sets: &[&str]) -> (i32, String) {
    let out = dir.join("gw");
    let mut args = vec![
        "render",
        "--answers",
        answers.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    let output = gatekit(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap(), stderr)
}

fn answers_file(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("answers.yaml");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path
}

#[test]
fn secret_failing_other_rule_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let file = answers_file(dir.path(), MINIMAL);
    let cases = [
        ("project=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "rate_limit.per_second=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        (
            "services[0].upstream=https://bot:hunter2$x@cart.example.com",
            "hunter2",
        ),
        (
            "services[0].upstream=https://bot:hunter2@cart.example.com/a b",
            "hunter2",
        ),
    ];
    for (set, secret) in cases {
        let (code, stderr) = render(dir.path(), &file, &[set]);
        assert_eq!(code, 2, "{set}: {stderr}");
        assert!(!stderr.contains(secret), "{set}: {stderr}");
        assert!(stderr.contains("(redacted)"), "{set}: {stderr}");
    }
}

#[test]
fn secret_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = answers_file(dir.path(), MINIMAL);
    let set = "description=ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let (code, stderr) = render(dir.path(), &file, &[set]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr.matches("looks like a GitHub token").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn long_value_shortened_in_message() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(100_000);
    let file = answers_file(dir.path(), &format!("{MINIMAL}description: {long}\n"));
    let (code, stderr) = render(dir.path(), &file, &[]);
    assert_eq!(code, 2, "{}", &stderr[..stderr.len().min(500)]);
    assert!(stderr.contains(":11: `description`"), "{stderr:.500}");
    assert!(stderr.contains("(100000 characters)"), "{stderr:.500}");
    assert!(
        stderr.len() < 1_000,
        "{} bytes of error output",
        stderr.len()
    );
}

#[test]
fn endless_answers_file_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = render(dir.path(), Path::new("/dev/zero"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("larger than"), "{stderr}");
}

#[test]
fn answers_folder_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = render(dir.path(), dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a folder"), "{stderr}");
    assert!(!stderr.contains("``"), "{stderr}");
}

#[test]
fn alias_bomb_rejected_early() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 items referenced 200 times: 400,000 nodes from a 10 KB file.
    let items = vec!["x"; 2_000].join(",");
    let refs = vec!["*a"; 200].join(",");
    let file = answers_file(dir.path(), &format!("a: &a [{items}]\nb: [{refs}]\n"));
    let (code, stderr) = render(dir.path(), &file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nodes (aliases included)"), "{stderr}");
}

#[test]
fn unicode_tricks_rejected_naming_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = answers_file(dir.path(), MINIMAL);
    for (set, key, rule) in [
        ("description=a\u{ffff}b", "description", "U+FFFF"),
        ("owner=team\u{fffe}", "owner", "U+FFFE"),
        ("description=left\u{200e}right", "description", "U+200E"),
        ("owner=\u{061c}team", "owner", "U+061C"),
        (
            "services[0].upstream=https://c\u{430}rt.example.com",
            "services[0].upstream",
            "xn--",
        ),
        (
            "cors.origins[0]=https://\u{0430}pp.example.com",
            "cors.origins[0]",
            "punycode",
        ),
        ("description=  indented", "description", "white space"),
    ] {
        let (code, stderr) = render(dir.path(), &file, &[set]);
        assert_eq!(code, 2, "{set}: {stderr}");
        assert!(stderr.contains(&format!("`{key}`")), "{set}: {stderr}");
        assert!(stderr.contains(rule), "{set}: {stderr}");
    }
}

#[test]
fn incomplete_service_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text = MINIMAL.replace(
        "    upstream: https://cart.example.com\n    path: /cart\n",
        "",
    );
    let file = answers_file(dir.path(), &text);
    let (code, stderr) = render(dir.path(), &file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(":7: `services[0].upstream` is missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":7: `services[0].path` is missing"),
        "{stderr}"
    );
    assert!(!dir.path().join("gw").exists());
}

#[test]
fn service_added_by_set_needs_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let file = answers_file(dir.path(), MINIMAL);
    let (code, stderr) = render(
        dir.path(),
        &file,
        &["services[1].name=stock", "services[1].path=/stock"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`services[1].upstream` is missing"),
        "{stderr}"
    );
}

#[test]
fn record_outside_generated_paths_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let digest = format!("sha256:{}", "0".repeat(64));
    let text = format!(
        "{MINIMAL}record:\n  gatekit_version: 0.1.0\n  blueprints:\n    source: builtin\n    version: 0.1.0\n  files:\n    .git/config: \"{digest}\"\n    ../outside.txt: \"{digest}\"\n    README.md: \"md5:abc\"\n"
    );
    let file = answers_file(dir.path(), &text);
    let (code, stderr) = render(dir.path(), &file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(":17: `record.files` = `.git/config`: is not a path gatekit generates"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":18: `record.files` = `../outside.txt`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":19: `record.files` = `md5:abc`: the digest of README.md"),
        "{stderr}"
    );
}

#[test]
fn defaults_without_project_names_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("My_Gateway");
    let output = gatekit(&["render", "--defaults", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--set project=NAME"), "{stderr}");
    assert!(!stderr.contains("pass --defaults"), "{stderr}");
}

#[test]
fn yaml_tags_rejected_with_line() {
    let dir = tempfile::tempdir().unwrap();
    for (line, tag) in [
        ("description: !!binary aGVsbG8=", "!!binary"),
        ("body_limit_kb: !!str 512", "!!str"),
        ("owner: !vault team", "!vault"),
    ] {
        let file = answers_file(dir.path(), &format!("{MINIMAL}{line}\n"));
        let (code, stderr) = render(dir.path(), &file, &[]);
        assert_eq!(code, 2, "{line}: {stderr}");
        assert!(stderr.contains(":11: the YAML tag"), "{line}: {stderr}");
        assert!(stderr.contains(&format!("`{tag}`")), "{line}: {stderr}");
    }
}

#[test]
fn long_key_shortened_in_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = answers_file(dir.path(), MINIMAL);
    let long = "k".repeat(100_000);
    for set in [
        format!("{long}=x"),
        format!("services[0].{long}=x"),
        format!("rate_limit[{long}]=x"),
    ] {
        let (code, stderr) = render(dir.path(), &file, &[&set]);
        assert_eq!(code, 2, "{stderr:.500}");
        assert!(stderr.contains("characters)"), "{stderr:.500}");
        assert!(
            stderr.len() < 2_000,
            "{} bytes of error output",
            stderr.len()
        );
    }
    let text = format!("{MINIMAL}{long}: 1\n");
    let file = answers_file(dir.path(), &text);
    let (code, stderr) = render(dir.path(), &file, &[]);
    assert_eq!(code, 2, "{stderr:.500}");
    assert!(stderr.contains(":11: "), "{stderr:.500}");
    assert!(
        stderr.len() < 2_000,
        "{} bytes of error output",
        stderr.len()
    );
}
