//! How the command line talks: `-v` and `-q` on every command, colour only
//! where it belongs, and "did you mean" for mistyped commands, flags, rule
//! IDs and answer keys.

use std::path::Path;
use std::process::{Command, Output};

/// Runs gatekit with `env` set and NO_COLOR removed, so that each test
/// decides about colour itself.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatekit"));
    command.args(args).env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("gatekit runs")
}

fn gatekit(args: &[&str]) -> Output {
    run(args, &[])
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fixture(rule: &str, case: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(rule)
        .join(case)
        .display()
        .to_string()
}

const ESC: char = '\u{1b}';

/// Generates a repository with its pristine commit, for `update`, and
/// returns its path.
fn generated_repository(dir: &Path) -> String {
    let target = dir.join("payments");
    let output = gatekit(&["new", "--defaults", target.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    target.display().to_string()
}

#[test]
fn verbose_logs_debug_lines_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let repository = generated_repository(dir.path());
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "new",
            vec![
                "new".into(),
                "--defaults".into(),
                "--no-git".into(),
                path("second"),
            ],
        ),
        (
            "render",
            vec![
                "render".into(),
                "--defaults".into(),
                "--set".into(),
                "project=shop".into(),
                "--out".into(),
                path("rendered"),
            ],
        ),
        (
            "update",
            vec!["update".into(), "--check".into(), repository],
        ),
        (
            "audit",
            vec![
                "audit".into(),
                fixture("kong-route-without-auth", "insecure.yaml"),
            ],
        ),
        ("man", vec!["man".into(), "--out".into(), path("man")]),
    ];
    for (name, args) in cases {
        let mut verbose = vec!["-v"];
        verbose.extend(args.iter().map(String::as_str));
        let output = gatekit(&verbose);
        let log = stderr(&output);
        assert!(
            log.contains("DEBUG"),
            "`gatekit -v {name}` logged no debug line:\n{log}"
        );
        assert!(!stdout(&output).contains("DEBUG"), "{name}: logs on stdout");
    }
}

#[test]
fn default_verbosity_logs_no_debug_lines() {
    let output = gatekit(&[
        "audit",
        &fixture("kong-route-without-auth", "insecure.yaml"),
    ]);
    assert!(!stderr(&output).contains("DEBUG"), "{}", stderr(&output));
}

