//! Rebuilds the binary when the embedded blueprints or pipelines change, and
//! passes the built-in blueprint set's version to `--version`.

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
    println!("cargo:rerun-if-changed=pipelines");
    println!("cargo:rerun-if-changed=blueprints/set.yaml");
    let set = fs::read_to_string("blueprints/set.yaml").expect("blueprints/set.yaml is readable");
    let version = top_level_value(&set, "version").expect("blueprints/set.yaml has a `version`");
    println!("cargo:rustc-env=GATEKIT_BLUEPRINTS_VERSION={version}");
}

/// Returns the value of a top-level `key: value` line. The set file is
/// plain block YAML, and a test compares the result with the loaded set, so
/// a line scan is enough and keeps YAML parsers out of the build
/// dependencies.
fn top_level_value<'a>(yaml: &'a str, key: &str) -> Option<&'a str> {
    yaml.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        let value = value.split(" #").next()?.trim().trim_matches(['"', '\'']);
        (!value.is_empty()).then_some(value)
    })
}
