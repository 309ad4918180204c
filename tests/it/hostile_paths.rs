//! Output paths from hostile blueprint manifests: names that mean `.git`
//! on macOS or Windows, gatekit's own `.gatekit` folder and Windows device
//! names are rejected before anything is written.

use std::path::Path;
use std::process::Command;

use crate::support;

/// Writes the built-in set into `dir`, with `.gitignore` rendered to `path`.
fn set_with_path(dir: &Path, path: &str) {
    support::write_builtin_set(dir);
    let manifest = dir.join("common/manifest.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("path: .gitignore\n"));
    // A JSON string is a YAML double-quoted scalar with the same escapes.
    let quoted = serde_json::to_string(path).unwrap();
    let text = text.replace("path: .gitignore\n", &format!("path: {quoted}\n"));
    std::fs::write(manifest, text).unwrap();
}

/// Renders `set` with default answers into `out`.
fn render(set: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(["render", "--defaults", "--set", "project=shop"])
        .args(["--blueprints", set.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
fn dotgit_lookalikes_rejected_before_writing() {
    for path in [
        ".GIT/hooks/pre-commit",
        "sub/.Git/config",
        "git~1/hooks/pre-commit",
        ".g\u{200c}it/hooks/pre-commit",
        ".git\u{feff}/config",
        ".gatekit/answers.yaml",
        ".Gatekit/incoming/README.md",
        "CON",
        "docs/nul.txt",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let set = dir.path().join("set");
        set_with_path(&set, path);
        let out = dir.path().join("gw");
        let output = render(&set, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path:?}: {stderr}");
        assert!(stderr.contains("output path"), "{path:?}: {stderr}");
        assert!(!out.exists(), "{path:?}: the output folder was created");
    }
}

#[test]
fn output_path_is_file_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gw");
    std::fs::write(&file, "not a folder\n").unwrap();
    let path = file.to_str().unwrap();
    let defaults = ["--defaults", "--set", "project=shop"];
    let runs: [Vec<&str>; 4] = [
        [&["new"][..], &defaults, &[path]].concat(),
        [&["render"][..], &defaults, &["--out", path]].concat(),
        [&["render"][..], &defaults, &["--out", path, "--check"]].concat(),
        vec!["update", path],
    ];
    for args in runs {
        let output = Command::new(env!("CARGO_BIN_EXE_gatekit"))
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not a folder"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder\n");
}

#[test]
fn file_blocking_a_folder_rejected() {
    // SECURITY-CHECKLIST.md is another file of the same manifest.
    for path in ["SECURITY-CHECKLIST.md/x", "security-checklist.md/x"] {
        let dir = tempfile::tempdir().unwrap();
        let set = dir.path().join("set");
        set_with_path(&set, path);
        let out = dir.path().join("gw");
        let output = render(&set, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{path:?}: {stderr}");
        assert!(stderr.contains("needs a folder"), "{path:?}: {stderr}");
        assert!(!out.exists(), "{path:?}: the output folder was created");
    }
}
