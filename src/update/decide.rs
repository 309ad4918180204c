//! The rules for one file: given the base, the user's version and the new
//! render, what the update does and how the report names it.

use std::collections::BTreeMap;

use super::UpdateError;
use super::base::Base;
use super::eol::{self, Eol};
use super::merge::{self, Merged};
use super::plan::{Action, INCOMING, Line, Outcome, Plan, Settings};
use super::worktree::Ours;
use crate::tree::{File, Tree};

/// The inputs of every per-file decision.
pub struct Decider<'a> {
    /// The merge base.
    pub base: &'a Base,
    /// The new render.
    pub theirs: &'a Tree,
    /// The work tree, for every path the base or the render has.
    pub ours: &'a BTreeMap<String, Ours>,
    /// Whether git tracks a path.
    pub tracked: &'a dyn Fn(&str) -> bool,
    /// Settings.
    pub settings: &'a Settings,
}

impl std::fmt::Debug for Decider<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decider").finish_non_exhaustive()
    }
}

/// The base version of one file.
enum BaseVersion<'a> {
    /// Its contents.
    Known(&'a File),
    /// Only its recorded digest.
    Digest(&'a str),
}

impl BaseVersion<'_> {
    /// Returns true when `file` has the base's contents.
    fn same_text(&self, file: &File) -> bool {
        match self {
            BaseVersion::Known(base) => base.bytes == file.bytes,
            BaseVersion::Digest(digest) => file.digest() == *digest,
        }
    }

    /// Returns true when `file` is the base version, mode included where
    /// the base's mode is known.
    fn same(&self, file: &File) -> bool {
        match self {
            BaseVersion::Known(base) => *base == file,
            BaseVersion::Digest(_) => self.same_text(file),
        }
    }

    fn executable(&self) -> Option<bool> {
        match self {
            BaseVersion::Known(base) => Some(base.executable),
            BaseVersion::Digest(_) => None,
        }
    }
}

