//! Carrying out a plan: writing and deleting files, never through a
//! symbolic link, and staging each change as `git merge` would. The record
//! file moves last, so it names the new render only once the new files are
//! really in the tree.

use std::path::Path;

use git2::{Index, IndexEntry};

use super::UpdateError;
use super::plan::{Action, INCOMING};
use super::pristine;
use super::repo::Git;
use crate::output;
use crate::record::RECORD_PATH;
use crate::tree::File;

/// Applies `actions`, then writes `record`. Returns the number of files
/// changed. With git, every change is staged and the index written after
/// each one, so `git merge --abort` undoes whatever was done even when a
/// later write fails.
pub fn apply(
    root: &Path,
    git: Option<&Git>,
    actions: &[Action],
    record: &File,
) -> Result<usize, UpdateError> {
    let mut staging = git.map(Staging::open).transpose()?;
    let mut ours_entries = match &staging {
        Some(s) => s.ours_entries(actions),
        None => Vec::new(),
    };
    let mut done = 0;
    let interrupted = |done: usize, cause: String| {
        UpdateError::Interrupted {
        done,
        undo: match git {
            Some(_) => "the files changed so far are staged; `git merge --abort` restores the previous state".to_string(),
            None => "there is no git repository to undo with; compare with your backup or version control".to_string(),
        },
        cause,
    }
    };
    for (i, action) in actions.iter().enumerate() {
        apply_one(root, action, staging.is_some()).map_err(|e| interrupted(done, e.to_string()))?;
        if let Some(staging) = &mut staging {
            staging
                .stage(action, ours_entries.get_mut(i).and_then(Option::take))
                .map_err(|e| interrupted(done, e.message().to_string()))?;
        }
        done += 1;
    }
    output::write_file(root, RECORD_PATH, record).map_err(|e| interrupted(done, e.to_string()))?;
    if let Some(staging) = &mut staging {
        staging
            .add(RECORD_PATH)
            .map_err(|e| interrupted(done, e.message().to_string()))?;
    }
    Ok(done)
}

/// Changes the work tree for one action.
fn apply_one(root: &Path, action: &Action, git: bool) -> Result<(), output::OutputError> {
    match action {
        Action::Write {
            path,
            bytes,
            executable,
            ..
        } => output::write_file(
            root,
            path,
            &File {
                bytes: bytes.clone(),
                executable: *executable,
            },
        ),
        Action::Delete { path, .. } => output::remove_file(root, path),
        Action::Conflict {
            path,
            worktree,
            theirs,
            ..
        } => match worktree {
            Some(file) => output::write_file(root, path, file),
            None if !git => output::write_file(root, &format!("{INCOMING}/{path}"), theirs),
            None => Ok(()),
        },
    }
}

/// The git index, written after every change.
struct Staging<'a> {
    git: &'a Git,
    index: Index,
}

impl<'a> Staging<'a> {
    fn open(git: &'a Git) -> Result<Staging<'a>, UpdateError> {
        let index = git
            .repo
            .index()
            .map_err(UpdateError::git("read the index"))?;
        Ok(Staging { git, index })
    }

    /// Looks up the user's version of each conflicting file before any
    /// change, because a rename's deletion removes the old entry first.
    fn ours_entries(&self, actions: &[Action]) -> Vec<Option<IndexEntry>> {
        actions
            .iter()
            .map(|action| match action {
                Action::Conflict {
                    ours_at: Some(at), ..
                } => self.index.get_path(Path::new(&self.git.path(at)), 0),
                _ => None,
            })
            .collect()
    }

    fn stage(&mut self, action: &Action, ours: Option<IndexEntry>) -> Result<(), git2::Error> {
        match action {
            Action::Write { path, .. } => self.add(path),
            Action::Delete { path, .. } => {
                self.index.remove_path(Path::new(&self.git.path(path)))?;
                self.index.write()
            }
            Action::Conflict {
                path, base, theirs, ..
            } => {
                let repo_path = self.git.path(path);
                self.index.remove_path(Path::new(&repo_path))?;
                let repo = &self.git.repo;
                if let Some(base) = base {
                    let id = repo.blob(&base.bytes)?;
                    self.index
                        .add(&pristine::entry(&repo_path, id, base.executable, 1))?;
                }
                if let Some(mut ours) = ours {
                    ours.path = repo_path.as_bytes().to_vec();
                    ours.flags = 2 << 12;
                    ours.flags_extended = 0;
                    self.index.add(&ours)?;
                }
                let id = repo.blob(&theirs.bytes)?;
                self.index
                    .add(&pristine::entry(&repo_path, id, theirs.executable, 3))?;
                self.index.write()
            }
        }
    }

    /// Stages a work tree file through git's filters (`core.autocrlf`), as
    /// `git add` would.
    fn add(&mut self, path: &str) -> Result<(), git2::Error> {
        self.index.add_path(Path::new(&self.git.path(path)))?;
        self.index.write()
    }
}
