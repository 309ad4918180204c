//! Checks every `resource` and `data` block against the catalog: the type
//! exists, every argument and nested block is one the provider has, and
//! literal values fit. Presence rules live in `requirements`.

use std::collections::BTreeMap;

use hcl::{Block, Body};

use super::allowlist::Usage;
use super::catalog::{Catalog, Resource};
use super::problem::{Kind, Problem};
use super::requirements;
use super::schema::{Argument, Node, provider_of};
use super::tree::{Dir, TfTree, address, labels};
use super::values;

/// Meta-arguments Terraform accepts on every resource and data source.
const META_ARGUMENTS: [&str; 4] = ["count", "for_each", "provider", "depends_on"];
const RESOURCE_META_BLOCKS: [&str; 3] = ["lifecycle", "connection", "provisioner"];
const DATA_META_BLOCKS: [&str; 1] = ["lifecycle"];

// TODO: provider and backend blocks are not checked, because the offline
// schema lists resources and data sources only.
/// Checks every resource and data source of the tree, returning the
/// problems and the allowlist entries used.
pub fn check(tree: &TfTree, catalog: &Catalog) -> (Vec<Problem>, Usage) {
    let mut problems = Vec::new();
    let mut usage = Usage::default();
    for dir in tree.dirs.values() {
        for (file, block) in dir.blocks() {
            let data = match block.identifier() {
                "resource" => false,
                "data" => true,
                _ => continue,
            };
            let mut walk = Walk::start(catalog, dir, file, block, &mut usage);
            walk.resource_block(block, data);
            problems.append(&mut walk.problems);
        }
    }
    (problems, usage)
}

/// Counts of one nested block name in a body: written out, and whether a
/// `dynamic` block adds an unknown number more.
#[derive(Debug, Default, Clone, Copy)]
pub struct Count {
    pub written: usize,
    pub dynamic: bool,
}

/// The walk over one resource.
pub struct Walk<'a> {
    pub catalog: &'a Catalog,
    pub dir: &'a Dir,
    pub file: &'a str,
    pub subject: String,
    pub problems: Vec<Problem>,
    pub usage: &'a mut Usage,
}

impl<'a> Walk<'a> {
    fn start(
        catalog: &'a Catalog,
        dir: &'a Dir,
        file: &'a str,
        block: &Block,
        usage: &'a mut Usage,
    ) -> Walk<'a> {
        Walk {
            catalog,
            dir,
            file,
            subject: address(block),
            problems: Vec::new(),
            usage,
        }
    }

    pub fn report(&mut self, kind: Kind, message: impl Into<String>) {
        let problem = Problem::new(kind, self.file, self.subject.clone(), message);
        self.problems.push(problem);
    }

    fn resource_block(&mut self, block: &'a Block, data: bool) {
        let [type_name, _name] = labels(block)[..] else {
            self.report(Kind::Parse, "needs a type label and a name label");
            return;
        };
        let Some(resource) = self.catalog.resource(data, type_name) else {
            self.report(
                Kind::UnknownResource,
                unknown_type(self.catalog, data, type_name),
            );
            return;
        };
        if let Some(entry) = resource.entry {
            self.usage.record(&self.dir.path, entry, "");
        }
        self.body(&resource, resource.node, block.body(), "");
    }

    /// Checks one body: the resource itself (`path` empty) or a nested block.
    fn body(&mut self, resource: &Resource<'a>, node: &'a Node, body: &'a Body, path: &str) {
        for attribute in body.attributes() {
            self.attribute(resource, node, path, attribute);
        }
        let mut counts: BTreeMap<String, Count> = BTreeMap::new();
        for block in body.blocks() {
            if let Some((name, dynamic)) = self.nested_block(resource, node, path, block) {
                let count = counts.entry(name).or_default();
                count.written += usize::from(!dynamic);
                count.dynamic |= dynamic;
            }
        }
        requirements::check(self, resource, node, body, path, &counts);
    }

    fn attribute(
        &mut self,
        resource: &Resource<'a>,
        node: &'a Node,
        path: &str,
        attribute: &hcl::Attribute,
    ) {
        let name = attribute.key();
        if path.is_empty() && META_ARGUMENTS.contains(&name) {
            return;
        }
        match self.argument_spec(resource, node, path, name) {
            Ok(Some(spec)) => {
                let qualified = join(path, name);
                for (kind, message) in values::check(&qualified, spec, attribute.expr()) {
                    self.report(kind, message);
                }
            }
            Ok(None) => {}
            Err((kind, message)) => self.report(kind, message),
        }
    }

    /// Finds the spec of an argument; `Ok(None)` for names accepted without
    /// one (AWS 6.0 additions, blocks that may be written as arguments).
    fn argument_spec(
        &mut self,
        resource: &Resource<'a>,
        node: &'a Node,
        path: &str,
        name: &str,
    ) -> Result<Option<&'a Argument>, (Kind, String)> {
        let root = path.is_empty();
        if let Some(kind) = root.then(|| v6_status(resource, name)).flatten() {
            return match kind {
                V6::Added => Ok(None),
                V6::Removed => Err(removed(name)),
            };
        }
        if let Some(spec) = node.arguments.get(name) {
            return Ok(Some(spec));
        }
        if let Some((entry, spec)) = self.catalog.added_argument(resource, path, name) {
            self.usage.record(&self.dir.path, entry, name);
            return Ok(Some(spec));
        }
        if let Some(block) = node.blocks.get(name) {
            if block.config_mode.as_deref() == Some("attribute-as-blocks") {
                return Ok(None);
            }
            let message = format!("`{name}` is a block; write `{name} {{ ... }}`");
            return Err((Kind::BlockAsArgument, message));
        }
        Err(unknown_argument(node, path, name))
    }

    /// Checks a nested block, returning the block name it counts for and
    /// whether it is `dynamic`.
    fn nested_block(
        &mut self,
        resource: &Resource<'a>,
        node: &'a Node,
        path: &str,
        block: &'a Block,
    ) -> Option<(String, bool)> {
        let name = block.identifier();
        if path.is_empty() && meta_block(resource.data, name) {
            if name == "lifecycle" {
                requirements::lifecycle(self, block, resource.data);
            }
            return None;
        }
        if name == "dynamic" {
            let (label, content) = requirements::dynamic(self, block)?;
            self.nested_body(resource, node, path, &label, content);
            return Some((label, true));
        }
        self.nested_body(resource, node, path, name, block.body());
        Some((name.to_string(), false))
    }

    fn nested_body(
        &mut self,
        resource: &Resource<'a>,
        node: &'a Node,
        path: &str,
        name: &str,
        body: &'a Body,
    ) {
        match self.block_spec(resource, node, path, name) {
            Ok(spec) => {
                if spec.deprecated {
                    self.report(Kind::Deprecated, format!("block `{name}` is deprecated"));
                }
                self.body(
                    resource,
                    spec.resolve(resource.node),
                    body,
                    &join(path, name),
                );
            }
            Err((kind, message)) => self.report(kind, message),
        }
    }

    fn block_spec(
        &mut self,
        resource: &Resource<'a>,
        node: &'a Node,
        path: &str,
        name: &str,
    ) -> Result<&'a Node, (Kind, String)> {
        if path.is_empty() && v6_status(resource, name) == Some(V6::Removed) {
            return Err(removed(name));
        }
        if let Some(spec) = node.blocks.get(name) {
            return Ok(spec);
        }
        if let Some((entry, spec)) = self.catalog.added_block(resource, path, name) {
            self.usage.record(&self.dir.path, entry, name);
            return Ok(spec);
        }
        let is_argument = node.arguments.contains_key(name)
            || node.not_blocks.iter().any(|n| n == name)
            || self.catalog.added_argument(resource, path, name).is_some();
        if is_argument {
            let message = format!("`{name}` is an argument; write `{name} = ...`");
            return Err((Kind::ArgumentAsBlock, message));
        }
        let hint = suggestion(node, name);
        let message = format!(
            "`{}` is not a block of this resource{hint}",
            join(path, name)
        );
        Err((Kind::UnknownBlock, message))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V6 {
    Added,
    Removed,
}

