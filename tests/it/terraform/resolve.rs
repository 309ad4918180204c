//! Resolution of one reference against the declarations of its folder:
//! the name exists, resources with `count` or `for_each` are indexed (and
//! others are not), and the attribute read exists on the resource type.

use super::catalog::{Readable, Resource};
use super::declarations::Iteration;
use super::expressions::{Part, Reference};
use super::modules;
use super::problem::Kind;
use super::references::{Context, Resolver};

type Resolution = Result<(), (Kind, String)>;

impl<'a> Resolver<'a> {
    pub fn resolve(&mut self, reference: &Reference, cx: &Context<'a>) {
        let parts = &reference.parts;
        let result = match (reference.root.as_str(), attr(parts, 0)) {
            ("var", Some(name)) => self.variable(name, cx),
            ("local", Some(name)) => self.local(name),
            ("module", Some(name)) => self.module(name, &parts[1..]),
            ("data", Some(kind)) => self.resource(true, kind, &parts[1..]),
            ("each", Some("key" | "value")) if cx.each => Ok(()),
            ("count", Some("index")) if cx.count => Ok(()),
            ("each" | "count", _) => Err((Kind::Scope, scope_message(reference))),
            ("path", Some("module" | "root" | "cwd")) => Ok(()),
            ("terraform", Some("workspace" | "applying")) => Ok(()),
            ("self", _) => Ok(()),
            (root, Some(_)) if root.contains('_') => self.resource(false, root, parts),
            _ => Err((
                Kind::UnknownReference,
                format!("`{reference}` names nothing"),
            )),
        };
        if let Err((kind, message)) = result {
            self.report(cx, kind, message);
        }
    }

    fn variable(&mut self, name: &str, cx: &Context<'a>) -> Resolution {
        if !self.current.variables.contains_key(name) {
            return Err(undeclared(format!("variable `{name}`")));
        }
        if !cx.in_variable {
            let key = (self.current.dir.clone(), name.to_string());
            self.used.variables.insert(key);
        }
        Ok(())
    }

    fn local(&mut self, name: &str) -> Resolution {
        if !self.current.locals.contains_key(name) {
            return Err(undeclared(format!("local `{name}`")));
        }
        let key = (self.current.dir.clone(), name.to_string());
        self.used.locals.insert(key);
        Ok(())
    }

    /// `module.NAME...`: `rest` is name follows the name.
    fn module(&mut self, name: &str, rest: &[Part]) -> Resolution {
        let Some((_, call)) = self.current.modules.get(name) else {
            return Err(undeclared(format!("module `{name}`")));
        };
        instance(Iteration::of(call), rest, &format!("module.{name}"))?;
        let output = attr(rest, 0).or_else(|| attr(rest, 1));
        let (Some(output), Some(target)) = (output, modules::target(&self.current.dir, call))
        else {
            return Ok(());
        };
        match self.all.get(&target) {
            Some(decls) if !decls.outputs.contains_key(output) => Err((
                Kind::ModuleOutput,
                format!("`module.{name}.{output}`: {target} has no output `{output}`"),
            )),
            _ => Ok(()),
        }
    }

    /// `TYPE.NAME...` or `data.TYPE.NAME...`: `parts` starts at the name.
    fn resource(&mut self, data: bool, kind: &str, parts: &[Part]) -> Resolution {
        let prefix = if data { "data." } else { "" };
        let Some(name) = attr(parts, 0) else {
            return Err((
                Kind::UnknownReference,
                format!("`{prefix}{kind}` needs a name"),
            ));
        };
        let declared = if data {
            &self.current.data
        } else {
            &self.current.resources
        };
        let qualified = format!("{prefix}{kind}.{name}");
        let Some(&iteration) = declared.get(&(kind.to_string(), name.to_string())) else {
            return Err(undeclared(format!("`{qualified}`")));
        };
        instance(iteration, &parts[1..], &qualified)?;
        let path: Vec<&str> = parts[1..].iter().filter_map(Part::attr).collect();
        match (path.is_empty(), self.catalog.resource(data, kind)) {
            (false, Some(resource)) => self.attribute(&resource, &path, &qualified),
            _ => Ok(()),
        }
    }

    fn attribute(&mut self, resource: &Resource<'_>, path: &[&str], qualified: &str) -> Resolution {
        let kind = resource.type_name;
        let name = path[0];
        match self.catalog.readable(resource, name) {
            Readable::Yes => {}
            Readable::Allowlisted(entry) => self.usage.record(&self.current.dir, entry, name),
            Readable::Removed => {
                let message = format!("`{qualified}.{name}` was removed in AWS provider 6.0");
                return Err((Kind::UnknownAttribute, message));
            }
            Readable::No => {
                let message = format!("`{qualified}.{name}`: `{kind}` has no attribute `{name}`");
                return Err((Kind::UnknownAttribute, message));
            }
        }
        match self.catalog.unknown_nested(resource, path) {
            Some(nested) => {
                let message = format!("`{qualified}`: `{kind}` has no attribute `{nested}`");
                Err((Kind::UnknownAttribute, message))
            }
            None => Ok(()),
        }
    }
}

fn attr(parts: &[Part], index: usize) -> Option<&str> {
    parts.get(index).and_then(Part::attr)
}

/// Checks the step after a resource or module name against its `count` or
/// `for_each`.
fn instance(iteration: Iteration, rest: &[Part], qualified: &str) -> Resolution {
    let reads = rest.iter().any(|p| p.attr().is_some());
    let message = match (iteration, rest.first()) {
        (Iteration::Single, Some(Part::Index)) => {
            format!("`{qualified}` has no count or for_each, so it cannot be indexed")
        }
        (Iteration::Count, Some(Part::Attr(a))) => {
            format!(
                "`{qualified}` has count; read `{a}` from an instance, such as `{qualified}[0].{a}`"
            )
        }
        (Iteration::ForEach, Some(Part::Attr(a))) => {
            format!(
                "`{qualified}` has for_each; read `{a}` from an instance, such as `{qualified}[key].{a}`"
            )
        }
        (Iteration::ForEach, Some(Part::Splat)) if reads => {
            format!(
                "`{qualified}` has for_each, a map, which a splat does not expand; use `values({qualified})`"
            )
        }
        _ => return Ok(()),
    };
    Err((Kind::Instance, message))
}

fn undeclared(name: String) -> (Kind, String) {
    (
        Kind::UnknownReference,
        format!("{name} is not declared in this folder"),
    )
}

fn scope_message(reference: &Reference) -> String {
    let needs = if reference.root == "each" {
        "for_each"
    } else {
        "count"
    };
    format!("`{reference}` is only defined in a block that sets `{needs}`")
}
