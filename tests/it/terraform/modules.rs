//! Module calls: a local `source` must name a folder of the tree, every
//! argument must be a variable of that module and every variable without a
//! default must be passed. Remote sources must be pinned.

use std::collections::BTreeMap;

use hcl::{Block, Expression};

use super::declarations::Declarations;
use super::problem::{Kind, Problem};
use super::references::{Context, Resolver};
use super::tree::address;
use super::values::{literal, object_key};

/// Module block arguments that are not input variables.
const META: [&str; 6] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Checks every module call of every folder.
pub fn check(all: &BTreeMap<String, Declarations<'_>>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for decls in all.values() {
        for (name, (file, block)) in &decls.modules {
            let mut report = |kind, message: String| {
                problems.push(Problem::new(kind, *file, address(block), message));
            };
            check_call(all, &decls.dir, name, block, &mut report);
        }
    }
    problems
}

fn check_call(
    all: &BTreeMap<String, Declarations<'_>>,
    dir: &str,
    name: &str,
    block: &Block,
    report: &mut dyn FnMut(Kind, String),
) {
    let Some(source) = source(block) else {
        report(
            Kind::ModuleSource,
            format!("module `{name}` needs a literal `source`"),
        );
        return;
    };
    for inner in block.body().blocks() {
        let message = format!("module `{name}` takes no `{}` block", inner.identifier());
        report(Kind::UnknownBlock, message);
    }
    if !is_local(&source) {
        if let Some(message) = unpinned(block, &source) {
            report(Kind::ModuleSource, message);
        }
        return;
    }
    let target = target(dir, block).unwrap_or_default();
    let Some(callee) = all.get(&target) else {
        let message = format!("source `{source}` is not a folder with Terraform files ({target})");
        report(Kind::ModuleSource, message);
        return;
    };
    arguments(name, block, callee, report);
}

fn arguments(
    name: &str,
    block: &Block,
    callee: &Declarations<'_>,
    report: &mut dyn FnMut(Kind, String),
) {
    let passed: Vec<&str> = block
        .body()
        .attributes()
        .map(|a| a.key())
        .filter(|k| !META.contains(k))
        .collect();
    for argument in &passed {
        if !callee.variables.contains_key(*argument) {
            let message = format!("`{argument}` is not a variable of {}", callee.dir);
            report(Kind::ModuleArgument, message);
        }
    }
    for (variable, decl) in &callee.variables {
        if !decl.has_default && !passed.contains(&variable.as_str()) {
            let message =
                format!("module `{name}` does not pass `{variable}`, which has no default");
            report(Kind::ModuleVariable, message);
        }
    }
}

fn source(block: &Block) -> Option<String> {
    let attribute = block.body().attributes().find(|a| a.key() == "source")?;
    literal(attribute.expr())
}

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// A remote source must pin what it downloads: a registry module its
/// `version`, a git module its `ref`.
fn unpinned(block: &Block, source: &str) -> Option<String> {
    let has_version = block.body().attributes().any(|a| a.key() == "version");
    let is_git = source.starts_with("git::") || source.starts_with("github.com/");
    if is_git && !source.contains("ref=") {
        return Some(format!("git source `{source}` has no `?ref=`"));
    }
    let is_registry = !source.contains("::") && source.split('/').count() >= 3 && !is_git;
    if is_registry && !has_version {
        return Some(format!("registry source `{source}` has no `version`"));
    }
    None
}

/// Returns the folder a module call with a local source points to, relative to
/// the repository root.
pub fn target(dir: &str, block: &Block) -> Option<String> {
    let source = source(block)?;
    if !is_local(&source) {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for segment in source.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    Some(parts.join("/"))
}

/// Checks `providers = { aws = aws.east }`: each value must be a provider
/// configured in this folder, and each key a provider the called module
/// requires.
pub fn check_providers<'a>(
    resolver: &mut Resolver<'a>,
    block: &Block,
    expr: &Expression,
    cx: &Context<'a>,
) {
    let Expression::Object(object) = expr else {
        resolver.report(cx, Kind::ProviderReference, "`providers` must be an object");
        return;
    };
    let callee = target(&resolver.current.dir, block).and_then(|t| resolver.all.get(&t));
    for (key, value) in object {
        resolver.provider_reference(value, cx);
        let key = object_key(key).unwrap_or_else(|| key_text(key));
        let (name, alias) = key
            .split_once('.')
            .map_or((key.as_str(), None), |(n, a)| (n, Some(a)));
        let Some(callee) = callee else {
            continue;
        };
        let required = callee.required_providers.get(name);
        let known = match alias {
            None => required.is_some(),
            Some(alias) => required.is_some_and(|r| r.aliases.contains(alias)),
        };
        if !known {
            let message = format!(
                "`providers` key `{key}` is not a provider {} requires",
                callee.dir
            );
            resolver.report(cx, Kind::ModuleArgument, message);
        }
    }
}

fn key_text(key: &hcl::ObjectKey) -> String {
    match key {
        hcl::ObjectKey::Expression(expr) => expr.to_string(),
        other => format!("{other:?}"),
    }
}
