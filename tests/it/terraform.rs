//! Offline checks of the generated Terraform, since Terraform cannot run in
//! the tests: formatting (`hcl-fmt`), provider schemas, references and
//! module calls, conventions, and checkov. Every vendor, environment and CI
//! combination is rendered; combinations whose Terraform files are
//! identical are checked once.
//!
//! The checker lives in the submodules so that other tests can reuse it,
//! for example [`tree::parse_tf_files`] and [`tree::count_keys`].

pub mod allowlist;
pub mod catalog;
pub mod checkov;
pub mod conventions;
pub mod declarations;
pub mod entries;
pub mod expressions;
mod fixtures;
pub mod format;
pub mod functions;
pub mod layout;
pub mod modules;
pub mod problem;
pub mod references;
pub mod requirements;
pub mod resolve;
pub mod resources;
pub mod schema;
pub mod tree;
pub mod values;
pub mod versions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gatekit::generate::Generated;

use crate::support;
use allowlist::{Allowlist, Usage};
use catalog::Catalog;
use declarations::Declarations;
use problem::{Family, Problem, Report};
use schema::Schema;
use tree::TfTree;

/// Where the committed allowlist lives.
pub const ALLOWLIST: &str = "tests/data/terraform-allowlist.yaml";

/// The result of the offline checks of one tree.
#[derive(Debug, Default)]
pub struct Outcome {
    pub problems: Vec<Problem>,
    /// Allowlist entries and names the tree used.
    pub usage: Usage,
}

/// Runs every check that needs no external tool on one tree.
pub fn check_offline(tree: &TfTree, catalog: &Catalog) -> Outcome {
    let all: BTreeMap<String, Declarations<'_>> = tree
        .dirs
        .iter()
        .map(|(path, dir)| (path.clone(), Declarations::of(dir)))
        .collect();
    let mut problems = tree.problems.clone();
    for decls in all.values() {
        problems.extend(decls.problems.iter().cloned());
    }
    problems.extend(layout::check(tree, &all));
    let (schema_problems, mut usage) = resources::check(tree, catalog);
    problems.extend(schema_problems);
    let (reference_problems, used, reference_usage) = references::check(tree, catalog, &all);
    usage.merge(&reference_usage);
    problems.extend(reference_problems);
    problems.extend(modules::check(&all));
    problems.extend(conventions::check(tree, catalog, &all, &used, &usage));
    let texts = tree
        .dirs
        .values()
        .flat_map(|d| &d.tf)
        .map(|f| (f.path.as_str(), f.text.as_str()));
    problems.extend(checkov::unjustified_skips(texts));
    Outcome { problems, usage }
}

/// Reads the schema from the shared data folder and the allowlist from
/// `allowlist`; `None` when the shared data is missing (see `support`).
pub fn load_catalog(allowlist: &Path) -> Option<Catalog> {
    let schema = Schema::load(&support::shared("schemas/terraform-resources.json")?);
    let allowlist = if allowlist.exists() {
        Allowlist::load(allowlist)
    } else {
        Allowlist::default()
    };
    Some(Catalog { schema, allowlist })
}

/// Returns the catalog with the committed allowlist, loaded once.
fn catalog() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| load_catalog(&Path::new(env!("CARGO_MANIFEST_DIR")).join(ALLOWLIST)))
        .as_ref()
}

/// The Terraform of one or more combinations that render identical files.
#[derive(Debug)]
pub struct Rendered {
    pub combos: Vec<String>,
    pub files: Vec<(String, String)>,
    pub tree: TfTree,
    /// The first combination's whole repository, to write for the tools.
    pub generated: Generated,
}

/// Returns every distinct Terraform tree of every combination and of the
/// vendors' answer variants, rendered once.
pub fn rendered() -> &'static [Rendered] {
    static RENDERED: OnceLock<Vec<Rendered>> = OnceLock::new();
    RENDERED.get_or_init(|| {
        let mut out: Vec<Rendered> = Vec::new();
        let combos = support::combos()
            .into_iter()
            .map(|combo| (combo.name(), support::render(combo)));
        for (name, generated) in combos.chain(support::answer_variants()) {
            let files = tree::terraform_files(&generated);
            match out.iter_mut().find(|r| r.files == files) {
                Some(same) => same.combos.push(name),
                None => out.push(Rendered {
                    combos: vec![name],
                    tree: TfTree::from_files(files.clone()),
                    files,
                    generated,
                }),
            }
        }
        out
    })
}

/// Runs the offline checks on every rendered tree and fails with each
/// problem of `family`.
fn assert_offline(family: Family, heading: &str) {
    let Some(catalog) = catalog() else {
        return;
    };
    let mut report = Report::default();
    for rendered in rendered() {
        let outcome = check_offline(&rendered.tree, catalog);
        let problems = outcome
            .problems
            .into_iter()
            .filter(|p| p.kind.fails(family));
        report.add(&rendered.combos, problems.collect());
    }
    report.assert_empty(heading);
}

#[test]
fn terraform_matches_provider_schemas() {
    assert_offline(Family::Schema, "Terraform that the provider schemas reject");
}

#[test]
fn terraform_references_resolve() {
    assert_offline(
        Family::References,
        "Terraform references that do not resolve",
    );
}

#[test]
fn terraform_follows_conventions() {
    assert_offline(
        Family::Conventions,
        "Terraform that breaks the layout and conventions",
    );
}

#[test]
fn terraform_allowlist_is_valid_and_used() {
    let Some(catalog) = catalog() else {
        return;
    };
    let mut usage = Usage::default();
    for rendered in rendered() {
        usage.merge(&check_offline(&rendered.tree, catalog).usage);
    }
    let mut problems = entries::check(&catalog.allowlist, &catalog.schema);
    problems.extend(catalog.allowlist.unused(&catalog.schema, &usage));
    let mut report = Report::default();
    report.add(&["every combination".to_string()], problems);
    report.assert_empty("Terraform allowlist entries that are invalid or unused");
}

/// Writes each distinct tree and runs `tool_check` on it, several trees at
/// a time because checkov spends about 2 s starting up per run.
fn assert_external(
    heading: &str,
    tool_check: impl Fn(&Rendered, &Path) -> Option<Vec<Problem>> + Sync,
) {
    let trees: Vec<&Rendered> = rendered().iter().filter(|r| !r.tree.is_empty()).collect();
    let results = parallel_map(&trees, |rendered| {
        let dir = support::write(&rendered.generated);
        tool_check(rendered, dir.path())
    });
    let mut report = Report::default();
    for (rendered, problems) in trees.iter().zip(results) {
        let Some(problems) = problems else {
            return;
        };
        report.add(&rendered.combos, problems);
    }
    report.assert_empty(heading);
}

/// Maps `items` on as many threads as the machine offers, keeping order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

#[test]
fn terraform_is_formatted() {
    assert_external(
        "Terraform files not formatted as `terraform fmt` writes them",
        |r, root| {
            let paths: Vec<&str> = r.files.iter().map(|(p, _)| p.as_str()).collect();
            format::check(root, &paths)
        },
    );
}

#[test]
fn terraform_passes_checkov() {
    assert_external("checkov findings on the generated Terraform", |_, root| {
        let folder: PathBuf = root.join("terraform");
        if !folder.is_dir() {
            return Some(Vec::new());
        }
        checkov::check(&folder, "terraform")
    });
}
