//! Writes arbitrary findings as SARIF and reads the log back: it must be
//! JSON, keep every message, snippet and path, and give each result an
//! artifact URI that is a valid URI reference.

#![no_main]

use gatekit::audit::rules;
use gatekit::finding::{Finding, Location, RuleMeta};
use gatekit::report::{self, Format, Report, Summary};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
struct Input {
    findings: Vec<FindingInput>,
}

#[derive(Arbitrary, Debug)]
struct FindingInput {
    rule: u8,
    path: String,
    line: Option<u16>,
    column: u16,
    message: String,
    value: Option<String>,
    snippet: Option<String>,
    context: String,
}

fn finding(input: &FindingInput, metas: &[&'static RuleMeta]) -> Finding {
    let meta = metas[usize::from(input.rule) % metas.len()];
    let location = match input.line {
        Some(line) => Location::file(&input.path, line.into(), input.column.into()),
        None => Location::url(&input.path),
    };
    let mut builder = Finding::builder(meta)
        .at(location, &input.message)
        .context(&input.context);
    if let Some(value) = &input.value {
        builder = builder.value(value);
    }
    let mut finding = builder.build();
    finding.snippet.clone_from(&input.snippet);
    finding
}

/// Decodes `%XX` escapes, or returns None on a malformed escape.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 3986: unreserved and reserved characters, plus `%` for escapes.
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

fuzz_target!(|input: Input| {
    let metas: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| &r.meta).collect();
    let findings: Vec<Finding> = input.findings.iter().map(|f| finding(f, &metas)).collect();
    let report = Report {
        tool: "gatekit audit",
        rules: &metas,
        color: false,
        findings: &findings,
        summary: Summary::default(),
        skipped: &[],
        notes: &[],
    };
    let text = report::render(Format::Sarif, &report);
    let log: Value = serde_json::from_str(&text).expect("SARIF output is JSON");
    let results = log["runs"][0]["results"]
        .as_array()
        .expect("the run has results");
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(&findings) {
        let rule_index = result["ruleIndex"].as_u64().expect("a rule index");
        let rule = &log["runs"][0]["tool"]["driver"]["rules"][rule_index as usize];
        assert_eq!(rule["id"], finding.rule_id);
        let message = result["message"]["text"].as_str().expect("a message");
        assert!(message.starts_with(&finding.message));
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"]
            .as_str()
            .expect("an artifact URI");
        assert!(
            uri.chars().all(is_uri_char),
            "artifact URI {uri:?} has characters a URI cannot contain"
        );
        if finding.location.line.is_some() {
            // A file path must stay a relative reference to one file: no
            // query, no fragment and no scheme-like first segment.
            let first_segment = uri.split('/').next().unwrap_or_default();
            assert!(!uri.contains(['?', '#']), "artifact URI {uri:?}");
            assert!(!first_segment.contains(':'), "artifact URI {uri:?}");
            assert_eq!(
                percent_decode(uri).as_deref(),
                Some(finding.location.uri.as_str())
            );
            let snippet = physical["region"]["snippet"]["text"].as_str();
            assert_eq!(snippet, finding.snippet.as_deref());
        }
    }
});
