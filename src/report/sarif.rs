//! SARIF 2.1.0 output for GitHub code scanning: a small typed model of the
//! parts gatekit emits (tool with rules and help, results with locations,
//! snippets and partial fingerprints).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Report;
use crate::finding::{Finding, RuleMeta, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation<'a>>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

/// The run itself, present only to carry notifications: checks that reached
/// no verdict and notes about the run.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleReference<'a>>,
}

#[derive(Serialize)]
struct RuleReference<'a> {
    id: &'a str,
    index: usize,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    control: &'a str,
    owasp: &'a str,
    severity: Severity,
    confidence: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

/// Formats findings as a SARIF 2.1.0 log.
pub fn render(report: &Report<'_>) -> String {
    let rules: Vec<Rule<'_>> = report.rules.iter().map(|rule| sarif_rule(rule)).collect();
    let results = report
        .findings
        .iter()
        .map(|finding| sarif_result(report, finding))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "gatekit",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/gatekit/gatekit",
                    rules,
                },
            },
            invocations: invocations(report),
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn invocations<'a>(report: &Report<'a>) -> Vec<Invocation<'a>> {
    let mut notifications: Vec<Notification<'a>> = report
        .notes
        .iter()
        .map(|note| Notification {
            level: "warning",
            message: Text { text: note.clone() },
            associated_rule: None,
        })
        .collect();
    for skipped in report.skipped {
        notifications.push(Notification {
            level: "note",
            message: Text {
                text: format!("skipped: {}", skipped.reason),
            },
            associated_rule: Some(RuleReference {
                id: skipped.rule_id,
                index: rule_index(report, skipped.rule_id),
            }),
        });
    }
    if notifications.is_empty() {
        return Vec::new();
    }
    vec![Invocation {
        execution_successful: true,
        tool_execution_notifications: notifications,
    }]
}

fn rule_index(report: &Report<'_>, id: &str) -> usize {
    report
        .rules
        .iter()
        .position(|rule| rule.id == id)
        .unwrap_or(0)
}

fn sarif_rule(rule: &'static RuleMeta) -> Rule<'static> {
    let markdown = format!(
        "**{}**\n\n{}\n\n**Fix:** {}\n\nControl `{}`, OWASP {} {}.\n\n[Documentation]({})",
        rule.title,
        rule.rationale,
        rule.fix,
        rule.control,
        rule.owasp.id(),
        rule.owasp.title(),
        rule.help_uri()
    );
    Rule {
        id: rule.id,
        name: pascal_case(rule.id),
        short_description: Text {
            text: rule.title.to_string(),
        },
        full_description: Text {
            text: rule.rationale.to_string(),
        },
        help_uri: rule.help_uri(),
        help: Help {
            text: format!("{}\n\nFix: {}", rule.rationale, rule.fix),
            markdown,
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: vec![
                "security".to_string(),
                rule.control.to_string(),
                format!("owasp-{}", rule.owasp.id().to_ascii_lowercase()),
            ],
            precision: precision(rule),
            security_severity: security_severity(rule.severity).to_string(),
        },
    }
}

fn sarif_result<'a>(report: &Report<'_>, finding: &'a Finding) -> SarifResult<'a> {
    let rule_index = rule_index(report, finding.rule_id);
    let is_file = finding.location.line.is_some();
    let region = finding.location.line.map(|line| Region {
        start_line: line,
        start_column: finding.location.column.unwrap_or(1),
        snippet: finding.snippet.as_ref().map(|s| Text { text: s.clone() }),
    });
    let mut message = finding.message.clone();
    if let Some(value) = &finding.value {
        message.push_str(&format!(" (value: {value})"));
    }
    SarifResult {
        rule_id: finding.rule_id,
        rule_index,
        level: level(finding.severity),
        message: Text { text: message },
        locations: vec![SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(&finding.location.uri, is_file),
                    uri_base_id: is_file.then_some(SOURCE_ROOT),
                },
                region,
            },
        }],
        partial_fingerprints: BTreeMap::from([("gatekit/v1", finding.fingerprint.clone())]),
        properties: ResultProperties {
            control: finding.control,
            owasp: finding.owasp,
            severity: finding.severity,
            confidence: finding.confidence.as_str(),
        },
    }
}

/// Returns `location` as a URI reference, which SARIF 2.1.0 requires of
/// `artifactLocation.uri` (section 3.4.3). A file path is percent-encoded
/// except for unreserved characters, `/` and the sub-delimiters, so a space,
/// `%`, `?`, `#` or `:` in a file name stays part of one relative path. A URL
/// keeps its escapes and only characters no URI may contain are encoded.
fn artifact_uri(location: &str, is_file: bool) -> String {
    let keep = |c: char| {
        c.is_ascii_alphanumeric()
            || "-._~/!$&'()*+,;=@".contains(c)
            || (!is_file && ":?#[]%".contains(c))
    };
    let mut uri = String::with_capacity(location.len());
    for c in location.chars() {
        if keep(c) {
            uri.push(c);
            continue;
        }
        let mut bytes = [0; 4];
        for byte in c.encode_utf8(&mut bytes).bytes() {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks alerts by this score: 9.0 and above is critical, 7.0 high,
/// 4.0 medium, below that low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn precision(rule: &RuleMeta) -> &'static str {
    match rule.confidence {
        crate::finding::Confidence::High => "high",
        crate::finding::Confidence::Medium => "medium",
        crate::finding::Confidence::Low => "low",
    }
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn file_uri_escapes_reserved_characters() {
        let cases = [
            ("kong/kong.yaml", "kong/kong.yaml"),
            ("my gateway/kong.yaml", "my%20gateway/kong.yaml"),
            ("100%/a#b?c.tf", "100%25/a%23b%3Fc.tf"),
            ("c:/x.tf", "c%3A/x.tf"),
            ("zürich.conf", "z%C3%BCrich.conf"),
        ];
        for (path, expected) in cases {
            assert_eq!(artifact_uri(path, true), expected, "{path}");
        }
    }

    #[test]
    fn url_keeps_its_escapes() {
        assert_eq!(
            artifact_uri("https://api.example.com/a%20b?x=1#top", false),
            "https://api.example.com/a%20b?x=1#top"
        );
        assert_eq!(
            artifact_uri("https://api.example.com/a b", false),
            "https://api.example.com/a%20b"
        );
    }
}
