//! The folder layout generated Terraform follows: reusable modules in
//! `terraform/modules/<name>/`, one root per stage in
//! `terraform/live/<stage>/`, each with its conventional files, and a state
//! backend in every root.

use std::collections::BTreeMap;

use super::declarations::Declarations;
use super::problem::{Kind, Problem};
use super::tree::TfTree;

const MODULE_FILES: [&str; 5] = [
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "versions.tf",
    "README.md",
];
const ROOT_FILES: [&str; 6] = [
    "backend.tf",
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "versions.tf",
    "terraform.tfvars",
];

/// Checks the folder of every Terraform file.
pub fn check(tree: &TfTree, all: &BTreeMap<String, Declarations<'_>>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, dir) in &tree.dirs {
        let segments: Vec<&str> = path.split('/').collect();
        let expected: &[&str] = match segments.as_slice() {
            ["terraform", "modules", _] => &MODULE_FILES,
            ["terraform", "live", _] => &ROOT_FILES,
            _ if dir.tf.is_empty() && dir.tfvars.is_empty() => continue,
            _ => {
                let message = "Terraform files belong in terraform/modules/<name>/ or terraform/live/<stage>/";
                problems.push(Problem::new(Kind::Layout, path, "", message));
                continue;
            }
        };
        for name in expected {
            if !dir.has_file(name) {
                problems.push(Problem::new(
                    Kind::Layout,
                    path,
                    "",
                    format!("missing {name}"),
                ));
            }
        }
        if segments[1] == "live" && !all[path].has_backend {
            let message = "a root needs a `backend` block in `terraform { ... }`";
            problems.push(Problem::new(Kind::Layout, path, "", message));
        }
    }
    problems
}
