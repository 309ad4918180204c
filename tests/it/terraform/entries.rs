//! Checks of the allowlist itself: every entry names a valid provider
//! version and the registry page of that version for its type, extends a
//! block the schema has with names it lacks, or defines a type the schema
//! lacks.

use std::collections::BTreeSet;

use super::allowlist::{Allowlist, Entry};
use super::problem::{Kind, Problem};
use super::schema::{Node, Schema, provider_of};

const REGISTRY: &str = "https://registry.terraform.io/providers/";

/// Returns a problem for each invalid entry.
pub fn check(allowlist: &Allowlist, schema: &Schema) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut defined = BTreeSet::new();
    for entry in &allowlist.entries {
        let mut messages = doc_problems(entry, schema);
        if entry.defines_resource(schema) {
            messages.extend(definition_problems(entry));
            if !defined.insert((entry.data_source, entry.type_name.clone())) {
                messages.push("another entry already defines this type".to_string());
            }
        } else {
            messages.extend(extension_problems(entry, schema));
        }
        for message in messages {
            problems.push(Problem::new(
                Kind::AllowlistEntry,
                &allowlist.path,
                entry.label(),
                message,
            ));
        }
    }
    problems
}

fn doc_problems(entry: &Entry, schema: &Schema) -> Vec<String> {
    let mut out = version_problems(entry, schema);
    out.extend(page_problem(entry, schema));
    out
}

fn version_problems(entry: &Entry, schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let version = &entry.version;
    if entry.parsed_version().is_none() || version.split('.').count() != 3 {
        out.push(format!("version `{version}` is not MAJOR.MINOR.PATCH"));
    }
    let provider = schema.providers.get(provider_of(&entry.type_name));
    if let (Some(v), Some(major)) = (entry.parsed_version(), provider.map(|p| p.major()))
        && v.major != major
    {
        out.push(format!(
            "version {v} is not of the checked major version {major}"
        ));
    }
    out
}

/// The page must be `REGISTRY<namespace>/<provider>/<version>/docs/
/// <resources|data-sources>/<type without the provider prefix>`. The
/// namespace is the schema's for the providers it has, any other for the
/// rest.
fn page_problem(entry: &Entry, schema: &Schema) -> Option<String> {
    let provider = provider_of(&entry.type_name);
    let short = entry.type_name.strip_prefix(&format!("{provider}_"))?;
    let section = if entry.data_source {
        "data-sources"
    } else {
        "resources"
    };
    let namespace = match schema.providers.get(provider) {
        Some(p) => p.source.split('/').next().unwrap_or_default().to_string(),
        None => "*".to_string(),
    };
    let version = &entry.version;
    let expected = format!("{REGISTRY}{namespace}/{provider}/{version}/docs/{section}/{short}");
    let page = entry.doc.split('#').next().unwrap_or_default();
    if matches_page(page, &expected) {
        return None;
    }
    Some(format!(
        "doc `{}` is not the registry page {expected}",
        entry.doc
    ))
}

/// Compares with `*` standing for any namespace.
fn matches_page(page: &str, expected: &str) -> bool {
    match expected.split_once('*') {
        None => page == expected,
        Some((before, after)) => {
            let Some(rest) = page.strip_prefix(before) else {
                return false;
            };
            rest.split_once('/').is_some_and(|(namespace, tail)| {
                !namespace.is_empty() && format!("/{tail}") == after
            })
        }
    }
}

fn definition_problems(entry: &Entry) -> Vec<String> {
    let mut out = Vec::new();
    if !entry.block.is_empty() {
        out.push("the schema does not list this type, so `block` cannot extend it".to_string());
    }
    if !entry.adds.attributes.iter().any(|a| a == "id") {
        out.push("a resource definition lists `id` among its attributes".to_string());
    }
    out
}

fn extension_problems(entry: &Entry, schema: &Schema) -> Vec<String> {
    let provider = provider_of(&entry.type_name);
    let Some(root) = schema.node(provider, entry.data_source, &entry.type_name) else {
        return Vec::new();
    };
    let Some(target) = block_at(root, &entry.block) else {
        return vec![format!("the schema has no block `{}` here", entry.block)];
    };
    let mut out = Vec::new();
    let adds = &entry.adds;
    if adds.arguments.is_empty() && adds.blocks.is_empty() && adds.attributes.is_empty() {
        out.push("the entry adds nothing".to_string());
    }
    let overlay = root.v6_changes.as_ref().filter(|_| entry.block.is_empty());
    let listed = |name: &str| {
        target.arguments.contains_key(name)
            || target.blocks.contains_key(name)
            || target.attributes.iter().any(|a| a == name)
            || overlay.is_some_and(|c| {
                c.added_arguments
                    .iter()
                    .chain(&c.added_attributes)
                    .any(|a| a == name)
            })
    };
    let names = adds
        .arguments
        .keys()
        .chain(adds.blocks.keys())
        .chain(&adds.attributes);
    for name in names {
        if listed(name) {
            out.push(format!("the schema already lists `{name}`"));
        }
    }
    out
}

fn block_at<'a>(root: &'a Node, path: &str) -> Option<&'a Node> {
    let mut node = root;
    for name in path.split('.').filter(|n| !n.is_empty()) {
        node = node.blocks.get(name)?.resolve(root);
    }
    Some(node)
}
