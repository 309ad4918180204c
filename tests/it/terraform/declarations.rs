//! What one folder (one Terraform module) declares: variables, locals,
//! outputs, resources, data sources, module calls, providers and the
//! `terraform` block settings.

use std::collections::{BTreeMap, BTreeSet};

use hcl::{Block, Expression};

use super::problem::{Kind, Problem};
use super::schema::provider_of;
use super::tree::{Dir, address, labels};
use super::values::{literal, object_key};

/// Top-level block types Terraform accepts.
const TOP_LEVEL: [&str; 12] = [
    "terraform",
    "provider",
    "variable",
    "locals",
    "output",
    "module",
    "resource",
    "data",
    "moved",
    "import",
    "removed",
    "check",
];

/// How many instances a resource, data source or module call has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iteration {
    Single,
    /// `count`: a list, indexed by number.
    Count,
    /// `for_each`: a map, indexed by key.
    ForEach,
}

impl Iteration {
    pub fn of(block: &Block) -> Iteration {
        let has = |name: &str| block.body().attributes().any(|a| a.key() == name);
        if has("count") {
            Iteration::Count
        } else if has("for_each") {
            Iteration::ForEach
        } else {
            Iteration::Single
        }
    }
}

/// A `variable` block.
#[derive(Debug)]
pub struct Variable<'a> {
    pub file: &'a str,
    pub block: &'a Block,
    pub has_default: bool,
}

/// An entry of `required_providers`.
#[derive(Debug, Default)]
pub struct RequiredProvider {
    pub source: Option<String>,
    pub version: Option<String>,
    /// Aliases from `configuration_aliases`.
    pub aliases: BTreeSet<String>,
}

/// The declarations of one folder.
#[derive(Debug, Default)]
pub struct Declarations<'a> {
    pub dir: String,
    pub variables: BTreeMap<String, Variable<'a>>,
    /// Local name to the file that defines it.
    pub locals: BTreeMap<String, &'a str>,
    pub outputs: BTreeMap<String, (&'a str, &'a Block)>,
    /// (type, name) of each resource.
    pub resources: BTreeMap<(String, String), Iteration>,
    pub data: BTreeMap<(String, String), Iteration>,
    pub modules: BTreeMap<String, (&'a str, &'a Block)>,
    /// (name, alias) of each `provider` block.
    pub providers: BTreeSet<(String, Option<String>)>,
    /// Provider local names the folder uses through resources, data sources
    /// and provider blocks.
    pub providers_used: BTreeSet<String>,
    pub required_providers: BTreeMap<String, RequiredProvider>,
    pub required_version: Option<String>,
    pub has_backend: bool,
    pub problems: Vec<Problem>,
}

