//! Properties every generated repository has, whatever the combination.

use crate::support;

#[test]
fn render_is_deterministic() {
    for combo in support::combos() {
        let first = support::render(combo);
        let second = support::render(combo);
        assert_eq!(first.tree, second.tree, "{}", combo.name());
    }
}

#[test]
fn record_lists_every_other_file() {
    for combo in support::combos() {
        let generated = support::render(combo);
        let record = generated
            .tree
            .text(".gatekit/answers.yaml")
            .expect("record exists");
        for (path, file) in &generated.tree.files {
            if path == ".gatekit/answers.yaml" {
                continue;
            }
            let line = format!("{path}: \"{}\"", file.digest());
            assert!(
                record.contains(&line),
                "{}: record lacks {line}",
                combo.name()
            );
        }
    }
}
