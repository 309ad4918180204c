//! Hostile templates in a blueprint set: they fail with exit code 2 and
//! write nothing, instead of filling memory or the disk.

use std::process::Command;

use crate::support;

#[test]
fn huge_template_output_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    support::write_builtin_set(&set);
    // 9,000,000 bytes from a 90-byte template.
    let template =
        "{% for i in range(end=3000) %}{% for j in range(end=3000) %}x{% endfor %}{% endfor %}";
    std::fs::write(set.join("common/gitignore.tera"), template).unwrap();
    let out = dir.path().join("gw");
    let output = Command::new(env!("CARGO_BIN_EXE_gatekit"))
        .args(["render", "--defaults", "--set", "project=shop"])
        .args(["--blueprints", set.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("common/gitignore.tera"), "{stderr}");
    assert!(stderr.contains("larger than 8388608 bytes"), "{stderr}");
    assert!(!out.exists());
}
