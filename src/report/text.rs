//! Text output: one block per finding with `file:line:column`, the source
//! line and what to do, then a summary. With `Report::color`, the severity,
//! the gutter and the caret are coloured as compilers colour diagnostics.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, rule_of};
use crate::finding::{Finding, Severity, Skipped};
use crate::ui::paint;

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Critical | Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::Blue,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

const GUTTER: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Blue)));

/// Formats findings for people.
pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    for note in report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if !report.notes.is_empty() {
        out.push('\n');
    }
    for finding in report.findings {
        write_finding(&mut out, report, finding);
    }
    for skipped in report.skipped {
        write_skipped(&mut out, report, skipped);
    }
    out.push_str(&summary_line(report));
    out
}

fn write_skipped(out: &mut String, report: &Report<'_>, skipped: &Skipped) {
    let _ = writeln!(out, "skipped[{}]: {}", skipped.rule_id, skipped.title);
    let _ = writeln!(out, "  = {}", skipped.reason);
    if let Some(rule) = rule_of(report, skipped.rule_id) {
        let _ = writeln!(out, "  = docs: {}", rule.help_uri());
    }
    let _ = writeln!(out, "  = control {}", skipped.control);
    out.push('\n');
}

fn write_finding(out: &mut String, report: &Report<'_>, finding: &Finding) {
    let color = report.color;
    let severity_style = severity_style(finding.severity);
    let heading = format!("{}[{}]", finding.severity, finding.rule_id);
    let _ = writeln!(
        out,
        "{}: {}",
        paint(&heading, severity_style, color),
        paint(finding.title, Style::new().bold(), color)
    );
    let _ = writeln!(
        out,
        "  {} {}",
        paint("-->", GUTTER, color),
        finding.location
    );
    if let (Some(line), Some(snippet)) = (finding.location.line, &finding.snippet) {
        let width = line.to_string().len();
        let bar = paint("|", GUTTER, color);
        let number = paint(&line.to_string(), GUTTER, color);
        let caret = finding.location.column.unwrap_or(1).saturating_sub(1);
        let _ = writeln!(out, "{:width$} {bar}", "");
        let _ = writeln!(out, "{number} {bar} {snippet}");
        let _ = writeln!(
            out,
            "{:width$} {bar} {:caret$}{}",
            "",
            "",
            paint("^", severity_style, color)
        );
    }
    let _ = writeln!(out, "  = {}", finding.message);
    if let Some(value) = &finding.value {
        let _ = writeln!(out, "  = value: {value}");
    }
    if let Some(rule) = rule_of(report, finding.rule_id) {
        let _ = writeln!(out, "  = fix: {}", rule.fix);
        let _ = writeln!(out, "  = docs: {}", rule.help_uri());
    }
    let _ = writeln!(
        out,
        "  = control {}, OWASP {}, confidence {}",
        finding.control,
        finding.owasp,
        finding.confidence.as_str()
    );
    out.push('\n');
}

fn summary_line(report: &Report<'_>) -> String {
    let mut counts = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == *severity)
            .count();
        if n > 0 {
            counts.push(format!("{n} {severity}"));
        }
    }
    let total = report.findings.len();
    let noun = if total == 1 { "finding" } else { "findings" };
    let detail = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    let s = &report.summary;
    if let Some(checks) = s.checks {
        return format!(
            "{total} {noun}{detail}; {} checks passed, {} failed, {} skipped\n",
            checks.passed, checks.failed, checks.skipped
        );
    }
    format!(
        "{total} {noun}{detail}; {} scanned, {} skipped, {} suppressed\n",
        s.scanned, s.skipped, s.suppressed
    )
}
