//! `gatekit probe`: load the answers and the credential, run the checks
//! (or print their plan), print the report and map the result to an exit
//! code.

use std::time::Duration;

use crate::answers::Sources;
use crate::cli::ProbeArgs;
use crate::error::{Code, Error};
use crate::finding::Finding;
use crate::generate;
use crate::probe::credential::{Credential, CredentialSource};
use crate::probe::target::SystemResolver;
use crate::probe::tls::Trust;
use crate::probe::{self, Options, Outcome, checks};
use crate::report::{self, CheckCounts, Report, Summary};
use crate::ui;

/// Runs `gatekit probe`.
pub fn run(args: &ProbeArgs) -> Result<Code, Error> {
    let options = options(args)?;
    if args.dry_run {
        ui::result(&probe::dry_run(&options)?);
        return Ok(Code::Ok);
    }
    let outcome = probe::probe(&options, &mut SystemResolver)?;
    let notes = notes(args, &options, &outcome);
    let metas = checks::metas();
    // Findings stay in check order, which is the order the docs list them.
    let findings: Vec<Finding> = outcome.findings.clone();
    let failed = metas
        .iter()
        .filter(|m| findings.iter().any(|f| f.rule_id == m.id))
        .count();
    let report = Report {
        tool: "gatekit probe",
        rules: &metas,
        findings: &findings,
        summary: Summary {
            scanned: 1,
            skipped: 0,
            suppressed: 0,
            checks: Some(CheckCounts {
                passed: outcome.passed.len(),
                failed,
                skipped: outcome.skipped.len(),
            }),
        },
        skipped: &outcome.skipped,
        notes: &notes,
        color: crate::ui::color_stdout(),
    };
    ui::result(&report::render(super::audit::format(args.format), &report));
    if !findings.is_empty() {
        return Ok(Code::CheckFailed);
    }
    if outcome.passed.is_empty() {
        ui::error("no check reached a verdict; see the reasons in the report");
        return Ok(Code::CouldNotRun);
    }
    Ok(Code::Ok)
}

fn options(args: &ProbeArgs) -> Result<Options, Error> {
    let answers = match &args.answers {
        Some(path) => {
            let sources = Sources {
                file: Some(path.clone()),
                ..Sources::default()
            };
            Some(generate::resolve_answers(&sources, None)?.0)
        }
        None => None,
    };
    let source = match (&args.credential_file, &args.credential_env) {
        (Some(path), _) => Some(CredentialSource::File(path.clone())),
        (None, Some(name)) => Some(CredentialSource::Env(name.clone())),
        (None, None) => None,
    };
    // A dry run reads the credential too, so a missing one fails before
    // the real run rather than during it.
    let credential = source.as_ref().map(Credential::load).transpose()?;
    let trust = match (&args.ca_cert, args.insecure) {
        (_, true) => Trust::Insecure,
        (Some(path), false) => Trust::CaFile(path.clone()),
        (None, false) => Trust::Public,
    };
    let mut admin_ports = args.admin_ports.clone();
    admin_ports.sort_unstable();
    admin_ports.dedup();
    Ok(Options {
        url: args.url.clone(),
        answers,
        trust,
        credential,
        max_requests: args.max_requests,
        max_time: Duration::from_secs(args.max_time),
        http_port: args.http_port,
        admin_ports,
        address: args.address,
    })
}

/// Statements about the run that every report format carries.
fn notes(args: &ProbeArgs, options: &Options, outcome: &Outcome) -> Vec<String> {
    let mut notes = Vec::new();
    if args.insecure {
        notes.push(
            "--insecure: the server certificate was not verified, so these results do not \
             show that clients reach the real gateway"
                .to_string(),
        );
    }
    if let Some(path) = &args.ca_cert {
        notes.push(format!(
            "certificates were verified against {} only",
            path.display()
        ));
    }
    if options.answers.is_none() {
        notes.push(
            "no --answers: checks that need the routes, limits or authentication mode were \
             skipped"
                .to_string(),
        );
    }
    notes.push(format!(
        "{} requests sent to {} in {:.1} s (at most {} allowed)",
        outcome.requests,
        outcome.address,
        outcome.elapsed.as_secs_f64(),
        options.max_requests
    ));
    notes
}
