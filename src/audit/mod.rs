//! `gatekit audit`: static security checks for gateway configurations.
//!
//! Files are discovered, classified by format and parsed with positions
//! (`detect`, `parsers/`); every rule in the registry (`rules/`) reads the
//! parsed workspace and returns findings; suppressions and the baseline
//! remove accepted findings; reporters in `crate::report` format the rest.

pub mod baseline;
pub mod detect;
pub mod discover;
pub mod document;
pub mod parsers;
pub mod rules;
pub mod source;
pub mod suppress;

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Severity};
use crate::yaml::Pos;
use detect::Loaded;
use document::Workspace;
use source::SourceFile;

/// A file that does not parse, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{}:{}: {message}", pos.line, pos.col)]
pub struct ParseError {
    /// Display path of the file.
    pub path: String,
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// Errors that stop an audit.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A path given on the command line does not exist.
    #[error("{} not found", .0.display())]
    NotFound(PathBuf),
    /// Nothing gatekit can audit was found.
    #[error(
        "no supported gateway configuration found in {paths} ({skipped} files skipped); \
        gatekit audits Kong, Envoy v3, NGINX, Terraform for AWS API Gateway and Apigee, \
        Apigee proxy bundles and OpenAPI 3 documents"
    )]
    NothingToAudit {
        /// The paths searched.
        paths: String,
        /// Files skipped.
        skipped: usize,
        /// Why known formats were skipped.
        warnings: Vec<String>,
    },
    /// A rule ID on the command line names no rule.
    #[error("{}", rules::unknown_rule(.0))]
    UnknownRule(String),
    /// The baseline file is missing or invalid.
    #[error("baseline {path}: {message}")]
    Baseline {
        /// The baseline file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Reading files failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What to audit and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Baseline file of accepted findings.
    pub baseline: Option<PathBuf>,
}

/// The result of an audit.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings after suppressions, sorted by file, line and rule.
    pub findings: Vec<Finding>,
    /// Files parsed.
    pub scanned: usize,
    /// Files skipped as unknown or unsupported.
    pub skipped: usize,
    /// Findings removed by suppressions or the baseline.
    pub suppressed: usize,
    /// Files of a supported format that did not parse.
    pub invalid: Vec<ParseError>,
    /// Notes for stderr: unsupported formats, unreadable files.
    pub warnings: Vec<String>,
}