impl<'a> Declarations<'a> {
    /// Reads the declarations of `dir`, reporting duplicates and unknown
    /// top-level blocks.
    pub fn of(dir: &'a Dir) -> Declarations<'a> {
        let mut decls = Declarations {
            dir: dir.path.clone(),
            ..Declarations::default()
        };
        for (file, block) in dir.blocks() {
            decls.block(file, block);
        }
        decls
    }

    fn duplicate(&mut self, file: &str, block: &Block, name: String) {
        let message = format!("{name} is declared more than once in this folder");
        self.problems
            .push(Problem::new(Kind::Duplicate, file, address(block), message));
    }

    fn block(&mut self, file: &'a str, block: &'a Block) {
        let labels = labels(block);
        match (block.identifier(), labels.as_slice()) {
            ("variable", [name]) => self.variable(file, block, name),
            ("output", [name]) => self.output(file, block, name),
            ("locals", []) => self.locals(file, block),
            ("module", [name]) => self.module(file, block, name),
            ("resource", [kind, name]) => self.resource(file, block, kind, name, false),
            ("data", [kind, name]) => self.resource(file, block, kind, name, true),
            ("provider", [name]) => self.provider(file, block, name),
            ("terraform", []) => self.terraform(file, block),
            ("check", [_]) => self.check_block(file, block),
            (kind, _) if TOP_LEVEL.contains(&kind) => {}
            (kind, _) => self.problems.push(Problem::new(
                Kind::UnknownBlock,
                file,
                address(block),
                format!("`{kind}` is not a Terraform top-level block"),
            )),
        }
    }

    fn variable(&mut self, file: &'a str, block: &'a Block, name: &str) {
        let has_default = block.body().attributes().any(|a| a.key() == "default");
        let variable = Variable {
            file,
            block,
            has_default,
        };
        if self.variables.insert(name.to_string(), variable).is_some() {
            self.duplicate(file, block, format!("variable `{name}`"));
        }
    }

    fn output(&mut self, file: &'a str, block: &'a Block, name: &str) {
        if self
            .outputs
            .insert(name.to_string(), (file, block))
            .is_some()
        {
            self.duplicate(file, block, format!("output `{name}`"));
        }
    }

    fn locals(&mut self, file: &'a str, block: &'a Block) {
        for attribute in block.body().attributes() {
            if self
                .locals
                .insert(attribute.key().to_string(), file)
                .is_some()
            {
                self.duplicate(file, block, format!("local `{}`", attribute.key()));
            }
        }
    }

    fn module(&mut self, file: &'a str, block: &'a Block, name: &str) {
        if self
            .modules
            .insert(name.to_string(), (file, block))
            .is_some()
        {
            self.duplicate(file, block, format!("module `{name}`"));
        }
    }

    fn resource(&mut self, file: &str, block: &Block, kind: &str, name: &str, data: bool) {
        self.providers_used.insert(provider_of(kind).to_string());
        let map = if data {
            &mut self.data
        } else {
            &mut self.resources
        };
        let key = (kind.to_string(), name.to_string());
        if map.insert(key, Iteration::of(block)).is_some() {
            self.duplicate(file, block, address(block));
        }
    }

    fn provider(&mut self, file: &str, block: &Block, name: &str) {
        self.providers_used.insert(name.to_string());
        let alias = block
            .body()
            .attributes()
            .find(|a| a.key() == "alias")
            .and_then(|a| literal(a.expr()));
        if !self.providers.insert((name.to_string(), alias)) {
            self.duplicate(file, block, format!("provider `{name}` configuration"));
        }
    }

    /// Records the data sources that a `check` block scopes to itself.
    fn check_block(&mut self, file: &str, block: &Block) {
        for inner in block.body().blocks() {
            if let ("data", [kind, name]) = (inner.identifier(), labels(inner).as_slice()) {
                self.resource(file, inner, kind, name, true);
            }
        }
    }

    fn terraform(&mut self, file: &str, block: &Block) {
        for attribute in block.body().attributes() {
            if attribute.key() == "required_version" {
                self.required_version = literal(attribute.expr());
            }
        }
        for inner in block.body().blocks() {
            match inner.identifier() {
                "backend" | "cloud" => self.has_backend = true,
                "required_providers" => self.required_providers(file, inner),
                _ => {}
            }
        }
    }

    fn required_providers(&mut self, file: &str, block: &Block) {
        for attribute in block.body().attributes() {
            let name = attribute.key().to_string();
            let entry = required_provider(attribute.expr());
            if self
                .required_providers
                .insert(name.clone(), entry)
                .is_some()
            {
                let name = format!("required provider `{name}`");
                self.duplicate(file, block, name);
            }
        }
    }
}

fn required_provider(expr: &Expression) -> RequiredProvider {
    let mut out = RequiredProvider::default();
    let Expression::Object(object) = expr else {
        // The legacy form `aws = "~> 6.0"` gives only a version.
        out.version = literal(expr);
        return out;
    };
    for (key, value) in object {
        match object_key(key).as_deref() {
            Some("source") => out.source = literal(value),
            Some("version") => out.version = literal(value),
            Some("configuration_aliases") => out.aliases = aliases(value),
            _ => {}
        }
    }
    out
}

/// Returns the alias names of `configuration_aliases = [aws.east, ...]`.
fn aliases(expr: &Expression) -> BTreeSet<String> {
    let Expression::Array(items) = expr else {
        return BTreeSet::new();
    };
    let collector = items
        .iter()
        .fold(super::expressions::Collector::default(), |mut c, i| {
            c.expr(i);
            c
        });
    collector
        .references
        .iter()
        .filter_map(|r| r.attrs().first().map(|a| a.to_string()))
        .collect()
}
