//! Reporters: text for people, JSON, SARIF 2.1.0 and JUnit XML.
//!
//! A reporter formats a [`Report`]: findings plus the metadata of the rules
//! or checks that ran. It knows no rule; `audit` and `probe` both use it.

mod json;
mod junit;
mod sarif;
mod text;

use crate::finding::{Finding, RuleMeta, Skipped};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text with `file:line` and a snippet, for people.
    Text,
    /// JSON.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for GitLab test reports.
    Junit,
}

/// Counts that describe what a run covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files or targets examined.
    pub scanned: usize,
    /// Files skipped because their format is unknown or unsupported.
    pub skipped: usize,
    /// Findings hidden by inline suppressions or the baseline.
    pub suppressed: usize,
    /// Verdicts per check, for runs whose checks can also be skipped
    /// (probe); `None` for audit, whose rules always run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<CheckCounts>,
}

/// How many checks of a probe run passed, failed or reached no verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckCounts {
    /// Checks with no finding.
    pub passed: usize,
    /// Checks with at least one finding.
    pub failed: usize,
    /// Checks that reached no verdict.
    pub skipped: usize,
}

/// Everything a reporter needs.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The tool's name, `gatekit audit` or `gatekit probe`.
    pub tool: &'a str,
    /// Every rule or check that ran, in a stable order.
    pub rules: &'a [&'static RuleMeta],
    /// True when the text format may use ANSI colours; other formats ignore
    /// it.
    pub color: bool,
    /// Findings to report, sorted.
    pub findings: &'a [Finding],
    /// What the run covered.
    pub summary: Summary,
    /// Checks that reached no verdict, with the reason; empty for audit.
    pub skipped: &'a [Skipped],
    /// Statements about the whole run that every format must carry, such as
    /// a certificate check turned off with `--insecure`.
    pub notes: &'a [String],
}

/// Formats `report` in `format`.
pub fn render(format: Format, report: &Report<'_>) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
    }
}

/// Returns the rule metadata for `id` among the rules of a report.
fn rule_of(report: &Report<'_>, id: &str) -> Option<&'static RuleMeta> {
    report.rules.iter().copied().find(|rule| rule.id == id)
}
