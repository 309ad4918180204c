//! `hcl-fmt --check`: every Terraform file must already be formatted as
//! `terraform fmt` writes it, so the generated pipeline's format check
//! passes on its first run.

use std::path::Path;

use crate::support;

use super::problem::{Kind, Problem};

/// Checks the `.tf` and `.tfvars` files among `files` (paths relative to
/// `root`). Returns `None` when `hcl-fmt` is missing and the check is
/// skipped.
pub fn check(root: &Path, files: &[&str]) -> Option<Vec<Problem>> {
    let tool = support::tool("hcl-fmt")?;
    let targets: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| f.ends_with(".tf") || f.ends_with(".tfvars"))
        .collect();
    if targets.is_empty() {
        return Some(Vec::new());
    }
    let mut args = vec!["--check"];
    args.extend(&targets);
    let output = support::run(&tool, &args, root);
    if output.status.success() {
        return Some(Vec::new());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let problems: Vec<Problem> = stderr
        .lines()
        .filter_map(|line| line.strip_suffix(": not formatted as terraform fmt would"))
        .map(|file| unformatted(&tool, root, file))
        .collect();
    if problems.is_empty() {
        let message = format!("hcl-fmt failed: {}", support::describe(&output));
        return Some(vec![Problem::new(Kind::Format, "", "", message)]);
    }
    Some(problems)
}

/// Builds the problem for one unformatted file, with the diff `terraform fmt` would
/// apply.
fn unformatted(tool: &Path, root: &Path, file: &str) -> Problem {
    let output = support::run(tool, &[file], root);
    let formatted = String::from_utf8_lossy(&output.stdout);
    let current = std::fs::read_to_string(root.join(file)).unwrap_or_default();
    let diff = gatekit::output::unified_diff(file, &current, &formatted);
    let message = format!("not formatted as `terraform fmt` writes it:\n{diff}");
    Problem::new(Kind::Format, file, "", message)
}
