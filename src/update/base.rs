//! Recovering the base of the three-way merge: the pristine render the
//! repository was last generated from.
//!
//! Three ways, best first. The history of HEAD may hold a pristine commit
//! whose files match the recorded digests. Failing that (shallow clone,
//! squash merge, no git), rendering the recorded answers with the recorded
//! blueprint source may reproduce every recorded digest. Failing both, only
//! the digests are known: enough to tell which files the user left alone,
//! not enough to merge the ones they changed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use git2::{Oid, Sort};

use super::UpdateError;
use super::pristine;
use super::repo::Git;
use crate::record::{RECORD_PATH, Record};
use crate::tree::{self, File, Tree};

/// File contents by path.
type Files = BTreeMap<String, File>;

/// The source of the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A pristine commit in the history of HEAD.
    History(Oid),
    /// Re-rendered from the record; every digest matched.
    Rerendered,
    /// Only the recorded digests are known, for the reason given.
    Digests(String),
}

/// The merge base.
#[derive(Debug, Clone)]
pub struct Base {
    /// Its source.
    pub mode: Mode,
    /// Recorded digest of every generated file, the record excluded.
    pub digests: BTreeMap<String, String>,
    /// Contents of every generated file, when the base was found.
    pub files: Option<BTreeMap<String, File>>,
    /// The base's record file, when the base was found.
    pub record: Option<File>,
}

impl Base {
    /// Returns the pristine commit the base came from, if any.
    pub fn commit(&self) -> Option<Oid> {
        match self.mode {
            Mode::History(id) => Some(id),
            _ => None,
        }
    }
}

/// Finds the base. `rerender` renders the recorded answers with the
/// recorded blueprint source, or explains why it cannot.
pub fn recover(
    git: Option<&Git>,
    record: &Record,
    rerender: impl FnOnce() -> Result<Tree, String>,
) -> Result<Base, UpdateError> {
    let digests = record.files.clone();
    if let Some(git) = git
        && let Some((id, mut files)) = find_in_history(git, record)?
    {
        let record_file = files.remove(RECORD_PATH);
        return Ok(Base {
            mode: Mode::History(id),
            digests,
            files: Some(files),
            record: record_file,
        });
    }
    let history = match git {
        None => "there is no git repository".to_string(),
        Some(git) if git.repo.is_shallow() => {
            "this is a shallow clone and the fetched history has no pristine render".to_string()
        }
        Some(_) => "no pristine render matching the record is in the history of HEAD \
                    (a squash merge or a rebase drops it)"
            .to_string(),
    };
    let reason = match rerender() {
        Ok(tree) => match matching_files(&tree, record) {
            Ok(files) => {
                return Ok(Base {
                    mode: Mode::Rerendered,
                    digests,
                    files: Some(files),
                    record: tree.get(RECORD_PATH).cloned(),
                });
            }
            Err(why) => why,
        },
        Err(why) => why,
    };
    Ok(Base {
        mode: Mode::Digests(format!(
            "{history}, and the recorded blueprints could not reproduce the base: {reason}"
        )),
        digests,
        files: None,
        record: None,
    })
}

/// Returns the files of `tree` when they are exactly the recorded ones.
fn matching_files(tree: &Tree, record: &Record) -> Result<BTreeMap<String, File>, String> {
    let files: BTreeMap<String, File> = tree
        .files
        .iter()
        .filter(|(path, _)| path.as_str() != RECORD_PATH)
        .map(|(path, file)| (path.clone(), file.clone()))
        .collect();
    let differing = record
        .files
        .iter()
        .filter(|(path, digest)| files.get(*path).is_none_or(|f| f.digest() != **digest))
        .count()
        + files
            .keys()
            .filter(|path| !record.files.contains_key(*path))
            .count();
    if differing == 0 {
        Ok(files)
    } else {
        Err(format!(
            "{differing} files differ from the recorded digests"
        ))
    }
}

/// Walks the history of HEAD, newest first, for a commit whose generated
/// files match every recorded digest. Candidates are commits with the
/// pristine trailer and commits with the same record file as HEAD (a commit
/// of unedited generated files is as good a base as a pristine one).
fn find_in_history(git: &Git, record: &Record) -> Result<Option<(Oid, Files)>, UpdateError> {
    let repo = &git.repo;
    let head = git.head()?;
    let record_path = git.path(RECORD_PATH);
    let record_blob = |commit: &git2::Commit<'_>| {
        commit
            .tree()
            .ok()
            .and_then(|t| t.get_path(Path::new(&record_path)).ok())
            .map(|e| e.id())
    };
    let head_record = record_blob(&head);
    let mut walk = repo
        .revwalk()
        .map_err(UpdateError::git("walk the history"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
        .map_err(UpdateError::git("walk the history"))?;
    walk.push(head.id())
        .map_err(UpdateError::git("walk the history"))?;
    let mut digests: HashMap<Oid, String> = HashMap::new();
    for id in walk {
        // A shallow clone ends the walk at its boundary; an error past it
        // means the rest of the history is not here.
        let Ok(id) = id else { break };
        let Ok(commit) = repo.find_commit(id) else {
            break;
        };
        let candidate = pristine::is_pristine(&commit, git.trailer_prefix())
            || (head_record.is_some() && record_blob(&commit) == head_record);
        if !candidate {
            continue;
        }
        let entries = pristine::entries(&commit, &git.prefix, record.files.keys())
            .map_err(UpdateError::git("read a candidate base commit"))?;
        let Some(entries) = entries else { continue };
        let mut matches = true;
        for (path, (blob, _)) in &entries {
            let digest = match digests.get(blob) {
                Some(digest) => digest.clone(),
                None => {
                    let bytes = repo
                        .find_blob(*blob)
                        .map_err(UpdateError::git("read a candidate base commit"))?;
                    let digest = tree::digest(bytes.content());
                    digests.insert(*blob, digest.clone());
                    digest
                }
            };
            if record.files.get(path) != Some(&digest) {
                matches = false;
                break;
            }
        }
        if matches {
            let mut found = entries;
            let record_entry =
                pristine::entries(&commit, &git.prefix, [RECORD_PATH.to_string()].iter())
                    .map_err(UpdateError::git("read the base commit"))?;
            found.extend(record_entry.unwrap_or_default());
            let files =
                pristine::read(repo, &found).map_err(UpdateError::git("read the base commit"))?;
            return Ok(Some((id, files)));
        }
    }
    Ok(None)
}
