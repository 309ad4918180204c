//! Custom blueprint sets whose templates reach other templates in ways a
//! render must follow: from a manifest's output path, through a component
//! defined in a file no other template names, and through names with spaces or
//! escapes.

use std::path::Path;
use std::process::Command;

use crate::support;

/// Renders `set` with default answers and returns the output folder.
fn render(dir: &Path, set: &Path) -> std::path::PathBuf {
    let out = dir.join("gw");
    let output = Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(["render", "--defaults", "--set", "project=shop"])
        .args(["--blueprints", set.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    out
}

#[test]
fn manifest_path_includes_a_template() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    support::write_builtin_set(&set);
    std::fs::write(set.join("common/ignore-name.tera"), "ignore-list").unwrap();
    let manifest = set.join("common/manifest.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("path: .gitignore\n"));
    let path = "path: \"{% include 'common/ignore-name.tera' %}.txt\"\n";
    std::fs::write(&manifest, text.replace("path: .gitignore\n", path)).unwrap();
    let out = render(dir.path(), &set);
    assert!(out.join("ignore-list.txt").is_file());
}

#[test]
fn templates_reached_by_component_space_and_escape() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    support::write_builtin_set(&set);
    std::fs::write(
        set.join("common/components.tera"),
        "{% component Greeting(who) %}hello {{ who }}{% endcomponent Greeting %}\n",
    )
    .unwrap();
    std::fs::write(set.join("common/my part.tera"), "spaced\n").unwrap();
    std::fs::write(set.join("common/part.tera"), "escaped\n").unwrap();
    let gitignore = set.join("common/gitignore.tera");
    let mut text = std::fs::read_to_string(&gitignore).unwrap();
    text.push_str("{{ <Greeting who=\"x\" /> }}\n");
    text.push_str("{% include \"common/my part.tera\" %}\n");
    text.push_str("{% include \"common\\/part.tera\" %}\n");
    std::fs::write(&gitignore, text).unwrap();
    let out = render(dir.path(), &set);
    let rendered = std::fs::read_to_string(out.join(".gitignore")).unwrap();
    for line in ["hello x", "spaced", "escaped"] {
        assert!(rendered.lines().any(|l| l == line), "{line}: {rendered}");
    }
}