#[test]
fn quiet_prints_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("gw");
    let output = gatekit(&["-q", "new", "--defaults", target.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");

    let man = dir.path().join("man");
    let output = gatekit(&["man", "-q", "--out", man.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");

    // An unknown-format file is skipped with a warning, which -q hides.
    let audited = dir.path().join("audited");
    std::fs::create_dir(&audited).unwrap();
    std::fs::copy(
        fixture("kong-route-without-auth", "secure.yaml"),
        audited.join("kong.yaml"),
    )
    .unwrap();
    std::fs::write(
        audited.join("swagger.yaml"),
        "swagger: \"2.0\"\npaths: {}\n",
    )
    .unwrap();
    let loud = gatekit(&["audit", audited.to_str().unwrap()]);
    assert!(stderr(&loud).contains("warning:"), "{}", stderr(&loud));
    let quiet = gatekit(&["audit", "-q", audited.to_str().unwrap()]);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(stdout(&quiet), stdout(&loud), "-q changed the report");

    // Errors still show.
    let failed = gatekit(&["-q", "audit", dir.path().join("missing").to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        stderr(&failed).starts_with("error: "),
        "{}",
        stderr(&failed)
    );
}

#[test]
fn quiet_and_verbose_conflict() {
    let output = gatekit(&["-q", "-v", "audit"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn audit_text_is_plain_when_piped() {
    let insecure = fixture("kong-route-without-auth", "insecure.yaml");
    let piped = gatekit(&["audit", &insecure]);
    assert_eq!(piped.status.code(), Some(1));
    assert!(!stdout(&piped).contains(ESC), "colour in a pipe");
    let never = gatekit(&["audit", "--color", "never", &insecure]);
    assert!(!stdout(&never).contains(ESC));
}

#[test]
fn audit_color_always_colours_and_keeps_text() {
    let insecure = fixture("kong-route-without-auth", "insecure.yaml");
    let plain = gatekit(&["audit", &insecure]);
    let colored = gatekit(&["audit", "--color", "always", &insecure]);
    let text = stdout(&colored);
    assert!(
        text.contains("\u{1b}[1m\u{1b}[31mhigh[kong-route-without-auth]"),
        "{text}"
    );
    // Without the escape sequences the report is the same text.
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(&text, "");
    assert_eq!(stripped, stdout(&plain));
    // Machine formats never carry colour.
    for format in ["json", "sarif", "junit"] {
        let output = gatekit(&["audit", "--color", "always", "--format", format, &insecure]);
        assert!(!stdout(&output).contains(ESC), "{format}");
    }
}

#[test]
fn errors_are_coloured_only_when_asked() {
    let plain = gatekit(&["audit", "/nonexistent-gatekit-path"]);
    assert!(stderr(&plain).starts_with("error: "), "{}", stderr(&plain));
    let colored = gatekit(&["--color", "always", "audit", "/nonexistent-gatekit-path"]);
    assert!(stderr(&colored).starts_with(ESC), "{}", stderr(&colored));
}

#[test]
fn no_color_wins_on_a_terminal() {
    let insecure = fixture("kong-route-without-auth", "insecure.yaml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatekit"));
    command.args(["audit", &insecure]).env("TERM", "xterm");
    command.env("NO_COLOR", "1");
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    let shown = session.exp_eof().unwrap();
    assert!(shown.contains("high[kong-route-without-auth]"), "{shown}");
    assert!(
        !shown.contains(ESC),
        "NO_COLOR ignored on a terminal: {shown:?}"
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_gatekit"));
    command
        .args(["audit", &insecure])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    let shown = session.exp_eof().unwrap();
    assert!(shown.contains(ESC), "no colour on a terminal: {shown:?}");
}

#[test]
fn unknown_command_suggests_nearest() {
    let output = gatekit(&["audti"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("'audit'"), "{}", stderr(&output));
}

#[test]
fn unknown_flag_suggests_nearest() {
    let output = gatekit(&["audit", "--min-severty", "high"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--min-severity"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_rule_option_suggests_nearest() {
    let secure = fixture("kong-route-without-auth", "secure.yaml");
    let output = gatekit(&["audit", "--rule", "kong-route-without-aut", &secure]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: unknown rule `kong-route-without-aut`; did you mean `kong-route-without-auth`?\n"
    );
    assert_eq!(stdout(&output), "");
    let far = gatekit(&["audit", "--rule", "xyz", &secure]);
    assert!(
        stderr(&far).contains("`gatekit audit --list-rules` lists the rule IDs"),
        "{}",
        stderr(&far)
    );
}

#[test]
fn rule_option_runs_only_named_rules() {
    let insecure = fixture("kong-route-without-auth", "insecure.yaml");
    let all = gatekit(&["audit", "--format", "json", &insecure]);
    assert!(stdout(&all).contains("kong-route-without-auth"));
    let other = gatekit(&["audit", "--rule", "kong-no-rate-limit", &insecure]);
    assert_eq!(other.status.code(), Some(0), "{}", stdout(&other));
    assert!(
        stdout(&other).starts_with("0 findings"),
        "{}",
        stdout(&other)
    );
    let named = gatekit(&[
        "audit",
        "--rule",
        "kong-no-rate-limit",
        "--rule",
        "kong-route-without-auth",
        "--format",
        "sarif",
        &insecure,
    ]);
    assert_eq!(named.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&named.stdout).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kong-no-rate-limit", "kong-route-without-auth"]);
}

#[test]
fn suppression_naming_no_rule_warns_with_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("kong-route-without-auth", "insecure.yaml"))
        .unwrap()
        .replace(
            "  # expect-finding",
            "  # gatekit-ignore kong-route-without-aut: health check",
        );
    std::fs::write(dir.path().join("kong.yaml"), text).unwrap();
    let output = gatekit(&["audit", dir.path().to_str().unwrap()]);
    // The misspelt suppression hides nothing.
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("high[kong-route-without-auth]"));
    assert!(
        stderr(&output).contains(
            "warning: kong.yaml:7:25: gatekit-ignore names an unknown rule \
             `kong-route-without-aut`; did you mean `kong-route-without-auth`?"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn baseline_entry_naming_no_rule_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(
        &baseline,
        "{\"version\": 1, \"accepted\": [\n  {\"rule\": \"nginx-server-token\", \"path\": \"a.conf\", \
         \"fingerprint\": \"abc\", \"reason\": \"legacy\"}\n]}\n",
    )
    .unwrap();
    let output = gatekit(&[
        "audit",
        "--baseline",
        baseline.to_str().unwrap(),
        &fixture("nginx-server-tokens", "secure.conf"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "line 2: unknown rule `nginx-server-token`; did you mean `nginx-server-tokens`?"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_answer_key_suggests_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let output = gatekit(&[
        "render",
        "--defaults",
        "--set",
        "rate_limit.per_secnd=5",
        "--out",
        dir.path().join("gw").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("did you mean `per_second`?"),
        "{}",
        stderr(&output)
    );
}
