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
/// files match every recorded digest. Commits with the pristine trailer
/// come first. Failing those, the newest commit with the same record file
/// as HEAD serves: a commit of unedited generated files is as good a base,
/// though its record file may carry the user's edits.
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
    let mut digests = DigestCache::default();
    let mut same_record: Option<(Oid, pristine::Entries)> = None;
    for id in walk {
        // A shallow clone ends the walk at its boundary; an error past it
        // means the rest of the history is not here.
        let Ok(id) = id else { break };
        let Ok(commit) = repo.find_commit(id) else {
            break;
        };
        let trailer = pristine::is_pristine(&commit, git.trailer_prefix());
        let record_match =
            same_record.is_none() && head_record.is_some() && record_blob(&commit) == head_record;
        if !trailer && !record_match {
            continue;
        }
        let Some(entries) = digests.matching(repo, &commit, &git.prefix, record)? else {
            continue;
        };
        if trailer {
            return read_base(repo, &commit, &git.prefix, entries).map(Some);
        }
        same_record = Some((id, entries));
    }
    match same_record {
        Some((id, entries)) => {
            let commit = repo
                .find_commit(id)
                .map_err(UpdateError::git("read the base commit"))?;
            read_base(repo, &commit, &git.prefix, entries).map(Some)
        }
        None => Ok(None),
    }
}

/// Reads the base's files and its record file from `commit`.
fn read_base(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
    prefix: &str,
    mut entries: pristine::Entries,
) -> Result<(Oid, Files), UpdateError> {
    let record_entry = pristine::entries(commit, prefix, [RECORD_PATH.to_string()].iter())
        .map_err(UpdateError::git("read the base commit"))?;
    entries.extend(record_entry.unwrap_or_default());
    let files = pristine::read(repo, &entries).map_err(UpdateError::git("read the base commit"))?;
    Ok((commit.id(), files))
}

/// Digests of blobs already read, because many commits share them.
#[derive(Default)]
struct DigestCache(HashMap<Oid, String>);

impl DigestCache {
    /// Returns the commit's entries for the recorded paths when every one
    /// matches its recorded digest.
    fn matching(
        &mut self,
        repo: &git2::Repository,
        commit: &git2::Commit<'_>,
        prefix: &str,
        record: &Record,
    ) -> Result<Option<pristine::Entries>, UpdateError> {
        let read_error = UpdateError::git("read a candidate base commit");
        let entries = match pristine::entries(commit, prefix, record.files.keys()) {
            Ok(Some(entries)) => entries,
            Ok(None) => return Ok(None),
            Err(e) => return Err(read_error(e)),
        };
        for (path, (blob, _)) in &entries {
            let digest = match self.0.get(blob) {
                Some(digest) => digest.clone(),
                None => {
                    let bytes = repo
                        .find_blob(*blob)
                        .map_err(UpdateError::git("read a candidate base commit"))?;
                    let digest = tree::digest(bytes.content());
                    self.0.insert(*blob, digest.clone());
                    digest
                }
            };
            if record.files.get(path) != Some(&digest) {
                return Ok(None);
            }
        }
        Ok(Some(entries))
    }
}
