//! The command line's own documentation: shell completions, man pages,
//! `--help` and `--version`, all generated from the clap definitions.

use std::process::Command;

use clap::CommandFactory;
use gatekit::cli::Cli;

use crate::cli::gatekit;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Returns every visible subcommand name, read from the clap definitions so
/// that a new command is checked without editing this test.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn subcommand_list_is_complete() {
    let names = subcommands();
    for expected in ["new", "render", "update", "audit", "completions", "man"] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
}

#[test]
fn completions_mention_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = gatekit(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        assert!(!script.is_empty(), "{shell}: empty script");
        for name in subcommands() {
            assert!(
                script.contains(&name),
                "{shell} completions do not mention `{name}`"
            );
        }
        // Flags of a subcommand are completed too, not only the names.
        assert!(script.contains("min-severity"), "{shell}: no audit flags");
    }
}

#[test]
fn completions_reject_unknown_shell() {
    let output = gatekit(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("possible values"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn bash_completion_script_parses() {
    let output = gatekit(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("gatekit.bash");
    std::fs::write(&script, &output.stdout).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(checked.status.success(), "{}", text(&checked.stderr));
}

#[test]
fn man_page_mentions_every_subcommand() {
    let output = gatekit(&["man"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let page = text(&output.stdout);
    assert!(
        page.starts_with(".ie"),
        "not roff: {}",
        &page[..40.min(page.len())]
    );
    assert!(page.contains(".TH gatekit 1"), "{page}");
    for name in subcommands() {
        assert!(
            page.contains(&format!("gatekit\\-{name}")),
            "gatekit.1 does not list `{name}`"
        );
    }
}

#[test]
fn man_out_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let output = gatekit(&["man", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(out.join("gatekit.1").is_file());
    for name in subcommands() {
        let page = std::fs::read_to_string(out.join(format!("gatekit-{name}.1")))
            .unwrap_or_else(|e| panic!("gatekit-{name}.1: {e}"));
        assert!(
            page.contains(&format!(".TH gatekit-{name} 1")),
            "gatekit-{name}.1 has no title line"
        );
    }
    let written = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(written, subcommands().len() + 1);
}

#[test]
fn man_page_renders_with_man() {
    let Some(man) = crate::support::tool("man") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("gatekit-audit.1");
    let output = gatekit(&["man", "--out", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rendered = Command::new(man)
        .args(["--warnings", "-l", "-E", "UTF-8"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output()
        .expect("man runs");
    let shown = text(&rendered.stdout);
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    assert!(shown.contains("--min-severity"), "{shown}");
    assert!(
        text(&rendered.stderr).trim().is_empty(),
        "man warns: {}",
        text(&rendered.stderr)
    );
}

#[test]
fn every_command_help_has_an_example() {
    let mut commands = vec![String::new()];
    commands.extend(subcommands());
    for name in commands {
        let mut args: Vec<&str> = Vec::new();
        if !name.is_empty() {
            args.push(&name);
        }
        args.push("--help");
        let output = gatekit(&args);
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        let help = text(&output.stdout);
        let examples = help
            .split_once("Examples:\n")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("`gatekit {name} --help` shows no examples:\n{help}"));
        let first = examples.lines().next().unwrap_or_default().trim();
        assert!(
            first.starts_with(&format!("gatekit {name}").trim().to_string()),
            "`gatekit {name} --help`: the first example does not run the command: {first}"
        );
    }
}

#[test]
fn version_names_gatekit_and_blueprint_versions() {
    let (_, origin) =
        gatekit::generate::load_blueprints(&gatekit::blueprint::SourceSpec::Builtin).unwrap();
    let expected = format!(
        "gatekit {} (built-in blueprints {})\n",
        env!("CARGO_PKG_VERSION"),
        origin.version
    );
    for flag in ["--version", "-V"] {
        let output = gatekit(&[flag]);
        assert!(output.status.success());
        assert_eq!(text(&output.stdout), expected, "{flag}");
    }
}
