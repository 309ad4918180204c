//! The user guide in `docs/`, built as an mdBook: every page is in
//! `SUMMARY.md`, relative links resolve, the rule index is generated from the
//! rule registry, and `mdbook build` succeeds.
//! Regenerate the rule index with `GATEKIT_BLESS=1 cargo test --test it rule_index`.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use pulldown_cmark::{Event, Parser, Tag};

use crate::support;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

/// Returns every Markdown page under `docs/`, relative to it, except the
/// book's own `SUMMARY.md` and mdBook's build output.
fn pages() -> BTreeSet<String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path != base.join("book") {
                    walk(&path, base, out);
                }
            } else if path.extension().is_some_and(|e| e == "md") {
                let relative = path.strip_prefix(base).unwrap().to_string_lossy();
                out.insert(relative.replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&docs(), &docs(), &mut out);
    out.remove("SUMMARY.md");
    out
}

/// Returns the link targets of a Markdown text.
fn links(text: &str) -> Vec<String> {
    Parser::new(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn summary_lists_every_page() {
    let summary = std::fs::read_to_string(docs().join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = links(&summary).into_iter().collect();
    let pages = pages();
    let unlisted: Vec<_> = pages.difference(&listed).collect();
    assert!(unlisted.is_empty(), "pages not in SUMMARY.md: {unlisted:?}");
    let missing: Vec<_> = listed.difference(&pages).collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md lists missing pages: {missing:?}"
    );
}

#[test]
fn relative_links_resolve() {
    for page in pages() {
        let text = std::fs::read_to_string(docs().join(&page)).unwrap();
        let folder = docs().join(&page).parent().unwrap().to_path_buf();
        for link in links(&text) {
            if link.contains("://") || link.starts_with('#') || link.starts_with("mailto:") {
                continue;
            }
            let target = folder.join(link.split('#').next().unwrap());
            let exists = if target.is_dir() {
                target.join("README.md").is_file()
            } else {
                target.is_file()
            };
            assert!(exists, "{page}: link `{link}` resolves to nothing");
        }
    }
}

fn rule_index() -> String {
    let mut rules = gatekit::audit::rules::registry();
    rules.sort_by_key(|rule| rule.meta.id);
    let mut out = String::from(
        "# Audit rules\n\n\
         Every rule that `gatekit audit` runs, generated from the rule registry. \
         `gatekit audit --list-rules` prints the same list, and `--rule ID` runs \
         only the rules named.\n\n\
         | rule | severity | title | control | OWASP API Security Top 10 |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for rule in rules {
        let m = &rule.meta;
        let _ = writeln!(
            out,
            "| [`{id}`]({id}.md) | {} | {} | `{}` | {} |",
            m.severity,
            m.title,
            m.control,
            m.owasp.id(),
            id = m.id,
        );
    }
    out
}

#[test]
fn rule_index_matches_registry() {
    let path = docs().join("rules/README.md");
    let expected = rule_index();
    if std::env::var_os("GATEKIT_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules/README.md is out of date; regenerate it with \
         `GATEKIT_BLESS=1 cargo test --test it rule_index`"
    );
}

#[test]
fn book_builds_with_mdbook() {
    let Some(mdbook) = support::tool("mdbook") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(mdbook)
        .arg("build")
        .arg(docs())
        .arg("--dest-dir")
        .arg(out.path())
        .output()
        .expect("mdbook runs");
    assert!(output.status.success(), "{}", support::describe(&output));
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains("WARN"), "mdbook warns:\n{log}");
    for page in pages() {
        let html = Path::new(&page).with_extension("html");
        let html = if html.file_name().is_some_and(|n| n == "README.html") {
            html.with_file_name("index.html")
        } else {
            html
        };
        assert!(
            out.path().join(&html).is_file(),
            "{page}: no {} in the book",
            html.display()
        );
    }
}
