//! `docs/rules/<id>.md` is generated from each rule's metadata and its
//! fixtures, so the page, the SARIF help and `--list-rules` never disagree.
//! Regenerate with `GATEKIT_BLESS=1 cargo test --test it audit_docs`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use gatekit::audit::rules::{self, Rule};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn control_title(id: &str) -> String {
    let catalog = std::fs::read_to_string(root().join("blueprints/catalog/controls.yaml")).unwrap();
    let mut lines = catalog.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("- id: {id}")
            && let Some(title) = lines.next().and_then(|l| l.trim().strip_prefix("title: "))
        {
            return title.to_string();
        }
    }
    String::new()
}

/// The first fixture file of a case, for the page's example.
fn example(rule: &str, prefix: &str) -> Option<(String, String)> {
    let dir = root().join("tests/fixtures/audit").join(rule);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let case = entries.into_iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
    })?;
    let file = if case.is_dir() {
        first_file(&case)?
    } else {
        case
    };
    let text = std::fs::read_to_string(&file).ok()?;
    if text.lines().count() > 60 {
        return None;
    }
    let name = file
        .strip_prefix(&dir)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    Some((
        name,
        text.replace("  # expect-finding", "  # <- finding")
            .replace(" <!-- expect-finding -->", " <!-- <- finding -->"),
    ))
}

/// Picks the fixture file that carries the finding, for folder cases.
fn first_file(case: &Path) -> Option<PathBuf> {
    let mut files = Vec::new();
    collect(case, &mut files);
    files.sort();
    files
        .iter()
        .find(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("expect-finding")))
        .cloned()
        .or_else(|| {
            files
                .into_iter()
                .find(|f| !f.to_string_lossy().contains(".gatekit"))
        })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn language(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("yaml" | "yml") => "yaml",
        Some("tf") => "hcl",
        Some("xml") => "xml",
        Some("conf") if name.contains("kong") => "ini",
        Some("conf") => "nginx",
        _ => "text",
    }
}

fn page(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", m.id);
    let _ = writeln!(out, "{}\n", m.title);
    let _ = writeln!(out, "| | |\n| --- | --- |");
    let _ = writeln!(out, "| Severity | {} |", m.severity);
    let _ = writeln!(out, "| Confidence | {} |", m.confidence.as_str());
    let _ = writeln!(
        out,
        "| Control | `{}` {} |",
        m.control,
        control_title(m.control)
    );
    let _ = writeln!(
        out,
        "| OWASP API Security Top 10 | {} {} |\n",
        m.owasp.id(),
        m.owasp.title()
    );
    let _ = writeln!(out, "## Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(out, "## How to fix it\n\n{}\n", m.fix);
    for (heading, prefix) in [("Flagged", "insecure"), ("Passes", "secure")] {
        if let Some((name, text)) = example(m.id, prefix) {
            let _ = writeln!(
                out,
                "## {heading}: `{name}`\n\n```{}\n{}```\n",
                language(&name),
                text
            );
        }
    }
    let _ = writeln!(
        out,
        "## Suppressing it\n\nWhen the finding is an accepted risk, say why on the line above it or at its end:\n\n\
        ```text\n# gatekit-ignore {}: the reason this is acceptable\n```\n\n\
        or add it to the baseline (`gatekit audit --write-baseline FILE`, then fill in each `reason`). \
        A suppression without a reason suppresses nothing.",
        m.id
    );
    out
}

#[test]
fn rule_docs_match_registry() {
    let bless = std::env::var("GATEKIT_BLESS").is_ok_and(|v| v == "1");
    let dir = root().join("docs/rules");
    let mut stale = Vec::new();
    for rule in rules::registry() {
        let path = dir.join(format!("{}.md", rule.meta.id));
        let want = page(rule);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale rule pages (GATEKIT_BLESS=1 regenerates them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn no_doc_page_without_a_rule() {
    let ids: Vec<String> = rules::registry()
        .iter()
        .map(|r| format!("{}.md", r.meta.id))
        .collect();
    let orphans: Vec<String> = std::fs::read_dir(root().join("docs/rules"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".md") && name != "README.md" && !ids.contains(name))
        .collect();
    assert!(orphans.is_empty(), "pages for unknown rules: {orphans:?}");
}
