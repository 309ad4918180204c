//! checkov on a rendered `terraform/` folder: no failed check and no file
//! it cannot parse. Skips written as `#checkov:skip=ID:reason` comments
//! must give the reason, which is checked offline because checkov's quiet
//! output omits skipped checks.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::support;

use super::problem::{Kind, Problem};

const ARGS: [&str; 8] = [
    "--framework",
    "terraform",
    "--quiet",
    "--compact",
    "--skip-download",
    "-o",
    "json",
    "-d",
];

/// Runs checkov on `dir`, naming files with `prefix` (the folder's path in
/// the repository). Returns `None` when checkov is missing.
pub fn check(dir: &Path, prefix: &str) -> Option<Vec<Problem>> {
    let tool = support::tool("checkov")?;
    let mut args = ARGS.to_vec();
    let dir_arg = dir.to_string_lossy();
    args.push(&dir_arg);
    let output = support::run(&tool, &args, dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Ok(json) = serde_json::from_str::<Value>(&stdout) else {
        let message = format!("checkov printed no JSON: {}", support::describe(&output));
        return Some(vec![Problem::new(Kind::Checkov, prefix, "", message)]);
    };
    // One report per framework: an object for one, a list for several.
    let reports = match json {
        Value::Array(items) => items,
        other => vec![other],
    };
    Some(
        reports
            .iter()
            .flat_map(|r| report_problems(r, prefix))
            .collect(),
    )
}

fn report_problems(report: &Value, prefix: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let parse_errors = report
        .pointer("/summary/parsing_errors")
        .and_then(Value::as_u64);
    if let Some(count) = parse_errors.filter(|c| *c > 0) {
        let message = format!("checkov could not parse {count} file(s)");
        out.push(Problem::new(Kind::Checkov, prefix, "", message));
    }
    let failed = report
        .pointer("/results/failed_checks")
        .and_then(Value::as_array);
    for check in failed.into_iter().flatten() {
        out.push(failed_check(check, prefix));
    }
    out
}

fn failed_check(check: &Value, prefix: &str) -> Problem {
    let text = |key: &str| {
        check
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let lines = check
        .get("file_line_range")
        .and_then(Value::as_array)
        .map(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("-"))
        .unwrap_or_default();
    let file = format!("{prefix}{}", text("file_path"));
    let message = format!(
        "{} {} (lines {lines})",
        text("check_id"),
        text("check_name")
    );
    Problem::new(Kind::Checkov, file, text("resource"), message)
}

static SKIP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"checkov:skip=([A-Za-z0-9_]+)(?::(.*))?").expect("valid pattern"));

/// Reports each `checkov:skip` comment without a reason.
pub fn unjustified_skips<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Problem> {
    let mut out = Vec::new();
    for (path, text) in files {
        for (number, line) in text.lines().enumerate() {
            let Some(captures) = SKIP.captures(line) else {
                continue;
            };
            let reason = captures.get(2).map_or("", |m| m.as_str().trim());
            if reason.is_empty() {
                let message = format!(
                    "line {}: skip of {} gives no reason",
                    number + 1,
                    &captures[1]
                );
                out.push(Problem::new(Kind::CheckovSkip, path, "", message));
            }
        }
    }
    out
}
