//! Terraform files of a rendered repository, parsed with hcl-rs and grouped
//! by folder, since a Terraform module is one folder.

use std::collections::BTreeMap;
use std::path::Path;

use gatekit::generate::Generated;
use hcl::{Block, Body, Expression};

use super::problem::{Kind, Problem};

/// A parsed `.tf` or `.tfvars` file.
#[derive(Debug)]
pub struct ParsedFile {
    pub path: String,
    /// The source, for what the parsed body drops, such as comments.
    pub text: String,
    pub body: Body,
}

/// One folder: a Terraform module or root.
#[derive(Debug, Default)]
pub struct Dir {
    pub path: String,
    pub tf: Vec<ParsedFile>,
    pub tfvars: Vec<ParsedFile>,
    /// Names of the other files in the folder, such as `README.md`.
    pub others: Vec<String>,
}

impl Dir {
    /// Top-level blocks of every `.tf` file, with the file path.
    pub fn blocks(&self) -> impl Iterator<Item = (&str, &Block)> {
        self.tf
            .iter()
            .flat_map(|f| f.body.blocks().map(move |b| (f.path.as_str(), b)))
    }

    pub fn has_file(&self, name: &str) -> bool {
        let in_dir = |p: &str| file_name(p) == name;
        self.tf.iter().any(|f| in_dir(&f.path))
            || self.tfvars.iter().any(|f| in_dir(&f.path))
            || self.others.iter().any(|o| o == name)
    }
}

/// The Terraform part of a repository: every folder holding a `.tf` file or
/// lying under `terraform/`.
#[derive(Debug, Default)]
pub struct TfTree {
    pub dirs: BTreeMap<String, Dir>,
    /// Files that do not parse.
    pub problems: Vec<Problem>,
}

impl TfTree {
    /// Parses the Terraform files among `files` (path relative to the
    /// repository root, text).
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> TfTree {
        let mut tree = TfTree::default();
        for (path, text) in files {
            if is_terraform(&path) {
                tree.add(path, &text);
            }
        }
        tree
    }

    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    fn add(&mut self, path: String, text: &str) {
        let dir_path = parent(&path).to_string();
        let dir = self.dirs.entry(dir_path.clone()).or_insert_with(|| Dir {
            path: dir_path,
            ..Dir::default()
        });
        let is_tf = path.ends_with(".tf");
        if !is_tf && !path.ends_with(".tfvars") {
            dir.others.push(file_name(&path).to_string());
            return;
        }
        let text = text.to_string();
        match hcl::parse(&text) {
            Ok(body) if is_tf => dir.tf.push(ParsedFile { path, text, body }),
            Ok(body) => dir.tfvars.push(ParsedFile { path, text, body }),
            Err(e) => self.problems.push(Problem::new(
                Kind::Parse,
                path,
                "",
                format!("invalid HCL: {e}"),
            )),
        }
    }
}

/// True for paths the checker reads: anything under `terraform/`, and
/// Terraform files anywhere else (which the layout check then reports).
pub fn is_terraform(path: &str) -> bool {
    path.starts_with("terraform/") || path.ends_with(".tf") || path.ends_with(".tfvars")
}

/// Returns the files of a generated repository that [`is_terraform`]
/// selects, as
/// text.
pub fn terraform_files(generated: &Generated) -> Vec<(String, String)> {
    generated
        .tree
        .files
        .iter()
        .filter(|(path, _)| is_terraform(path))
        .map(|(path, file)| {
            let text = String::from_utf8(file.bytes.clone())
                .unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"));
            (path.clone(), text)
        })
        .collect()
}

/// Parses every `.tf` file of a generated repository, panicking with the
/// path and the parser's message on a file that does not parse. For tests
/// that inspect generated Terraform directly, with [`count_keys`].
#[allow(dead_code)]
pub fn parse_tf_files(generated: &Generated) -> Vec<(String, Body)> {
    terraform_files(generated)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".tf"))
        .map(|(path, text)| match hcl::parse(&text) {
            Ok(body) => (path, body),
            Err(e) => panic!("{path} does not parse as HCL: {e}"),
        })
        .collect()
}

/// Counts the keys of a body at every depth: attributes, blocks and the keys
/// of object expressions. A value that injects HCL syntax changes this count.
pub fn count_keys(body: &Body) -> usize {
    let attributes: usize = body.attributes().map(|a| 1 + expr_keys(a.expr())).sum();
    let blocks: usize = body.blocks().map(|b| 1 + count_keys(b.body())).sum();
    attributes + blocks
}

fn expr_keys(expr: &Expression) -> usize {
    match expr {
        Expression::Array(items) => items.iter().map(expr_keys).sum(),
        Expression::Object(object) => object.values().map(|v| 1 + expr_keys(v)).sum(),
        Expression::Parenthesis(inner) => expr_keys(inner),
        _ => 0,
    }
}

/// Reads every file under `root` as (path relative to `root`, text).
pub fn read_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_files(root, root, &mut out);
    out.sort();
    out
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_files(root, &path, out);
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .expect("inside root")
            .to_string_lossy()
            .replace('\\', "/");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((relative, text));
    }
}

pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Returns the labels of a block as strings.
pub fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

/// Returns a block's address for messages, such as `resource.aws_lb.main`.
pub fn address(block: &Block) -> String {
    let mut parts = vec![block.identifier()];
    parts.extend(labels(block));
    parts.join(".")
}

mod tests {
    use super::count_keys;

    #[test]
    fn count_keys_counts_every_depth() {
        let text = r#"
a = 1
b = { c = 1, d = [{ e = "${var.f}" }] }
block "x" {
  g = "h"
  inner {}
}
"#;
        let body = hcl::parse(text).expect("valid HCL");
        // a, b, c, d, e, block, g, inner
        assert_eq!(count_keys(&body), 8);
    }
}