fn v6_status(resource: &Resource<'_>, name: &str) -> Option<V6> {
    let changes = resource.v6?;
    if changes.removed_arguments.iter().any(|n| n == name) {
        return Some(V6::Removed);
    }
    changes
        .added_arguments
        .iter()
        .any(|n| n == name)
        .then_some(V6::Added)
}

fn removed(name: &str) -> (Kind, String) {
    let message = format!(
        "`{name}` was removed in AWS provider {}.0",
        super::schema::AWS_OVERLAY_MAJOR
    );
    (Kind::RemovedArgument, message)
}

fn meta_block(data: bool, name: &str) -> bool {
    if data {
        DATA_META_BLOCKS.contains(&name)
    } else {
        RESOURCE_META_BLOCKS.contains(&name)
    }
}

fn unknown_argument(node: &Node, path: &str, name: &str) -> (Kind, String) {
    let qualified = join(path, name);
    if node.google_beta_only_arguments.iter().any(|n| n == name) {
        let message = format!("`{qualified}` exists only in the google-beta provider");
        return (Kind::UnknownArgument, message);
    }
    if node.attributes.iter().any(|n| n == name) {
        let message = format!("`{qualified}` is computed by the provider and cannot be set");
        return (Kind::ReadOnlyArgument, message);
    }
    let hint = suggestion(node, name);
    let message = format!("`{qualified}` is not an argument of this block{hint}");
    (Kind::UnknownArgument, message)
}

/// Returns a "did you mean" hint naming the closest known argument or
/// block.
fn suggestion(node: &Node, name: &str) -> String {
    let names = node.arguments.keys().chain(node.blocks.keys());
    let closest = names
        .map(|n| (strsim::jaro_winkler(n, name), n))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((_, n)) => format!("; did you mean `{n}`?"),
        None => String::new(),
    }
}

fn unknown_type(catalog: &Catalog, data: bool, type_name: &str) -> String {
    let kind = if data { "data source" } else { "resource" };
    let provider = provider_of(type_name);
    let source = match catalog.schema.providers.get(provider) {
        Some(p) => format!("the {provider} provider schema ({})", p.describe()),
        None => format!("the offline schema (which has no `{provider}` provider)"),
    };
    format!(
        "{kind} type `{type_name}` is not in {source}; add an allowlist entry with its version, \
         registry page, arguments and blocks"
    )
}

pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}
