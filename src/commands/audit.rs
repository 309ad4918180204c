//! `gatekit audit`: run the rules, print the report, map the result to an
//! exit code.

use crate::audit::baseline::Baseline;
use crate::audit::rules::{self, Rule};
use crate::audit::{self, Options};
use crate::cli::{AuditArgs, FormatArg, SeverityArg};
use crate::error::{Code, Error};
use crate::finding::{RuleMeta, Severity};
use crate::report::{self, Format, Report, Summary};
use crate::ui;

/// Runs `gatekit audit`.
pub fn run(args: &AuditArgs) -> Result<Code, Error> {
    if args.list_rules {
        ui::result(&list_rules());
        return Ok(Code::Ok);
    }
    let selected = selected_rules(&args.rules)?;
    let options = Options {
        paths: args.paths.clone(),
        baseline: args.baseline.clone(),
    };
    let outcome = match audit::audit_with(&options, &selected) {
        Ok(outcome) => outcome,
        Err(error) => {
            if let audit::AuditError::NothingToAudit { warnings, .. } = &error {
                warnings.iter().for_each(|w| ui::warning(w));
            }
            return Err(error.into());
        }
    };
    for warning in &outcome.warnings {
        ui::warning(warning);
    }
    for error in &outcome.invalid {
        ui::error(&error.to_string());
    }
    if let Some(path) = &args.write_baseline {
        std::fs::write(path, Baseline::from_findings(&outcome.findings)).map_err(|e| {
            Error::Audit(audit::AuditError::Io {
                path: path.clone(),
                source: e,
            })
        })?;
        ui::status(&format!(
            "wrote {} entries to {}; give each a reason",
            outcome.findings.len(),
            path.display()
        ));
        return Ok(Code::Ok);
    }
    let metas: Vec<&'static RuleMeta> = selected.iter().map(|r| &r.meta).collect();
    let report = Report {
        tool: "gatekit audit",
        rules: &metas,
        color: ui::color_stdout(),
        findings: &outcome.findings,
        summary: Summary {
            scanned: outcome.scanned,
            skipped: outcome.skipped,
            suppressed: outcome.suppressed,
            checks: None,
        },
        skipped: &[],
        notes: &[],
    };
    ui::result(&report::render(format(args.format), &report));
    if !outcome.invalid.is_empty() {
        return Ok(Code::Invalid);
    }
    if outcome.fails(severity(args.min_severity)) {
        return Ok(Code::CheckFailed);
    }
    Ok(Code::Ok)
}

/// Returns the rules `--rule` names, or every rule when it names none.
fn selected_rules(ids: &[String]) -> Result<Vec<&'static Rule>, Error> {
    if ids.is_empty() {
        return Ok(rules::registry());
    }
    let mut selected = Vec::new();
    for id in ids {
        let rule = rules::find(id).ok_or_else(|| audit::AuditError::UnknownRule(id.clone()))?;
        if !selected.iter().any(|r: &&Rule| r.meta.id == rule.meta.id) {
            selected.push(rule);
        }
    }
    Ok(selected)
}

/// Maps `--format` to the reporter, for every command that reports findings.
pub(crate) fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
    }
}

fn severity(arg: SeverityArg) -> Severity {
    match arg {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

/// Formats the rule list: ID, severity, control, OWASP category and title.
pub fn list_rules() -> String {
    let rules = rules::registry();
    let width = rules.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        let m = &rule.meta;
        out.push_str(&format!(
            "{:width$}  {:8}  {:11}  {:10}  {}\n",
            m.id,
            m.severity.as_str(),
            m.control,
            m.owasp.id(),
            m.title
        ));
    }
    out
}
