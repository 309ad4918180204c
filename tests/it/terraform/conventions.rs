//! Conventions of well-kept Terraform: documented and typed variables, no
//! dead variables or locals, described outputs, `.tfvars` that set only
//! declared variables with constants, and pinned Terraform and provider
//! versions in every folder.

use std::collections::{BTreeMap, BTreeSet};

use hcl::Block;

use super::allowlist::Usage;
use super::catalog::Catalog;
use super::declarations::{Declarations, RequiredProvider};
use super::expressions::is_constant;
use super::modules;
use super::problem::{Kind, Problem};
use super::references::Used;
use super::schema::{BUILTIN_PROVIDER, Provider, provider_of};
use super::tree::{Dir, TfTree, address};
use super::values::literal;
use super::versions::{Version, bounds};

/// Checks every folder of the tree.
pub fn check(
    tree: &TfTree,
    catalog: &Catalog,
    all: &BTreeMap<String, Declarations<'_>>,
    used: &Used,
    usage: &Usage,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, dir) in &tree.dirs {
        let decls = &all[path];
        if dir.tf.is_empty() && dir.tfvars.is_empty() {
            continue;
        }
        problems.extend(variables(decls, used));
        problems.extend(outputs_and_locals(decls, used));
        problems.extend(tfvars(dir, decls));
        problems.extend(versions(dir, decls));
        problems.extend(pins(catalog, all, decls, usage));
    }
    problems
}

/// Roots are `terraform/live/<stage>`; everything else is a module.
pub fn is_root(dir: &str) -> bool {
    dir.starts_with("terraform/live/")
}

fn text_attribute(block: &Block, key: &str) -> Option<String> {
    let attribute = block.body().attributes().find(|a| a.key() == key)?;
    literal(attribute.expr()).filter(|t| !t.trim().is_empty())
}

fn variables(decls: &Declarations<'_>, used: &Used) -> Vec<Problem> {
    let mut out = Vec::new();
    for (name, variable) in &decls.variables {
        let mut report = |kind, message: String| {
            out.push(Problem::new(
                kind,
                variable.file,
                address(variable.block),
                message,
            ));
        };
        if text_attribute(variable.block, "description").is_none() {
            report(
                Kind::Documentation,
                format!("variable `{name}` has no description"),
            );
        }
        if !variable
            .block
            .body()
            .attributes()
            .any(|a| a.key() == "type")
        {
            report(Kind::VariableType, format!("variable `{name}` has no type"));
        }
        if !used.variables.contains(&(decls.dir.clone(), name.clone())) {
            report(
                Kind::UnusedVariable,
                format!("variable `{name}` is never used"),
            );
        }
    }
    out
}

fn outputs_and_locals(decls: &Declarations<'_>, used: &Used) -> Vec<Problem> {
    let mut out = Vec::new();
    for (name, (file, block)) in &decls.outputs {
        if text_attribute(block, "description").is_none() {
            let message = format!("output `{name}` has no description");
            out.push(Problem::new(
                Kind::Documentation,
                *file,
                address(block),
                message,
            ));
        }
    }
    for (name, file) in &decls.locals {
        if !used.locals.contains(&(decls.dir.clone(), name.clone())) {
            let message = format!("local `{name}` is never used");
            out.push(Problem::new(Kind::UnusedLocal, *file, "locals", message));
        }
    }
    out
}

fn tfvars(dir: &Dir, decls: &Declarations<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for file in &dir.tfvars {
        for attribute in file.body.attributes() {
            let key = attribute.key();
            if !decls.variables.contains_key(key) {
                let message = format!("sets `{key}`, which is not a variable of this folder");
                out.push(Problem::new(Kind::Tfvars, &file.path, "", message));
            }
            if !is_constant(attribute.expr()) {
                let message = format!("`{key}` must be a constant value");
                out.push(Problem::new(Kind::Tfvars, &file.path, "", message));
            }
        }
        for block in file.body.blocks() {
            let message = format!("`{}` blocks are not allowed in .tfvars", block.identifier());
            out.push(Problem::new(Kind::Tfvars, &file.path, "", message));
        }
    }
    out
}

fn versions(dir: &Dir, decls: &Declarations<'_>) -> Option<Problem> {
    if dir.tf.is_empty() {
        return None;
    }
    let message = match &decls.required_version {
        None => "no `terraform { required_version = ... }` in this folder".to_string(),
        Some(v) if bounds(v).and_then(|b| b.lower).is_none() => {
            format!("required_version `{v}` sets no minimum version")
        }
        Some(_) => return None,
    };
    Some(Problem::new(Kind::RequiredVersion, &dir.path, "", message))
}

