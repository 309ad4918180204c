//! JUnit XML output, which GitLab shows as a test report: one test case per
//! rule that found nothing, one failed test case per finding and one
//! skipped test case per check that reached no verdict.

use std::fmt::Write;

use super::Report;
use crate::finding::{Finding, Skipped};

/// Formats findings as JUnit XML.
pub fn render(report: &Report<'_>) -> String {
    let cases = test_cases(report);
    let failures = report.findings.len();
    let skipped = report.skipped.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{tool}\" tests=\"{n}\" failures=\"{failures}\">",
        tool = escape(report.tool),
        n = cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{tool}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        tool = escape(report.tool),
        n = cases.len()
    );
    out.push_str(&properties(report.notes));
    for case in cases {
        out.push_str(&case);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Carries the run's notes as suite properties, which GitLab keeps with the
/// report.
fn properties(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("    <properties>\n");
    for note in notes {
        let _ = writeln!(
            out,
            "      <property name=\"note\" value=\"{}\"/>",
            escape(note)
        );
    }
    out.push_str("    </properties>\n");
    out
}

fn test_cases(report: &Report<'_>) -> Vec<String> {
    let mut cases = Vec::new();
    for rule in report.rules {
        if let Some(skipped) = report.skipped.iter().find(|s| s.rule_id == rule.id) {
            cases.push(skipped_case(skipped));
            continue;
        }
        let found: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == rule.id)
            .collect();
        if found.is_empty() {
            cases.push(format!(
                "    <testcase classname=\"{id}\" name=\"{id}: {title}\"/>\n",
                id = escape(rule.id),
                title = escape(rule.title)
            ));
        }
        for finding in found {
            cases.push(failed_case(finding));
        }
    }
    cases
}

fn skipped_case(skipped: &Skipped) -> String {
    format!(
        "    <testcase classname=\"{id}\" name=\"{id}: {title}\">\n      \
         <skipped message=\"{reason}\"/>\n    </testcase>\n",
        id = escape(skipped.rule_id),
        title = escape(skipped.title),
        reason = escape(&skipped.reason),
    )
}

fn failed_case(finding: &Finding) -> String {
    let mut body = format!(
        "{}\n{}\ncontrol {}, OWASP {}, severity {}",
        finding.location, finding.message, finding.control, finding.owasp, finding.severity
    );
    if let Some(snippet) = &finding.snippet {
        body.push_str(&format!("\n{snippet}"));
    }
    format!(
        "    <testcase classname=\"{id}\" name=\"{id} at {loc}\" file=\"{file}\">\n      \
         <failure type=\"{severity}\" message=\"{message}\">{body}</failure>\n    </testcase>\n",
        id = escape(finding.rule_id),
        loc = escape(&finding.location.to_string()),
        file = escape(&finding.location.uri),
        severity = finding.severity,
        message = escape(&finding.message),
        body = escape(&body),
    )
}

/// Escapes text for XML content and attributes. Characters XML 1.0 cannot
/// carry at all are replaced, so hostile input cannot break the document.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_handles_markup_and_controls() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\u{1}y"), "x\u{fffd}y");
    }
}