impl Outcome {
    /// Returns true when a finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}

/// Runs every rule over the files under `options.paths`.
pub fn audit(options: &Options) -> Result<Outcome, AuditError> {
    audit_with(options, &rules::registry())
}

/// Runs the `selected` rules over the files under `options.paths`. Findings
/// of other rules, including those the engine adds for suppressions, are
/// left out of the outcome.
pub fn audit_with(
    options: &Options,
    selected: &[&'static rules::Rule],
) -> Result<Outcome, AuditError> {
    let mut outcome = Outcome::default();
    let workspace = load_workspace(options, &mut outcome)?;

    if outcome.scanned == 0 && outcome.invalid.is_empty() {
        let paths: Vec<String> = options
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(AuditError::NothingToAudit {
            paths: paths.join(", "),
            skipped: outcome.skipped,
            warnings: outcome.warnings,
        });
    }

    let baseline = match &options.baseline {
        Some(path) => Some(baseline::Baseline::load(path)?),
        None => None,
    };
    tracing::debug!(
        "auditing {} files with {} rules",
        workspace.documents.len(),
        selected.len()
    );
    check(&workspace, selected, baseline.as_ref(), &mut outcome);
    Ok(outcome)
}

/// Runs the selected rules, applies suppressions and fills `outcome.findings`.
fn check(
    workspace: &Workspace,
    selected: &[&'static rules::Rule],
    baseline: Option<&baseline::Baseline>,
    outcome: &mut Outcome,
) {
    let mut findings = Vec::new();
    for rule in selected {
        let before = findings.len();
        (rule.check)(workspace, &mut findings);
        tracing::trace!("{}: {} findings", rule.meta.id, findings.len() - before);
    }
    let result = suppress::apply(workspace, findings, baseline);
    outcome.suppressed = result.suppressed;
    outcome.warnings.extend(result.warnings);
    let mut findings = result.findings;
    // Applying suppressions adds findings of its own rule, which stay out
    // of the report unless that rule was selected.
    findings.retain(|f| selected.iter().any(|r| r.meta.id == f.rule_id));
    outcome.findings = finish(workspace, findings);
}

/// Audits one file's text as if it had been found at `disk_path`, with no
/// baseline. Fuzz targets and benchmarks call it to run detection, the
/// parser, every rule and the snippet step without touching the disk (NGINX
/// `include` directives still read below `disk_path`'s folder).
pub fn audit_text(shown: &str, text: String, disk_path: &Path) -> Outcome {
    let mut outcome = Outcome::default();
    let mut workspace = Workspace::default();
    let root = disk_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let found = discover::Found {
        disk: disk_path.to_path_buf(),
        shown: shown.to_string(),
        text: Some(text),
    };
    load_file(&found, &root, &mut workspace, &mut outcome);
    check(&workspace, &rules::registry(), None, &mut outcome);
    outcome
}

fn load_workspace(options: &Options, outcome: &mut Outcome) -> Result<Workspace, AuditError> {
    let mut workspace = Workspace::default();
    for path in &options.paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(AuditError::NotFound(path.clone()));
        }
        let files = discover::files(path, &mut outcome.warnings)?;
        let root = if path.is_dir() {
            path.clone()
        } else {
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        if path.is_dir() {
            workspace.roots.push(path.clone());
        }
        for file in files {
            load_file(&file, &root, &mut workspace, outcome);
        }
    }
    workspace
        .documents
        .sort_by(|a, b| a.source.path.cmp(&b.source.path));
    Ok(workspace)
}

fn load_file(
    file: &discover::Found,
    root: &Path,
    workspace: &mut Workspace,
    outcome: &mut Outcome,
) {
    let Some(text) = file.text.clone() else {
        outcome.skipped += 1;
        return;
    };
    let source = SourceFile::new(file.shown.clone(), text);
    match detect::load(source, &file.disk, root) {
        Loaded::Document(document) => {
            tracing::debug!("{}: parsed", file.shown);
            outcome.scanned += 1;
            workspace.documents.push(*document);
        }
        Loaded::Unknown => {
            tracing::debug!("{}: skipped, not a supported format", file.shown);
            outcome.skipped += 1;
        }
        Loaded::Unsupported(reason) => {
            outcome.skipped += 1;
            outcome
                .warnings
                .push(format!("{}: skipped: {reason}", file.shown));
        }
        Loaded::Invalid(error) => outcome.invalid.push(error),
    }
}

/// Fills snippets, redacts secrets in them, removes duplicates (a file
/// included by another is audited twice) and sorts.
fn finish(workspace: &Workspace, mut findings: Vec<Finding>) -> Vec<Finding> {
    for finding in &mut findings {
        let Some(line) = finding.location.line else {
            continue;
        };
        let source = workspace
            .documents
            .iter()
            .find(|d| d.source.path == finding.location.uri)
            .map(|d| &d.source);
        if let Some(text) = source.and_then(|s| s.line(line)) {
            let mut snippet: String = text.trim_end().chars().take(240).collect();
            if let Some(secret) = &finding.secret {
                snippet = redact_snippet(&snippet, secret, finding.location.column.unwrap_or(1));
            }
            finding.snippet = Some(snippet);
        }
    }
    findings.sort_by(|a, b| {
        (
            &a.location.uri,
            a.location.line,
            a.location.column,
            a.rule_id,
            &a.message,
        )
            .cmp(&(
                &b.location.uri,
                b.location.line,
                b.location.column,
                b.rule_id,
                &b.message,
            ))
    });
    findings.dedup_by(|a, b| {
        a.rule_id == b.rule_id && a.location == b.location && a.message == b.message
    });
    findings
}

/// Removes a secret from a source line. When the line spells the value
/// differently from its parsed form (escapes, quotes), everything from the
/// value's column on is dropped, so no part of it can leak.
fn redact_snippet(line: &str, secret: &str, column: usize) -> String {
    let masked = crate::finding::redact(secret);
    if !secret.is_empty() && line.contains(secret) {
        return line.replace(secret, &masked);
    }
    let kept: String = line.chars().take(column.saturating_sub(1)).collect();
    format!("{kept}{masked}")
}
