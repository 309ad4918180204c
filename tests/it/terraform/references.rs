//! Resolves every reference of every folder against the declarations of
//! that folder, since `terraform validate` cannot run offline: `var.`,
//! `local.`, `module.`, `data.` and resource references, `each` and `count`
//! where the block sets them, and the attribute a resource reference reads.

use std::collections::{BTreeMap, BTreeSet};

use hcl::{Block, Body};

use super::allowlist::Usage;
use super::catalog::Catalog;
use super::declarations::Declarations;
use super::expressions::Collector;
use super::problem::{Kind, Problem};
use super::tree::{TfTree, address, labels};
use super::{functions, modules};

/// Variables and locals that some expression reads, as (folder, name).
/// Reads inside a variable's own block do not count.
#[derive(Debug, Default)]
pub struct Used {
    pub variables: BTreeSet<(String, String)>,
    pub locals: BTreeSet<(String, String)>,
}

/// Where an expression sits: which iteration names are defined there.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub file: &'a str,
    pub subject: String,
    pub count: bool,
    pub each: bool,
    /// Dynamic block iterators in scope.
    pub scope: Vec<String>,
    pub in_variable: bool,
}

/// Resolves the references of one folder.
pub struct Resolver<'a> {
    pub catalog: &'a Catalog,
    pub all: &'a BTreeMap<String, Declarations<'a>>,
    /// The declarations of the folder being resolved.
    pub current: &'a Declarations<'a>,
    pub problems: Vec<Problem>,
    pub used: &'a mut Used,
    pub usage: &'a mut Usage,
}

/// Checks every folder of the tree.
pub fn check(
    tree: &TfTree,
    catalog: &Catalog,
    all: &BTreeMap<String, Declarations<'_>>,
) -> (Vec<Problem>, Used, Usage) {
    let mut used = Used::default();
    let mut usage = Usage::default();
    let mut problems = Vec::new();
    for (path, dir) in &tree.dirs {
        let current = &all[path];
        let mut resolver = Resolver {
            catalog,
            all,
            current,
            problems: Vec::new(),
            used: &mut used,
            usage: &mut usage,
        };
        for (file, block) in dir.blocks() {
            resolver.top_level(file, block);
        }
        problems.append(&mut resolver.problems);
    }
    (problems, used, usage)
}

impl<'a> Resolver<'a> {
    fn top_level(&mut self, file: &'a str, block: &Block) {
        let mut cx = Context {
            file,
            subject: address(block),
            ..Context::default()
        };
        let body = block.body();
        match block.identifier() {
            "terraform" | "moved" | "removed" => {}
            "variable" => {
                cx.in_variable = true;
                self.body(body, &cx, &["type"]);
            }
            "resource" | "data" | "module" => {
                cx.count = has(body, "count");
                cx.each = has(body, "for_each");
                self.iterated(block, &cx);
            }
            _ => self.body(body, &cx, &[]),
        }
    }

    /// Walks a resource, data source or module call.
    fn iterated(&mut self, block: &Block, cx: &Context<'a>) {
        let body = block.body();
        let skip: &[&str] = match block.identifier() {
            "module" => &["source", "version", "providers", "provider"],
            _ => &["provider"],
        };
        self.body(body, cx, skip);
        for attribute in body.attributes() {
            match attribute.key() {
                "provider" => self.provider_reference(attribute.expr(), cx),
                "providers" if block.identifier() == "module" => {
                    modules::check_providers(self, block, attribute.expr(), cx);
                }
                _ => {}
            }
        }
    }

    /// Collects and resolves the references of a body, skipping the
    /// attributes named in `skip`.
    pub fn body(&mut self, body: &Body, cx: &Context<'a>, skip: &[&str]) {
        for attribute in body.attributes() {
            if !skip.contains(&attribute.key()) {
                self.expr(attribute.expr(), cx);
            }
        }
        for block in body.blocks() {
            match block.identifier() {
                "dynamic" => self.dynamic(block, cx),
                "lifecycle" => self.body(block.body(), cx, &["ignore_changes"]),
                _ => self.body(block.body(), cx, &[]),
            }
        }
    }

    fn dynamic(&mut self, block: &Block, cx: &Context<'a>) {
        let body = block.body();
        if let Some(for_each) = body.attributes().find(|a| a.key() == "for_each") {
            self.expr(for_each.expr(), cx);
        }
        let label = labels(block).first().map(|l| l.to_string());
        let iterator = body
            .attributes()
            .find(|a| a.key() == "iterator")
            .map(|a| a.expr().to_string())
            .or(label);
        let mut inner = cx.clone();
        inner.scope.extend(iterator);
        for attribute in body.attributes() {
            if attribute.key() == "labels" {
                self.expr(attribute.expr(), &inner);
            }
        }
        for content in body.blocks() {
            self.body(content.body(), &inner, &[]);
        }
    }

    pub fn expr(&mut self, expr: &hcl::Expression, cx: &Context<'a>) {
        let mut collector = Collector::with_scope(cx.scope.clone());
        collector.expr(expr);
        for error in collector.errors {
            self.report(cx, Kind::Parse, error);
        }
        for reference in &collector.references {
            self.resolve(reference, cx);
        }
        for function in &collector.functions {
            if !functions::is_builtin(function) {
                let message = format!("`{function}` is not a Terraform function");
                self.report(cx, Kind::UnknownFunction, message);
            }
        }
    }

    pub fn report(&mut self, cx: &Context<'_>, kind: Kind, message: impl Into<String>) {
        let problem = Problem::new(kind, cx.file, cx.subject.clone(), message);
        self.problems.push(problem);
    }

    /// Checks `provider = aws.east`: the alias must be configured in this
    /// folder or passed in through `configuration_aliases`.
    pub fn provider_reference(&mut self, expr: &hcl::Expression, cx: &Context<'a>) {
        let collector = super::expressions::references(expr);
        let [reference] = collector.references.as_slice() else {
            self.report(
                cx,
                Kind::ProviderReference,
                format!("`{expr}` is not a provider reference"),
            );
            return;
        };
        let name = reference.root.clone();
        let Some(alias) = reference.attrs().first().map(|a| a.to_string()) else {
            return;
        };
        let configured = self
            .current
            .providers
            .contains(&(name.clone(), Some(alias.clone())));
        let passed = self
            .current
            .required_providers
            .get(&name)
            .is_some_and(|p| p.aliases.contains(&alias));
        if !configured && !passed {
            let message = format!(
                "provider `{name}.{alias}` is neither configured nor in configuration_aliases"
            );
            self.report(cx, Kind::ProviderReference, message);
        }
    }
}

fn has(body: &Body, name: &str) -> bool {
    body.attributes().any(|a| a.key() == name)
}
