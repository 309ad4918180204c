//! JSON output: the findings and the summary, for scripts.

use serde::Serialize;

use super::{Report, Summary};
use crate::finding::{Finding, Skipped};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: &'a str,
    tool_version: &'static str,
    summary: &'a Summary,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    skipped: &'a [Skipped],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notes: &'a [String],
}

/// Formats findings as a JSON document.
pub fn render(report: &Report<'_>) -> String {
    let document = Document {
        version: 1,
        tool: report.tool,
        tool_version: env!("CARGO_PKG_VERSION"),
        summary: &report.summary,
        findings: report.findings,
        skipped: report.skipped,
        notes: report.notes,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
