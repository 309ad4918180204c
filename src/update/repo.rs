//! The git repository around a generated folder: where the folder sits in
//! it, whether it is safe to update, and the merge state `update` leaves.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, Repository, RepositoryOpenFlags, RepositoryState, Status, StatusOptions};

use super::UpdateError;

/// A generated folder inside a git work tree.
pub struct Git {
    /// The repository.
    pub repo: Repository,
    /// The folder relative to the work tree root, with `/` separators;
    /// empty when the folder is the root.
    pub prefix: String,
    /// The work tree root.
    pub workdir: PathBuf,
}

impl std::fmt::Debug for Git {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Git")
            .field("workdir", &self.workdir)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Opens the repository that contains `root`, if any. Like git, the search
/// goes up through parent folders and stops at `GIT_CEILING_DIRECTORIES`.
pub fn open(root: &Path) -> Result<Option<Git>, UpdateError> {
    let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
        .map(|value| std::env::split_paths(&value).collect())
        .unwrap_or_default();
    let repo = match Repository::open_ext(root, RepositoryOpenFlags::empty(), &ceilings) {
        Ok(repo) => repo,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(UpdateError::git("open the repository")(e)),
    };
    let Some(workdir) = repo.workdir() else {
        return Err(UpdateError::Git {
            action: "use the repository".to_string(),
            message: format!("{} is inside a bare repository", root.display()),
        });
    };
    let io = |e: std::io::Error| UpdateError::Git {
        action: "locate the work tree".to_string(),
        message: e.to_string(),
    };
    let workdir = workdir.canonicalize().map_err(io)?;
    let folder = root.canonicalize().map_err(io)?;
    let relative = folder
        .strip_prefix(&workdir)
        .map_err(|_| UpdateError::Git {
            action: "locate the work tree".to_string(),
            message: format!("{} is not below {}", folder.display(), workdir.display()),
        })?;
    let prefix = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Some(Git {
        repo,
        prefix,
        workdir,
    }))
}

impl Git {
    /// Returns the repository path of a path relative to the generated
    /// folder.
    pub fn path(&self, relative: &str) -> String {
        join(&self.prefix, relative)
    }

    /// Returns the prefix as written in the pristine trailer: `.` for the
    /// work tree root.
    pub fn trailer_prefix(&self) -> &str {
        if self.prefix.is_empty() {
            "."
        } else {
            &self.prefix
        }
    }

    /// Returns why the repository is not ready for an update, if it is not:
    /// an unfinished merge, rebase, cherry-pick or similar.
    pub fn unfinished(&self) -> Option<String> {
        let what = match self.repo.state() {
            RepositoryState::Clean => return None,
            RepositoryState::Merge => {
                return Some(
                    "a merge is in progress (an earlier `gatekit update` left one if it had conflicts); \
                     resolve the conflicts, `git add` the files and `git commit`, or undo it with \
                     `git merge --abort`, then run update again"
                        .to_string(),
                );
            }
            RepositoryState::Revert | RepositoryState::RevertSequence => "a revert",
            RepositoryState::CherryPick | RepositoryState::CherryPickSequence => "a cherry-pick",
            RepositoryState::Bisect => "a bisect",
            RepositoryState::Rebase
            | RepositoryState::RebaseInteractive
            | RepositoryState::RebaseMerge => "a rebase",
            RepositoryState::ApplyMailbox | RepositoryState::ApplyMailboxOrRebase => "`git am`",
        };
        Some(format!(
            "{what} is in progress; finish or abort it, then run update again"
        ))
    }

    /// Returns the paths with staged or unstaged changes to tracked files,
    /// anywhere in the work tree. Untracked files do not count.
    pub fn dirty(&self) -> Result<Vec<String>, UpdateError> {
        let mut options = StatusOptions::new();
        options
            .include_untracked(false)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = self
            .repo
            .statuses(Some(&mut options))
            .map_err(UpdateError::git("read the status of the work tree"))?;
        Ok(statuses
            .iter()
            .filter(|entry| entry.status() != Status::CURRENT)
            .filter_map(|entry| entry.path().ok().map(str::to_string))
            .collect())
    }

    /// Returns HEAD's commit, or an error when the branch has no commit yet.
    pub fn head(&self) -> Result<git2::Commit<'_>, UpdateError> {
        match self.repo.head() {
            Ok(head) => head
                .peel_to_commit()
                .map_err(UpdateError::git("read the HEAD commit")),
            Err(e) if e.code() == ErrorCode::UnbornBranch => {
                Err(UpdateError::NoCommit(self.workdir.clone()))
            }
            Err(e) => Err(UpdateError::git("read HEAD")(e)),
        }
    }

    /// Returns true when `core.autocrlf` is `true`, so new files are
    /// written with CRLF as `git checkout` would write them.
    pub fn autocrlf(&self) -> bool {
        self.repo
            .config()
            .and_then(|c| c.get_bool("core.autocrlf"))
            .unwrap_or(false)
    }

    /// Returns `merge.conflictStyle` (`merge`, `diff3` or `zdiff3`).
    pub fn conflict_style(&self) -> String {
        self.repo
            .config()
            .and_then(|c| c.get_string("merge.conflictStyle"))
            .unwrap_or_else(|_| "merge".to_string())
    }

    /// Puts the repository into the state `git merge --no-commit` leaves:
    /// `MERGE_HEAD` names `pristine`, so `git commit` records it as the
    /// second parent and `git merge --abort` undoes the update.
    pub fn start_merge(
        &self,
        head: git2::Oid,
        pristine: git2::Oid,
        message: &str,
    ) -> Result<(), UpdateError> {
        let dir = self.repo.path();
        let failed = |name: &str, e: std::io::Error| UpdateError::Git {
            action: format!("write .git/{name}"),
            message: e.to_string(),
        };
        // MERGE_HEAD comes first and only if it does not exist, so of two
        // updates that passed the checks at the same time only one starts a
        // merge, before either has written a file.
        let mut merge_head = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join("MERGE_HEAD"))
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => UpdateError::Unfinished(
                    "another merge started while this update was rendering (a second \
                     `gatekit update`?); nothing was written: finish or abort that merge, \
                     then run update again"
                        .to_string(),
                ),
                _ => failed("MERGE_HEAD", e),
            })?;
        std::io::Write::write_all(&mut merge_head, format!("{pristine}\n").as_bytes())
            .map_err(|e| failed("MERGE_HEAD", e))?;
        let write = |name: &str, text: String| {
            std::fs::write(dir.join(name), text).map_err(|e| failed(name, e))
        };
        write("ORIG_HEAD", format!("{head}\n"))?;
        write("MERGE_MSG", message.to_string())?;
        write("MERGE_MODE", "no-ff".to_string())
    }
}

/// Joins a prefix and a relative path with `/`.
pub fn join(prefix: &str, relative: &str) -> String {
    if prefix.is_empty() {
        relative.to_string()
    } else {
        format!("{prefix}/{relative}")
    }
}