fn pins(
    catalog: &Catalog,
    all: &BTreeMap<String, Declarations<'_>>,
    decls: &Declarations<'_>,
    usage: &Usage,
) -> Vec<Problem> {
    let root = is_root(&decls.dir);
    let providers = if root {
        providers_in_tree(all, &decls.dir, &mut BTreeSet::new())
    } else {
        decls.providers_used.clone()
    };
    let mut out = Vec::new();
    for provider in providers.iter().filter(|p| *p != BUILTIN_PROVIDER) {
        let mut report = |message: String| {
            let subject = format!("provider {provider}");
            out.push(Problem::new(
                Kind::ProviderPin,
                &decls.dir,
                subject,
                message,
            ));
        };
        let Some(required) = decls.required_providers.get(provider) else {
            let user = if decls.providers_used.contains(provider) {
                "this folder"
            } else {
                "a module this root calls"
            };
            report(format!(
                "`{provider}` is used by {user} but not in required_providers"
            ));
            continue;
        };
        let entries = entry_versions(catalog, usage, &decls.dir, provider);
        for message in pin_problems(catalog, provider, required, root, &entries) {
            report(message);
        }
    }
    out
}

/// Returns the providers a folder uses, with those of the local modules it
/// calls, because a root's constraints and lock file cover its whole module
/// tree.
fn providers_in_tree(
    all: &BTreeMap<String, Declarations<'_>>,
    dir: &str,
    seen: &mut BTreeSet<String>,
) -> BTreeSet<String> {
    let Some(decls) = all.get(dir).filter(|_| seen.insert(dir.to_string())) else {
        return BTreeSet::new();
    };
    let mut out = decls.providers_used.clone();
    for (_, call) in decls.modules.values() {
        if let Some(target) = modules::target(dir, call) {
            out.extend(providers_in_tree(all, &target, seen));
        }
    }
    out
}

/// (entry label, version) of each allowlist entry of `provider` the
/// folder uses.
fn entry_versions(
    catalog: &Catalog,
    usage: &Usage,
    dir: &str,
    provider: &str,
) -> Vec<(String, Version)> {
    let Some(used) = usage.dirs.get(dir) else {
        return Vec::new();
    };
    used.iter()
        .map(|&i| &catalog.allowlist.entries[i])
        .filter(|e| provider_of(&e.type_name) == provider)
        .filter_map(|e| Some((e.label(), e.parsed_version()?)))
        .collect()
}

fn pin_problems(
    catalog: &Catalog,
    provider: &str,
    required: &RequiredProvider,
    root: bool,
    entries: &[(String, Version)],
) -> Vec<String> {
    let schema = catalog.schema.providers.get(provider);
    let mut out: Vec<String> = source_problem(provider, required, schema)
        .into_iter()
        .collect();
    let version = required.version.as_deref().unwrap_or_default();
    let Some((b, lower)) = bounds(version).and_then(|b| Some((b, b.lower?))) else {
        out.push(format!(
            "`{provider}` has no `version` constraint with a minimum"
        ));
        return out;
    };
    let major = schema.map(|p| p.major());
    if let Some(major) = major.filter(|m| *m != lower.major) {
        out.push(format!(
            "`{provider}` version `{version}` is not the checked major version {major}"
        ));
    }
    if root && !b.excludes_next_major() {
        let example = format!("~> {}.{}", lower.major, lower.minor);
        out.push(format!(
            "`{provider}` version `{version}` admits the next major version; \
             a root pins it, for example `{example}`"
        ));
    }
    for (label, needed) in entries.iter().filter(|(_, needed)| lower < *needed) {
        out.push(format!(
            "`{provider}` version `{version}` admits releases before {needed}, which {label} needs"
        ));
    }
    out
}

fn source_problem(
    provider: &str,
    required: &RequiredProvider,
    schema: Option<&Provider>,
) -> Option<String> {
    match (&required.source, schema) {
        (None, _) => Some(format!("`{provider}` has no `source`")),
        (Some(source), Some(p)) if *source != p.source => Some(format!(
            "`{provider}` source is `{source}`; the checked schema is for `{}`",
            p.source
        )),
        _ => None,
    }
}
