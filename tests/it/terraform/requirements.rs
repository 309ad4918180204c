//! Presence rules of a resource body: required arguments (also those that
//! depend on another argument's literal value or on the resource's mode),
//! required blocks and block counts, plus the shape of `lifecycle` and
//! `dynamic` blocks.

use std::collections::{BTreeMap, BTreeSet};

use hcl::{Block, Body};

use super::catalog::Resource;
use super::problem::Kind;
use super::resources::{Count, Walk, join};
use super::schema::{Argument, Node};
use super::tree::labels;
use super::values::literal;

/// Runs every presence rule on one body.
pub fn check<'a>(
    walk: &mut Walk<'a>,
    resource: &Resource<'a>,
    node: &'a Node,
    body: &Body,
    path: &str,
    counts: &BTreeMap<String, Count>,
) {
    let mut arguments: Vec<(&str, &Argument)> = node
        .arguments
        .iter()
        .map(|(n, a)| (n.as_str(), a))
        .collect();
    let added = walk.catalog.added_arguments(resource, path);
    arguments.extend(added.iter().map(|(_, n, a)| (*n, *a)));
    for (name, spec) in &arguments {
        required_argument(walk, body, path, name, spec);
    }
    modes(walk, body, &arguments);
    if !node.required_to_manage.is_empty() && body.iter().next().is_some() {
        for name in &node.required_to_manage {
            if !present(body, name) {
                let message = format!("`{}` is required in a non-empty block", join(path, name));
                walk.report(Kind::MissingArgument, message);
            }
        }
    }
    let mut blocks: Vec<(&str, &Node)> = node.blocks.iter().map(|(n, b)| (n.as_str(), b)).collect();
    let added = walk.catalog.added_blocks(resource, path);
    blocks.extend(added.iter().map(|(_, n, b)| (*n, *b)));
    for (name, spec) in blocks {
        let count = counts.get(name).copied().unwrap_or_default();
        block_count(walk, &join(path, name), spec, count);
    }
}

fn present(body: &Body, name: &str) -> bool {
    body.attributes().any(|a| a.key() == name)
}

fn value<'b>(body: &'b Body, name: &str) -> Option<&'b hcl::Expression> {
    body.attributes()
        .find(|a| a.key() == name)
        .map(|a| a.expr())
}

fn required_argument(walk: &mut Walk<'_>, body: &Body, path: &str, name: &str, spec: &Argument) {
    if present(body, name) {
        return;
    }
    let qualified = join(path, name);
    if spec.required {
        walk.report(Kind::MissingArgument, format!("`{qualified}` is required"));
    }
    for (other, values) in &spec.required_if {
        let Some(actual) = value(body, other).and_then(literal) else {
            continue;
        };
        if values.contains(&actual) {
            let message = format!("`{qualified}` is required when `{other}` is \"{actual}\"");
            walk.report(Kind::MissingArgument, message);
        }
    }
}

/// Arguments marked `required_for_modes`: the modes the present arguments
/// allow are the candidates, and one candidate must have every argument it
/// requires.
fn modes(walk: &mut Walk<'_>, body: &Body, arguments: &[(&str, &Argument)]) {
    let moded: Vec<(&str, &Argument)> = arguments
        .iter()
        .filter(|(_, a)| !a.required_for_modes.is_empty())
        .copied()
        .collect();
    if moded.is_empty() {
        return;
    }
    let mut candidates: BTreeSet<&str> = moded
        .iter()
        .flat_map(|(_, a)| a.required_for_modes.iter().map(String::as_str))
        .collect();
    for (name, spec) in &moded {
        if present(body, name) {
            candidates.retain(|m| spec.required_for_modes.iter().any(|s| s == m));
        }
    }
    if candidates.is_empty() {
        let names: Vec<&str> = moded
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| present(body, n))
            .collect();
        let message = format!("arguments {} belong to different modes", names.join(", "));
        walk.report(Kind::Conflict, message);
        return;
    }
    let mut needs = Vec::new();
    for mode in &candidates {
        let missing: Vec<&str> = moded
            .iter()
            .filter(|(n, a)| a.required_for_modes.iter().any(|m| m == mode) && !present(body, n))
            .map(|(n, _)| *n)
            .collect();
        if missing.is_empty() {
            return;
        }
        needs.push(format!("{} for mode {mode}", missing.join(" and ")));
    }
    let message = format!("missing required arguments: {}", needs.join(", or "));
    walk.report(Kind::MissingArgument, message);
}

