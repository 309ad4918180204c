//! The update plan: what happens to each generated file, and the changes
//! to the work tree and the index that carry it out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::UpdateError;
use super::base::Base;
use super::decide::Decider;
use super::eol::Eol;
use super::merge::Labels;
use super::rename;
use super::worktree::{self, Ours};
use crate::record::RECORD_PATH;
use crate::tree::{File, Tree};

/// The outcome for a file, as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// You had not changed it; it now has the new render.
    Updated,
    /// Newly generated.
    Added,
    /// No longer generated and unchanged by you, so deleted.
    Removed,
    /// Changed by you: merged cleanly, or kept as it is.
    Kept,
    /// Needs you: conflict markers, an unmerged new version, or a path
    /// gatekit must not write.
    Conflicted,
    /// Deleted by you, so not brought back.
    Skipped,
}

impl Outcome {
    /// Returns the word the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Updated => "updated",
            Outcome::Added => "added",
            Outcome::Removed => "removed",
            Outcome::Kept => "kept",
            Outcome::Conflicted => "conflicted",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Path relative to the generated folder.
    pub path: String,
    /// What happened.
    pub outcome: Outcome,
    /// The reason, when the outcome alone does not explain it.
    pub note: Option<String>,
}

/// A change to the work tree and, with git, the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write a file and stage it.
    Write {
        /// Path relative to the generated folder.
        path: String,
        /// Contents in the file's line-ending style.
        bytes: Vec<u8>,
        /// Executable bit.
        executable: bool,
        /// The work tree's contents before, in LF (empty when absent).
        before: Vec<u8>,
    },
    /// Delete a file and stage the removal.
    Delete {
        /// Path relative to the generated folder.
        path: String,
        /// The contents deleted, in LF.
        before: Vec<u8>,
    },
    /// Record a conflict: the versions go into the index as stages 1 to 3,
    /// and `worktree` (conflict markers) into the file when given. Without
    /// it the user's file stays as it is.
    Conflict {
        /// Path relative to the generated folder.
        path: String,
        /// The index path of the user's version (the old name of a renamed
        /// file), if the index has one.
        ours_at: Option<String>,
        /// Text with conflict markers, in the file's style, and its mode.
        worktree: Option<File>,
        /// The base version, when known.
        base: Option<File>,
        /// The new render's version.
        theirs: File,
        /// The work tree's contents before, in LF.
        before: Vec<u8>,
    },
}

impl Action {
    /// Returns the path the action changes.
    pub fn path(&self) -> &str {
        match self {
            Action::Write { path, .. } | Action::Delete { path, .. } => path,
            Action::Conflict { path, .. } => path,
        }
    }
}

/// The whole plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Report lines, sorted by path.
    pub lines: Vec<Line>,
    /// Changes, deletions of renamed files before the writes that replace
    /// them.
    pub actions: Vec<Action>,
}

impl Plan {
    /// Returns the number of lines with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.lines.iter().filter(|l| l.outcome == outcome).count()
    }

    /// Returns true when any file conflicted.
    pub fn has_conflicts(&self) -> bool {
        self.count(Outcome::Conflicted) > 0
    }
}

/// Planner inputs besides the base and the new render.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Line endings for files that do not exist yet.
    pub new_file_eol: Eol,
    /// Conflict marker labels and style.
    pub labels: Labels,
    /// Whether a git index records conflicts; without one, an unmerged new
    /// version goes to `.gatekit/incoming/`.
    pub git: bool,
    /// The generated folder's path in the git work tree (empty at its root),
    /// for `git` commands in messages.
    pub prefix: String,
}

/// Folder that receives new versions gatekit could not merge when there is
/// no git index to stage them in.
pub const INCOMING: &str = ".gatekit/incoming";

/// Builds the plan for merging `theirs` into the work tree at `root`.
/// `tracked` returns whether git tracks a path (always true without git).
pub fn build(
    root: &Path,
    base: &Base,
    theirs: &Tree,
    tracked: &dyn Fn(&str) -> bool,
    settings: &Settings,
) -> Result<Plan, UpdateError> {
    let generated: BTreeSet<&str> = theirs.paths().filter(|p| *p != RECORD_PATH).collect();
    let recorded: BTreeSet<&str> = base.digests.keys().map(String::as_str).collect();
    let mut ours = BTreeMap::new();
    for path in generated.union(&recorded) {
        let found = worktree::read(root, path)?;
        ours.insert(path.to_string(), found);
    }
    let decider = Decider {
        base,
        theirs,
        ours: &ours,
        tracked,
        settings,
    };

    let mut plan = Plan::default();
    let renames = find_renames(&decider, &generated, &recorded);
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for (old, new) in &renames {
        decider.renamed(old, new, &mut plan)?;
        done.insert(old);
        done.insert(new);
    }
    for path in generated.union(&recorded) {
        if !done.contains(path) {
            decider.path(path, &mut plan)?;
        }
    }
    plan.lines.sort_by(|a, b| a.path.cmp(&b.path));
    // Deletions first, so a file renamed onto a path another file leaves
    // never meets the old one.
    plan.actions
        .sort_by_key(|a| !matches!(a, Action::Delete { .. }));
    Ok(plan)
}

/// Pairs files the new render dropped with files it added, when the user
/// has the old one as a plain file and nothing at the new path.
fn find_renames(
    decider: &Decider<'_>,
    generated: &BTreeSet<&str>,
    recorded: &BTreeSet<&str>,
) -> Vec<(String, String)> {
    let removed: Vec<(&str, &File)> = recorded
        .difference(generated)
        .filter(|p| {
            matches!(
                decider.ours.get(**p),
                Some(Ours::File { .. } | Ours::Missing)
            )
        })
        .filter_map(|p| decider.base_file(p).map(|f| (*p, f)))
        .collect();
    let added: Vec<(&str, &File)> = generated
        .difference(recorded)
        .filter(|p| matches!(decider.ours.get(**p), Some(Ours::Missing)))
        .filter_map(|p| decider.theirs.get(p).map(|f| (*p, f)))
        .collect();
    rename::pairs(&removed, &added)
}
