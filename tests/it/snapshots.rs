//! Snapshots of every generated file of every vendor, environment and CI
//! combination, stored under `snapshots/<combination>/`. A template change
//! without the matching snapshot change fails here; review each changed
//! snapshot as a code change (`cargo insta review`).

use crate::support;

#[test]
fn every_generated_file_matches_its_snapshot() {
    for combo in support::combos() {
        let generated = support::render(combo);
        let folder = format!("{}/snapshots/{}", env!("CARGO_MANIFEST_DIR"), combo.name());
        for (path, file) in &generated.tree.files {
            let text = String::from_utf8_lossy(&file.bytes);
            let name = path.replace('/', "__");
            insta::with_settings!({
                snapshot_path => &folder,
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("{} {}", combo.name(), path),
            }, {
                insta::assert_snapshot!(name, text);
            });
        }
    }
}

#[test]
fn no_snapshot_is_orphaned() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut expected = std::collections::BTreeSet::new();
    for combo in support::combos() {
        for path in support::render(combo).tree.files.keys() {
            expected.insert(format!("{}/{}.snap", combo.name(), path.replace('/', "__")));
        }
    }
    let mut orphans = Vec::new();
    for entry in walk(&root) {
        let relative = entry
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let combo_level = relative.split('/').count() == 2;
        if combo_level && relative.ends_with(".snap") && !expected.contains(&relative) {
            orphans.push(relative);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots for files no longer generated: {orphans:#?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
