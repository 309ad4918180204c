//! `gatekit render`: render non-interactively into a folder, or check that
//! a folder matches a fresh render.

use std::collections::BTreeSet;
use std::path::Path;

use crate::blueprint::SourceSpec;
use crate::cli::RenderArgs;
use crate::error::{Code, Error};
use crate::output::{self, Drift};
use crate::record::{RECORD_PATH, Record};
use crate::tree::Tree;
use crate::{generate, ui};

/// Runs `gatekit render`. It never prompts.
pub fn run(args: &RenderArgs) -> Result<Code, Error> {
    let sources = super::sources(&args.answers, Some(&args.out));
    let (answers, _) = generate::resolve_answers(&sources, None)?;
    let spec = SourceSpec::parse_with_ref(
        Some(&args.answers.blueprints),
        args.answers.blueprints_ref.as_deref(),
    )?;
    let (blueprints, origin) = generate::load_blueprints(&spec)?;
    let origin = origin.relative_to(&args.out);
    let generated = generate::generate(&blueprints, &origin, &answers)?;
    output::check_folder(&args.out)?;
    let stale = stale_files(&args.out, &generated.tree);

    if args.check {
        return check(&args.out, &generated.tree, &stale);
    }
    let written = output::write_tree(&args.out, &generated.tree)?;
    ui::status(&format!(
        "rendered {} files to {} ({} changed)",
        generated.tree.files.len(),
        args.out.display(),
        written.len()
    ));
    for path in &stale {
        ui::warning(&format!(
            "{path} is no longer generated; delete it if nothing else uses it"
        ));
    }
    Ok(Code::Ok)
}

fn check(out: &Path, tree: &Tree, stale: &[String]) -> Result<Code, Error> {
    let drift = output::compare(out, tree)?;
    let mut report = String::new();
    for item in &drift {
        match item {
            Drift::Missing(path) => report.push_str(&format!("missing: {path}\n")),
            Drift::Changed(_, diff) => report.push_str(diff),
            Drift::Mode(path, executable) => {
                let mode = if *executable {
                    "executable"
                } else {
                    "not executable"
                };
                report.push_str(&format!("mode: {path} should be {mode}\n"));
            }
        }
    }
    for path in stale {
        report.push_str(&format!("stale: {path} is no longer generated\n"));
    }
    if report.is_empty() {
        ui::status(&format!("{} matches a fresh render", out.display()));
        return Ok(Code::Ok);
    }
    ui::result(&report);
    ui::status(&format!(
        "{} differs from a fresh render in {} files",
        out.display(),
        drift.len() + stale.len()
    ));
    Ok(Code::CheckFailed)
}

/// Largest previous record `render` reads to list stale files.
const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Returns files the folder's previous record lists, that still exist, and
/// that the new render no longer produces. The record is read as `update`
/// reads it: never through a symbolic link, and only up to a size limit.
fn stale_files(out: &Path, tree: &Tree) -> Vec<String> {
    if output::check_target(out, RECORD_PATH).is_err() {
        return Vec::new();
    }
    let Ok(Some(file)) = output::read_existing(&out.join(RECORD_PATH)) else {
        return Vec::new();
    };
    if file.bytes.len() > MAX_RECORD_BYTES {
        return Vec::new();
    }
    let Ok(text) = String::from_utf8(file.bytes) else {
        return Vec::new();
    };
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&text) else {
        return Vec::new();
    };
    let Some(record) = value
        .get("record")
        .and_then(|r| serde_yaml::from_value::<Record>(r.clone()).ok())
    else {
        return Vec::new();
    };
    let current: BTreeSet<&str> = tree.paths().collect();
    record
        .files
        .keys()
        .filter(|path| !current.contains(path.as_str()))
        .filter(|path| crate::blueprint::paths::check(path).is_ok() && out.join(path).is_file())
        .cloned()
        .collect()
}
