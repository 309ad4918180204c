//! Pristine renders as git commits: each contains exactly what gatekit
//! rendered, at the generated folder's place in the repository, with the
//! previous pristine render as its parent. The user's history takes them in
//! as second parents of merge commits, so a normal clone carries them.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Commit, Index, IndexEntry, IndexTime, Oid, Repository, Signature};

use super::repo::{Git, join};
use crate::tree::{File, Tree};

/// Trailer that marks a pristine commit; its value is the generated folder
/// relative to the work tree root, `.` for the root.
pub const TRAILER: &str = "Gatekit-Pristine";

const MODE_FILE: u32 = 0o100644;
const MODE_EXECUTABLE: u32 = 0o100755;

/// Creates a pristine commit of `tree` (no ref moves) and returns its ID.
pub fn create(
    git: &Git,
    tree: &Tree,
    parent: Option<Oid>,
    subject: &str,
) -> Result<Oid, git2::Error> {
    let repo = &git.repo;
    let tree_id = write_tree(repo, &git.prefix, tree)?;
    let tree = repo.find_tree(tree_id)?;
    let signature = signature()?;
    let parents: Vec<Commit<'_>> = parent
        .and_then(|id| repo.find_commit(id).ok())
        .into_iter()
        .collect();
    let parent_refs: Vec<&Commit<'_>> = parents.iter().collect();
    repo.commit(
        None,
        &signature,
        &signature,
        &message(subject, git.trailer_prefix()),
        &tree,
        &parent_refs,
    )
}

/// Returns the author and committer of pristine commits. They are gatekit's
/// own rather than the user's, because the user did not write them; the
/// `.invalid` domain (RFC 2606) is never a real mailbox.
pub fn signature() -> Result<Signature<'static>, git2::Error> {
    Signature::now("gatekit", "gatekit@gatekit.invalid")
}

/// Returns the message of a pristine commit.
pub fn message(subject: &str, prefix: &str) -> String {
    format!(
        "{subject}\n\n\
         The files exactly as gatekit rendered them. `gatekit update` finds this\n\
         commit in the history and merges blueprint changes from it, so keep it\n\
         reachable: merge it, do not squash or rebase it away.\n\n\
         {TRAILER}: {prefix}\n"
    )
}

/// Writes `tree` under `prefix` as a git tree object.
pub fn write_tree(repo: &Repository, prefix: &str, tree: &Tree) -> Result<Oid, git2::Error> {
    let mut index = Index::new()?;
    for (path, file) in &tree.files {
        let id = repo.blob(&file.bytes)?;
        index.add(&entry(&join(prefix, path), id, file.executable, 0))?;
    }
    index.write_tree_to(repo)
}

/// Builds an index entry at `stage` (0 for a merged entry, 1 to 3 for the
/// base, ours and theirs of a conflict).
pub fn entry(path: &str, id: Oid, executable: bool, stage: u16) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: if executable {
            MODE_EXECUTABLE
        } else {
            MODE_FILE
        },
        uid: 0,
        gid: 0,
        file_size: 0,
        id,
        flags: stage << 12,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// Returns true when `commit` carries the pristine trailer for `prefix`.
pub fn is_pristine(commit: &Commit<'_>, prefix: &str) -> bool {
    let Ok(message) = commit.message() else {
        return false;
    };
    let Ok(trailers) = git2::message_trailers_strs(message) else {
        return false;
    };
    trailers
        .iter()
        .any(|(key, value)| key == TRAILER && value.trim() == prefix)
}

/// Blob ID and executable bit by path.
pub type Entries = BTreeMap<String, (Oid, bool)>;

/// Returns the blob ID and executable bit of each of `paths` (relative to
/// `prefix`) in `commit`, or `None` when one is missing or is not a regular
/// file.
pub fn entries<'a>(
    commit: &Commit<'_>,
    prefix: &str,
    paths: impl Iterator<Item = &'a String>,
) -> Result<Option<Entries>, git2::Error> {
    let tree = commit.tree()?;
    let mut found = BTreeMap::new();
    for path in paths {
        let Ok(entry) = tree.get_path(Path::new(&join(prefix, path))) else {
            return Ok(None);
        };
        let mode = entry.filemode() as u32;
        if mode != MODE_FILE && mode != MODE_EXECUTABLE {
            return Ok(None);
        }
        found.insert(path.clone(), (entry.id(), mode == MODE_EXECUTABLE));
    }
    Ok(Some(found))
}

/// Reads the blobs that [`entries`] found.
pub fn read(repo: &Repository, entries: &Entries) -> Result<BTreeMap<String, File>, git2::Error> {
    let mut files = BTreeMap::new();
    for (path, (id, executable)) in entries {
        let blob = repo.find_blob(*id)?;
        files.insert(
            path.clone(),
            File {
                bytes: blob.content().to_vec(),
                executable: *executable,
            },
        );
    }
    Ok(files)
}
