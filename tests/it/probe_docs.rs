//! The probe's check registry, its page `docs/probe.md` and the control
//! catalog agree: every check has a unique kebab-case ID, a control that
//! the catalog lists, an index row naming that control and a section.

use std::collections::BTreeSet;
use std::path::Path;

use gatekit::finding::PROBE_PREFIX;
use gatekit::probe::checks::CHECKS;

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

#[test]
fn probe_checks_have_controls_and_docs() {
    let catalog = read("blueprints/catalog/controls.yaml");
    let page = read("docs/probe.md");
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for check in &CHECKS {
        let meta = check.meta;
        let id = meta.id;
        if !seen.insert(id) {
            problems.push(format!("{id}: registered twice"));
        }
        if !id.starts_with(PROBE_PREFIX) {
            problems.push(format!("{id}: does not start with `{PROBE_PREFIX}`"));
        }
        if !catalog.contains(&format!("id: {}\n", meta.control)) {
            problems.push(format!(
                "{id}: control {} is not in the catalog",
                meta.control
            ));
        }
        let row = format!("| [{id}](#{id}) | {} |", meta.control);
        if !page.contains(&row) {
            problems.push(format!("{id}: docs/probe.md has no index row `{row}`"));
        }
        if !page.contains(&format!("\n### {id}\n")) {
            problems.push(format!("{id}: docs/probe.md has no `### {id}` section"));
        }
    }
    for line in page.lines() {
        if let Some(section) = line.strip_prefix("### ")
            && !seen.contains(section)
        {
            problems.push(format!("docs/probe.md documents unknown check {section}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