impl<'a> Decider<'a> {
    /// Returns the base contents of `path` when known. Without a recovered
    /// base, a work tree file that still matches its recorded digest is the
    /// base itself.
    pub fn base_file(&self, path: &str) -> Option<&'a File> {
        if let Some(files) = &self.base.files {
            return files.get(path);
        }
        let digest = self.base.digests.get(path)?;
        let file = self.ours.get(path)?.file()?;
        (file.digest() == *digest).then_some(file)
    }

    fn base_version(&self, path: &str) -> Option<BaseVersion<'a>> {
        if let Some(file) = self.base_file(path) {
            return Some(BaseVersion::Known(file));
        }
        self.base
            .digests
            .get(path)
            .map(|d| BaseVersion::Digest(d.as_str()))
    }

    fn ours(&self, path: &str) -> &'a Ours {
        static MISSING: Ours = Ours::Missing;
        self.ours.get(path).unwrap_or(&MISSING)
    }

    /// Decides one path that is not part of a rename.
    pub fn path(&self, path: &str, plan: &mut Plan) -> Result<(), UpdateError> {
        match (self.base_version(path), self.theirs.get(path)) {
            (None, Some(theirs)) => self.added(path, theirs, plan),
            (Some(base), None) => {
                self.dropped(path, &base, plan);
                Ok(())
            }
            (Some(base), Some(theirs)) => self.changed(path, &base, theirs, plan),
            (None, None) => Ok(()),
        }
    }

    /// Decides a file the new render adds.
    fn added(&self, path: &str, theirs: &File, plan: &mut Plan) -> Result<(), UpdateError> {
        match self.ours(path) {
            Ours::Missing => {
                let eol = self.settings.new_file_eol;
                write(plan, path, theirs, eol, theirs.executable, Vec::new());
                line(plan, path, Outcome::Added, None);
            }
            Ours::File { file, .. } if file.bytes == theirs.bytes => {}
            Ours::File { .. } if !(self.tracked)(path) => line(
                plan,
                path,
                Outcome::Conflicted,
                Some(
                    "an untracked file is in the way; move it or commit it, then run update again"
                        .to_string(),
                ),
            ),
            Ours::File { file, eol } => {
                let note = "you added a file where the blueprint now generates one";
                self.merge(path, path, None, file, *eol, theirs, note, plan)?;
            }
            other => self.unwritable(path, other, None, theirs, plan),
        }
        Ok(())
    }

    /// Decides a file the new render no longer produces.
    fn dropped(&self, path: &str, base: &BaseVersion<'_>, plan: &mut Plan) {
        match self.ours(path) {
            Ours::File { file, .. } if base.same_text(file) => {
                plan.actions.push(Action::Delete {
                    path: path.to_string(),
                    before: file.bytes.clone(),
                });
                line(plan, path, Outcome::Removed, Some("no longer generated".to_string()));
            }
            Ours::File { .. } => line(
                plan,
                path,
                Outcome::Kept,
                Some("no longer generated, but you changed it, so it stays; delete it if nothing uses it".to_string()),
            ),
            Ours::Symlink(_) => line(
                plan,
                path,
                Outcome::Kept,
                Some("no longer generated; your symbolic link stays".to_string()),
            ),
            Ours::Missing | Ours::Blocked(_) => {}
        }
    }

    /// Decides a file both the base and the new render have.
    fn changed(
        &self,
        path: &str,
        base: &BaseVersion<'_>,
        theirs: &File,
        plan: &mut Plan,
    ) -> Result<(), UpdateError> {
        if base.same(theirs) {
            return Ok(());
        }
        match self.ours(path) {
            Ours::Missing => line(
                plan,
                path,
                Outcome::Skipped,
                Some(
                    "deleted by you; the blueprint changed it, but it is not brought back"
                        .to_string(),
                ),
            ),
            Ours::File { file, eol } => {
                let executable = merge_mode(base.executable(), file.executable, theirs.executable);
                if base.same_text(file) {
                    write(plan, path, theirs, *eol, executable, file.bytes.clone());
                    line(plan, path, Outcome::Updated, None);
                } else if file.bytes == theirs.bytes {
                    if executable != file.executable {
                        write(plan, path, theirs, *eol, executable, file.bytes.clone());
                        line(plan, path, Outcome::Updated, Some("mode only".to_string()));
                    }
                } else if let BaseVersion::Known(base) = base {
                    let note = "you and the blueprint changed the same lines";
                    self.merge(path, path, Some(base), file, *eol, theirs, note, plan)?;
                } else {
                    self.unmerged(path, file, theirs, plan);
                }
            }
            other => {
                let base = match base {
                    BaseVersion::Known(file) => Some(*file),
                    BaseVersion::Digest(_) => None,
                };
                self.unwritable(path, other, base, theirs, plan);
            }
        }
        Ok(())
    }

    /// Decides a file the blueprint renamed from `old` to `new`.
    pub fn renamed(&self, old: &str, new: &str, plan: &mut Plan) -> Result<(), UpdateError> {
        let (Some(base), Some(theirs)) = (self.base_file(old), self.theirs.get(new)) else {
            return Ok(());
        };
        let binary = [&base.bytes, &theirs.bytes]
            .into_iter()
            .chain(self.ours(old).file().map(|f| &f.bytes))
            .any(|bytes| merge::is_binary(bytes));
        if binary {
            // A binary file cannot carry the user's version to the new
            // name, so both names are decided on their own: the old one
            // stays if the user changed it.
            self.path(old, plan)?;
            return self.path(new, plan);
        }
        let from = format!("renamed from {old}");
        let Ours::File { file, eol } = self.ours(old) else {
            line(
                plan,
                new,
                Outcome::Skipped,
                Some(format!("{from}, which you deleted; not brought back")),
            );
            return Ok(());
        };
        plan.actions.push(Action::Delete {
            path: old.to_string(),
            before: file.bytes.clone(),
        });
        if base.bytes == file.bytes {
            let executable = merge_mode(Some(base.executable), file.executable, theirs.executable);
            write(plan, new, theirs, *eol, executable, Vec::new());
            line(plan, new, Outcome::Updated, Some(from));
            return Ok(());
        }
        let note = format!("{from}; you and the blueprint changed the same lines");
        self.merge(new, old, Some(base), file, *eol, theirs, &note, plan)
    }

    /// Merges the user's `file` (at `ours_at`) with `theirs` into `path`.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &self,
        path: &str,
        ours_at: &str,
        base: Option<&File>,
        file: &File,
        eol: Eol,
        theirs: &File,
        conflict_note: &str,
        plan: &mut Plan,
    ) -> Result<(), UpdateError> {
        let merged = merge::merge(
            path,
            base.map(|b| b.bytes.as_slice()),
            &file.bytes,
            &theirs.bytes,
            &self.settings.labels,
        )
        .map_err(UpdateError::git(format!("merge {path}")))?;
        let executable = merge_mode(
            base.map(|b| b.executable),
            file.executable,
            theirs.executable,
        );
        let before = if path == ours_at {
            file.bytes.clone()
        } else {
            Vec::new()
        };
        let renamed = (path != ours_at).then(|| format!("renamed from {ours_at}; "));
        match merged {
            Merged::Clean(bytes) => {
                let result = File { bytes, executable };
                write(plan, path, &result, eol, executable, before);
                let note = format!(
                    "{}your changes merged with the blueprint's",
                    renamed.unwrap_or_default()
                );
                line(plan, path, Outcome::Kept, Some(note));
            }
            // Only reached with `path == ours_at`: renames of binary files
            // are decided path by path.
            Merged::Binary => {
                plan.actions.push(Action::Conflict {
                    path: path.to_string(),
                    ours_at: Some(ours_at.to_string()),
                    worktree: None,
                    base: base.cloned(),
                    theirs: theirs.clone(),
                    before,
                });
                let note = format!(
                    "a binary file cannot be merged: your version stays; {}",
                    self.where_new(path)
                );
                line(plan, path, Outcome::Conflicted, Some(note));
            }
            Merged::Conflict(bytes) => {
                plan.actions.push(Action::Conflict {
                    path: path.to_string(),
                    ours_at: Some(ours_at.to_string()),
                    worktree: Some(File {
                        bytes: eol::to_style(&bytes, eol),
                        executable,
                    }),
                    base: base.cloned(),
                    theirs: theirs.clone(),
                    before,
                });
                line(
                    plan,
                    path,
                    Outcome::Conflicted,
                    Some(conflict_note.to_string()),
                );
            }
        }
        Ok(())
    }

    /// A file the user changed when only the base's digest is known: it
    /// stays as it is and the new version waits beside it.
    fn unmerged(&self, path: &str, file: &File, theirs: &File, plan: &mut Plan) {
        plan.actions.push(Action::Conflict {
            path: path.to_string(),
            ours_at: Some(path.to_string()),
            worktree: None,
            base: None,
            theirs: theirs.clone(),
            before: file.bytes.clone(),
        });
        let note = format!(
            "you changed it and the base is unknown, so it was not merged: your version stays; {}",
            self.where_new(path)
        );
        line(plan, path, Outcome::Conflicted, Some(note));
    }

    /// Says where the new version of a file left unmerged can be found.
    fn where_new(&self, path: &str) -> String {
        if self.settings.git {
            format!(
                "the new version is staged as theirs (`git diff --theirs {path}` compares, \
                 `git checkout --theirs {path}` takes it)"
            )
        } else {
            format!("the new version is in {INCOMING}/{path}")
        }
    }

    /// Decides a path the update would write but must not: a symbolic link
    /// or a folder in the way. The link or folder stays, and the note names
    /// where the new version is kept, because once the record moves no
    /// later update shows it.
    fn unwritable(
        &self,
        path: &str,
        ours: &Ours,
        base: Option<&File>,
        theirs: &File,
        plan: &mut Plan,
    ) {
        let reason = match ours {
            Ours::Symlink(link) => format!(
                "{link} is a symbolic link; gatekit never writes through links, so merge the new \
                 version by hand"
            ),
            Ours::Blocked(reason) => format!("{reason}; gatekit left it alone"),
            _ => return,
        };
        // A tracked link at the path itself is an index entry like a file,
        // so git can hold the conflict and `git merge --abort` restores it. A
        // linked or blocked folder above it cannot be, and `git merge
        // --abort` deletes an untracked path the merge added to the index.
        let own_link = matches!(ours, Ours::Symlink(link) if link == path) && (self.tracked)(path);
        if own_link || !self.settings.git {
            plan.actions.push(Action::Conflict {
                path: path.to_string(),
                ours_at: Some(path.to_string()),
                worktree: None,
                base: base.cloned(),
                theirs: theirs.clone(),
                before: Vec::new(),
            });
        }
        let where_new = if own_link || !self.settings.git {
            self.where_new(path)
        } else {
            let in_repo = super::repo::join(&self.settings.prefix, path);
            format!("`git show MERGE_HEAD:{in_repo}` shows the new version")
        };
        line(
            plan,
            path,
            Outcome::Conflicted,
            Some(format!("{reason}: {where_new}")),
        );
    }
}

/// Returns the executable bit of a merge: the blueprint's when it changed
/// the bit, the user's otherwise. With no known base, either side setting
/// it wins, so a script never loses its bit.
fn merge_mode(base: Option<bool>, ours: bool, theirs: bool) -> bool {
    match base {
        Some(base) if base != theirs => theirs,
        Some(_) => ours,
        None => ours || theirs,
    }
}

fn write(plan: &mut Plan, path: &str, file: &File, eol: Eol, executable: bool, before: Vec<u8>) {
    plan.actions.push(Action::Write {
        path: path.to_string(),
        bytes: eol::to_style(&file.bytes, eol),
        executable,
        before,
    });
}

fn line(plan: &mut Plan, path: &str, outcome: Outcome, note: Option<String>) {
    plan.lines.push(Line {
        path: path.to_string(),
        outcome,
        note,
    });
}
