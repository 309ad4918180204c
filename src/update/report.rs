//! The output of `update`: the mode it ran in, a line per file, the diff for
//! `--dry-run`, and the closing summary.

use super::base::{Base, Mode};
use super::eol;
use super::plan::{Action, Outcome, Plan};
use crate::output::diff_bytes;

/// Width of the outcome column, the longest word plus a space.
const OUTCOME_WIDTH: usize = 12;

/// Describes how the base was found and what that means for the merge.
pub fn mode(base: &Base, git: bool) -> String {
    match &base.mode {
        Mode::History(id) => format!(
            "mode: three-way merge; base: the pristine render {} in the history of HEAD",
            short(&id.to_string())
        ),
        Mode::Rerendered => {
            "mode: three-way merge; base: re-rendered from the recorded answers and \
                             blueprints, every file matching its recorded digest"
                .to_string()
        }
        Mode::Digests(reason) => {
            let full = if git {
                "fetch the whole history (`git fetch --unshallow`, or a clone without --depth) or make \
                 the recorded blueprint source available"
            } else {
                "put the repository under git with its pristine commit, or make the recorded blueprint \
                 source available"
            };
            format!(
                "mode: digest fallback; the base was not found: {reason}.\n  \
                 Files you did not change get the new version; files you changed stay as they are and \
                 are reported as conflicts.\n  For a full three-way merge, {full}, then run update again."
            )
        }
    }
}

/// Returns the report, a line per file: outcome, path and note.
pub fn lines(plan: &Plan) -> String {
    let mut out = String::new();
    for line in &plan.lines {
        out.push_str(&format!(
            "{:<OUTCOME_WIDTH$}{}",
            line.outcome.as_str(),
            line.path
        ));
        if let Some(note) = &line.note {
            out.push_str(&format!("  ({note})"));
        }
        out.push('\n');
    }
    out
}

/// Returns counts such as `1 updated, 2 kept`, in report order.
pub fn counts(plan: &Plan) -> String {
    let outcomes = [
        Outcome::Updated,
        Outcome::Added,
        Outcome::Removed,
        Outcome::Kept,
        Outcome::Conflicted,
        Outcome::Skipped,
    ];
    let parts: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            let n = plan.count(*o);
            (n > 0).then(|| format!("{n} {}", o.as_str()))
        })
        .collect();
    if parts.is_empty() {
        "no generated file changes".to_string()
    } else {
        parts.join(", ")
    }
}

/// Returns a unified diff of every change the plan makes, the record file's
/// included (`record` is its text before and after).
pub fn diff(plan: &Plan, record: (&[u8], &[u8])) -> String {
    let mut out = String::new();
    for action in &plan.actions {
        let path = action.path();
        let (before, after, note) = match action {
            Action::Write { bytes, before, .. } => (before.clone(), eol::to_lf(bytes), None),
            Action::Delete { before, .. } => (before.clone(), Vec::new(), None),
            Action::Conflict {
                worktree: Some(file),
                before,
                ..
            } => (before.clone(), eol::to_lf(&file.bytes), None),
            Action::Conflict {
                worktree: None,
                before,
                theirs,
                ..
            } => (
                before.clone(),
                theirs.bytes.clone(),
                Some("the new version, which stays unmerged; your file is not changed"),
            ),
        };
        if let Some(note) = note {
            out.push_str(&format!("# {path}: {note}\n"));
        }
        out.push_str(&text_diff(path, &before, &after));
    }
    let (old, new) = record;
    out.push_str(&text_diff(
        crate::record::RECORD_PATH,
        &eol::to_lf(old),
        &eol::to_lf(new),
    ));
    out
}

fn text_diff(path: &str, before: &[u8], after: &[u8]) -> String {
    diff_bytes(path, before, after)
}

/// Returns the first 12 characters of a commit ID.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}