fn block_count(walk: &mut Walk<'_>, qualified: &str, spec: &Node, count: Count) {
    let Count { written, dynamic } = count;
    if spec.required && written == 0 && !dynamic {
        walk.report(
            Kind::MissingBlock,
            format!("block `{qualified}` is required"),
        );
        return;
    }
    let single = spec.nesting.as_deref() == Some("single");
    let max = spec.max_items.or(single.then_some(1));
    if let Some(max) = max.filter(|m| written > *m) {
        let message = format!("{written} `{qualified}` blocks; at most {max} allowed");
        walk.report(Kind::BlockCount, message);
    }
    let min = spec.min_items.unwrap_or(0);
    if !dynamic && written > 0 && written < min {
        let message = format!("{written} `{qualified}` blocks; at least {min} required");
        walk.report(Kind::BlockCount, message);
    }
}

/// Checks a resource's or data source's `lifecycle` block.
pub fn lifecycle(walk: &mut Walk<'_>, block: &Block, data: bool) {
    let arguments: &[&str] = if data {
        &[]
    } else {
        &[
            "create_before_destroy",
            "prevent_destroy",
            "ignore_changes",
            "replace_triggered_by",
        ]
    };
    for attribute in block.body().attributes() {
        if !arguments.contains(&attribute.key()) {
            let message = format!(
                "`lifecycle.{}` is not a lifecycle argument",
                attribute.key()
            );
            walk.report(Kind::UnknownArgument, message);
        }
    }
    for inner in block.body().blocks() {
        let name = inner.identifier();
        if name != "precondition" && name != "postcondition" {
            let message = format!("`lifecycle.{name}` is not a lifecycle block");
            walk.report(Kind::UnknownBlock, message);
            continue;
        }
        for required in ["condition", "error_message"] {
            if !present(inner.body(), required) {
                let message = format!("`lifecycle.{name}.{required}` is required");
                walk.report(Kind::MissingArgument, message);
            }
        }
    }
}

/// Checks the shape of a `dynamic` block and returns the block name it
/// generates and its `content` body.
pub fn dynamic<'b>(walk: &mut Walk<'_>, block: &'b Block) -> Option<(String, &'b Body)> {
    let [label] = labels(block)[..] else {
        walk.report(Kind::Parse, "a dynamic block needs one label");
        return None;
    };
    for attribute in block.body().attributes() {
        if !["for_each", "iterator", "labels"].contains(&attribute.key()) {
            let message = format!(
                "`dynamic.{label}.{}` is not a dynamic argument",
                attribute.key()
            );
            walk.report(Kind::UnknownArgument, message);
        }
    }
    if !present(block.body(), "for_each") {
        let message = format!("`dynamic.{label}.for_each` is required");
        walk.report(Kind::MissingArgument, message);
    }
    let mut content = None;
    for inner in block.body().blocks() {
        if inner.identifier() == "content" && content.is_none() {
            content = Some(inner.body());
        } else {
            let message = format!(
                "`dynamic.{label}` takes one `content` block and no `{}`",
                inner.identifier()
            );
            walk.report(Kind::UnknownBlock, message);
        }
    }
    if content.is_none() {
        walk.report(
            Kind::MissingBlock,
            format!("`dynamic.{label}` lacks its `content` block"),
        );
    }
    Some((label.to_string(), content?))
}
