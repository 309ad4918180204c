//! Suppressions: inline `gatekit-ignore` comments and the baseline file.
//!
//! An inline suppression is a comment in the file's own syntax:
//!
//! ```text
//! # gatekit-ignore kong-route-without-auth: health check, no data
//! <!-- gatekit-ignore apigee-cors-wildcard: public read-only API -->
//! ```
//!
//! It covers findings of the named rules (comma-separated) on its own line,
//! or on the next line when the comment stands alone. The reason after the
//! colon is required: a suppression without one suppresses nothing and is
//! reported by the `suppression-without-reason` rule.

use super::baseline::Baseline;
use super::document::Workspace;
use super::rules::meta;
use crate::finding::{Finding, Location};

/// The marker that starts an inline suppression.
pub const MARKER: &str = "gatekit-ignore";

/// An inline suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    /// Rule IDs it names.
    pub rules: Vec<String>,
    /// The reason, possibly empty.
    pub reason: String,
    /// The line of the comment.
    pub line: usize,
    /// The column of the marker.
    pub column: usize,
    /// The line whose findings it covers.
    pub covers: usize,
}

/// Findings left after suppressions, and how many were removed.
#[derive(Debug)]
pub struct Applied {
    /// Remaining findings, with findings about invalid suppressions added.
    pub findings: Vec<Finding>,
    /// Findings removed.
    pub suppressed: usize,
}

/// Finds the inline suppressions in a file's text.
pub fn scan(text: &str) -> Vec<Inline> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let rest = line[at + MARKER.len()..]
            .trim_end_matches("-->")
            .trim_end_matches("*/");
        let (ids, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let rules: Vec<String> = ids
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let before = line[..at].trim_start_matches([' ', '\t', '#', '/', '<', '!', '-', ';']);
        let standalone = before.trim().is_empty();
        let covers = if standalone {
            next_content_line(&lines, index)
        } else {
            index + 1
        };
        out.push(Inline {
            rules,
            reason: reason.trim().to_string(),
            line: index + 1,
            column: line[..at].chars().count() + 1,
            covers,
        });
    }
    out
}

fn next_content_line(lines: &[&str], index: usize) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, l)| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with("<!--") && !t.starts_with("//")
        })
        .map_or(index + 2, |(i, _)| i + 1)
}

/// Removes suppressed findings and adds findings for suppressions that
/// give no reason.
pub fn apply(
    workspace: &Workspace,
    findings: Vec<Finding>,
    baseline: Option<&Baseline>,
) -> Applied {
    let mut inline = Vec::new();
    let mut extra = Vec::new();
    for document in &workspace.documents {
        for suppression in scan(&document.source.text) {
            if suppression.reason.is_empty() || suppression.rules.is_empty() {
                extra.push(without_reason(&document.source.path, &suppression));
            } else {
                inline.push((document.source.path.as_str(), suppression));
            }
        }
    }
    if let Some(baseline) = baseline {
        extra.extend(baseline.entries_without_reason());
    }
    let before = findings.len();
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !inline.iter().any(|(path, s)| covers(path, s, f)))
        .filter(|f| !baseline.is_some_and(|b| b.accepts(f)))
        .collect();
    let suppressed = before - kept.len();
    kept.extend(extra);
    Applied {
        findings: kept,
        suppressed,
    }
}

fn covers(path: &str, suppression: &Inline, finding: &Finding) -> bool {
    finding.location.uri == path
        && finding.location.line == Some(suppression.covers)
        && suppression.rules.iter().any(|r| r == finding.rule_id)
}

fn without_reason(path: &str, suppression: &Inline) -> Finding {
    let named = if suppression.rules.is_empty() {
        "no rule".to_string()
    } else {
        suppression.rules.join(", ")
    };
    Finding::builder(&meta::SUPPRESSION_WITHOUT_REASON.meta)
        .at(
            Location::file(path, suppression.line, suppression.column),
            format!("suppression of {named} gives no reason, so it suppresses nothing"),
        )
        .context(format!("inline {named}"))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_standalone_comments() {
        let text = "a: 1 # gatekit-ignore rule-a: reason here\n# gatekit-ignore rule-b,rule-c: why\n\nb: 2\n<!-- gatekit-ignore rule-d -->\n";
        let found = scan(text);
        assert_eq!(found[0].covers, 1);
        assert_eq!(found[0].reason, "reason here");
        assert_eq!(found[1].rules, vec!["rule-b", "rule-c"]);
        assert_eq!(found[1].covers, 4);
        assert_eq!(found[2].rules, vec!["rule-d"]);
        assert!(found[2].reason.is_empty());
    }
}
