//! The audit over the third-party corpus of real gateway configurations:
//! every supported file parses, and the findings are a reviewed snapshot.
//! Each problem the corpus notes list is either in the snapshot or has a
//! written reason in `docs/audit-corpus-review.md`.

use gatekit::audit::{self, AuditError, Options};

use crate::support;

/// Corpus folders, audited one at a time so that inventory rules compare
/// only files of the same kind of project.
const FOLDERS: &[&str] = &[
    "kong",
    "envoy",
    "nginx",
    "terraform-aws",
    "apigee",
    "openapi",
];

#[test]
fn corpus_audits_without_parse_errors() {
    let Some(corpus) = support::shared("corpus") else {
        return;
    };
    let mut report = String::new();
    for folder in FOLDERS {
        let options = Options {
            paths: vec![corpus.join(folder)],
            baseline: None,
        };
        let outcome = audit::audit(&options).unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert!(
            outcome.invalid.is_empty(),
            "{folder}: {:?}",
            outcome.invalid
        );
        report.push_str(&format!(
            "## {folder}: {} scanned, {} skipped\n",
            outcome.scanned, outcome.skipped
        ));
        for warning in &outcome.warnings {
            report.push_str(&format!("warning: {warning}\n"));
        }
        for f in &outcome.findings {
            let line = f.location.line.unwrap_or(0);
            report.push_str(&format!(
                "{folder}/{}:{line} {} [{}] {}\n",
                f.location.uri, f.severity, f.rule_id, f.message
            ));
        }
    }
    insta::assert_snapshot!("audit_corpus_findings", report);
}

#[test]
fn haproxy_is_skipped_as_unsupported() {
    let Some(folder) = support::shared("corpus/haproxy") else {
        return;
    };
    let options = Options {
        paths: vec![folder],
        baseline: None,
    };
    match audit::audit(&options) {
        Err(AuditError::NothingToAudit {
            skipped, warnings, ..
        }) => {
            assert_eq!(skipped, 3);
            assert_eq!(warnings.len(), 3, "{warnings:?}");
        }
        other => panic!("expected nothing to audit, got {other:?}"),
    }
}
