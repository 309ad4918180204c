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
    // With no check that applies, checkov prints the summary alone.
    let summary = report.get("summary").unwrap_or(report);
    let count = |key: &str| summary.get(key).and_then(Value::as_u64).unwrap_or(0);
    let mut out = Vec::new();
    let parse_errors = count("parsing_errors");
    if parse_errors > 0 {
        let message = format!("checkov could not parse {parse_errors} file(s)");
        out.push(Problem::new(Kind::Checkov, prefix, "", message));
    }
    let failed: Vec<&Value> = report
        .pointer("/results/failed_checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    out.extend(failed.iter().map(|c| failed_check(c, prefix)));
    if failed.is_empty() && count("failed") > 0 {
        let message = format!(
            "checkov counts {} failed checks but lists none",
            count("failed")
        );
        out.push(Problem::new(Kind::Checkov, prefix, "", message));
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

mod tests {
    use serde_json::json;

    use super::report_problems;

    #[test]
    fn summary_only_report_counts_parse_errors() {
        let report = json!({"passed": 0, "failed": 0, "parsing_errors": 2});
        let problems = report_problems(&report, "terraform");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("could not parse 2 file(s)"));
    }

    #[test]
    fn summary_only_report_without_checks_passes() {
        let report = json!({"passed": 0, "failed": 0, "parsing_errors": 0});
        assert!(report_problems(&report, "terraform").is_empty());
    }

    #[test]
    fn failed_count_without_list_fails() {
        let report = json!({"summary": {"failed": 3, "parsing_errors": 0}, "results": {}});
        let problems = report_problems(&report, "terraform");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("counts 3 failed checks"));
    }
}
