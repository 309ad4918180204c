//! Blueprint sets kept in a git repository: cloned into a temporary folder
//! with git2, read straight from the commit a ref points to.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use git2::{AutotagOption, Commit, FetchOptions, ObjectType, Oid, RemoteCallbacks, Repository};

use super::BlueprintError;
use super::source::{self, SetFiles};

/// A bare clone of a blueprint repository in a temporary folder, removed on
/// drop.
pub struct GitSet {
    /// The repository, cloned bare.
    repo: Repository,
    /// The URL as the user gave it, credentials included.
    url: String,
    /// Keeps the clone's folder alive; must drop after `repo`.
    _dir: tempfile::TempDir,
}

impl fmt::Debug for GitSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitSet")
            .field("url", &recorded_url(&self.url))
            .finish_non_exhaustive()
    }
}

/// A ref resolved to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The ref as recorded: the name the user gave, or the remote's default
    /// branch.
    pub name: String,
    /// Full commit ID.
    pub commit: String,
    /// The commit's subject line.
    pub summary: String,
}

impl GitSet {
    /// Clones `url` (a URL or a local repository path) into a temporary
    /// folder, with every branch and tag.
    pub fn clone(url: &str) -> Result<GitSet, BlueprintError> {
        check_transport(url)?;
        let dir = tempfile::Builder::new()
            .prefix("gatekit-blueprints-")
            .tempdir()
            .map_err(|e| {
                BlueprintError::Source(format!("cannot create a temporary folder: {e}"))
            })?;
        let mut attempts = 0;
        let mut callbacks = RemoteCallbacks::new();
        callbacks.credentials(move |remote_url, username, _allowed| {
            // libgit2 calls back again after a rejected credential, so a
            // second call means the helper's credential was wrong.
            attempts += 1;
            if attempts > 1 {
                return Err(git2::Error::from_str(
                    "authentication failed; check the credential helper or the token",
                ));
            }
            let config = git2::Config::open_default()?;
            git2::Cred::credential_helper(&config, remote_url, username)
        });
        let mut fetch = FetchOptions::new();
        fetch.remote_callbacks(callbacks);
        fetch.download_tags(AutotagOption::All);
        let repo = git2::build::RepoBuilder::new()
            .bare(true)
            .fetch_options(fetch)
            .clone(url, dir.path())
            .map_err(|e| clone_error(url, &e))?;
        Ok(GitSet {
            repo,
            url: url.to_string(),
            _dir: dir,
        })
    }

    /// Returns the URL to record: the one given, without credentials.
    pub fn recorded_url(&self) -> String {
        recorded_url(&self.url)
    }

    /// Resolves a tag, a branch or a commit ID; `None` means the remote's
    /// default branch. Tags are tried first, as `git checkout` does.
    pub fn resolve(&self, git_ref: Option<&str>) -> Result<Resolved, BlueprintError> {
        let Some(name) = git_ref else {
            let head = self.repo.head().map_err(|e| self.ref_error("HEAD", &e))?;
            let name = head.shorthand().unwrap_or("HEAD").to_string();
            let commit = head
                .peel_to_commit()
                .map_err(|e| self.ref_error(&name, &e))?;
            return Ok(resolved(name, &commit));
        };
        let candidates = [
            format!("refs/tags/{name}"),
            format!("refs/remotes/origin/{name}"),
            format!("refs/heads/{name}"),
        ];
        for candidate in &candidates {
            if let Ok(reference) = self.repo.find_reference(candidate) {
                let commit = reference
                    .peel_to_commit()
                    .map_err(|e| self.ref_error(name, &e))?;
                return Ok(resolved(name.to_string(), &commit));
            }
        }
        let is_hex = name.len() >= 7 && name.chars().all(|c| c.is_ascii_hexdigit());
        if is_hex
            && let Ok(object) = self.repo.revparse_single(name)
            && let Ok(commit) = object.peel_to_commit()
        {
            return Ok(resolved(name.to_string(), &commit));
        }
        Err(BlueprintError::GitRef {
            url: self.recorded_url(),
            git_ref: name.to_string(),
            message: "it is neither a tag, a branch nor a commit of that repository".to_string(),
        })
    }

    /// Returns the subject line of a commit, or `None` when the clone does
    /// not contain it (a tag that moved may leave its old commit behind).
    pub fn summary(&self, commit: &str) -> Option<String> {
        let oid = Oid::from_str(commit).ok()?;
        let commit = self.repo.find_commit(oid).ok()?;
        Some(summary(&commit))
    }

    /// Reads the blueprint set at `commit`: `set.yaml` at the repository
    /// root and every file below it, with the same rules as a folder.
    pub fn files(&self, commit: &str) -> Result<SetFiles, BlueprintError> {
        let missing = |message: String| BlueprintError::GitRef {
            url: self.recorded_url(),
            git_ref: commit.to_string(),
            message,
        };
        let oid = Oid::from_str(commit).map_err(|e| missing(e.message().to_string()))?;
        let commit = self
            .repo
            .find_commit(oid)
            .map_err(|_| missing("the commit is not in the repository".to_string()))?;
        let tree = commit
            .tree()
            .map_err(|e| BlueprintError::Source(e.message().to_string()))?;
        let mut files = BTreeMap::new();
        self.read_tree(&tree, "", &mut files)?;
        if !files.contains_key("set.yaml") {
            return Err(BlueprintError::Manifest {
                file: format!("{}: set.yaml", self.recorded_url()),
                message: "not found: a blueprint repository has set.yaml at its root".to_string(),
            });
        }
        Ok(source::with_builtin_pipelines(files))
    }

    fn read_tree(
        &self,
        tree: &git2::Tree<'_>,
        prefix: &str,
        out: &mut BTreeMap<String, Cow<'static, str>>,
    ) -> Result<(), BlueprintError> {
        let git_error = |e: git2::Error| BlueprintError::Source(e.message().to_string());
        for entry in tree {
            let Ok(name) = entry.name() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let path = format!("{prefix}{name}");
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    let sub = self.repo.find_tree(entry.id()).map_err(git_error)?;
                    self.read_tree(&sub, &format!("{path}/"), out)?;
                }
                // Symbolic links (mode 120000) are skipped, as in a folder:
                // a set must not point outside itself.
                Some(ObjectType::Blob) if entry.filemode() != 0o120000 => {
                    let blob = self.repo.find_blob(entry.id()).map_err(git_error)?;
                    source::check_size(&path, blob.size() as u64)?;
                    let Ok(text) = std::str::from_utf8(blob.content()) else {
                        continue;
                    };
                    out.insert(path, Cow::Owned(text.to_string()));
                    source::check_count(&self.recorded_url(), out.len())?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn ref_error(&self, name: &str, error: &git2::Error) -> BlueprintError {
        BlueprintError::GitRef {
            url: self.recorded_url(),
            git_ref: name.to_string(),
            message: error.message().to_string(),
        }
    }
}

/// Rejects transports that neither encrypt nor authenticate the server:
/// blueprints become CI files and infrastructure code, so whoever can change
/// them in transit controls what the repository deploys.
fn check_transport(url: &str) -> Result<(), BlueprintError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("git://") {
        let scheme = &url[..url.find("://").unwrap_or(0)];
        return Err(BlueprintError::InsecureSource(format!(
            "blueprint source {} uses {scheme}, which anyone on the network path can tamper \
             with; use an https URL or a local clone",
            recorded_url(url)
        )));
    }
    Ok(())
}

fn resolved(name: String, commit: &Commit<'_>) -> Resolved {
    Resolved {
        name,
        commit: commit.id().to_string(),
        summary: summary(commit),
    }
}

/// Describes a failed clone without the URL's credentials, which libgit2
/// may repeat in its message.
fn clone_error(url: &str, error: &git2::Error) -> BlueprintError {
    let mut message = error.message().replace(url, &recorded_url(url));
    if let Ok(parsed) = url::Url::parse(url)
        && let Some(password) = parsed.password()
        && !password.is_empty()
    {
        message = message.replace(password, "***");
    }
    // TODO: git2 is built without its `ssh` feature (libssh2), so ssh:// and
    // scp-style URLs cannot be cloned; only the hint below covers them.
    let hint = if url.starts_with("ssh://") || (is_remote(url) && !url.contains("://")) {
        "; this gatekit has no SSH support: use an https URL, or clone the repository yourself \
         and pass its path with --blueprints-ref"
    } else {
        ""
    };
    BlueprintError::Source(format!(
        "cannot clone blueprint repository {}: {message}{hint}",
        recorded_url(url)
    ))
}

fn summary(commit: &Commit<'_>) -> String {
    commit.summary().ok().flatten().unwrap_or("").to_string()
}

/// Returns `url` without a user name or password, so that a token never
/// lands in `.gatekit/answers.yaml` or in a message.
pub fn recorded_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed)
            if parsed.has_authority()
                && (!parsed.username().is_empty() || parsed.password().is_some()) =>
        {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Returns true when `value` names a git remote rather than a folder: a
/// URL with a scheme git understands, or the `user@host:path` form.
pub fn is_remote(value: &str) -> bool {
    let schemes = ["https://", "http://", "ssh://", "git://", "file://"];
    if schemes.iter().any(|s| value.starts_with(s)) {
        return true;
    }
    match (value.find('@'), value.find(':')) {
        (Some(at), Some(colon)) => at < colon && !value[..colon].contains('/'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_recorded() {
        assert_eq!(
            recorded_url("https://bot:s3cret@git.example.com/org/set.git"),
            "https://git.example.com/org/set.git"
        );
        assert_eq!(
            recorded_url("https://git.example.com/org/set.git"),
            "https://git.example.com/org/set.git"
        );
        assert_eq!(recorded_url("./blueprints"), "./blueprints");
        assert_eq!(
            recorded_url("https://:s3cret@git.example.com/org/set.git"),
            "https://git.example.com/org/set.git"
        );
    }

    #[test]
    fn clone_errors_hide_password() {
        let url = "https://bot:s3cret@git.example.com/org/set.git";
        let error = git2::Error::from_str(&format!("failed to reach {url} with s3cret"));
        let message = clone_error(url, &error).to_string();
        assert!(!message.contains("s3cret"), "{message}");
        assert!(
            message.contains("https://git.example.com/org/set.git"),
            "{message}"
        );
    }

    #[test]
    fn ssh_clone_error_hints_https() {
        let error = git2::Error::from_str("unsupported URL protocol");
        let message = clone_error("git@git.example.com:org/set.git", &error).to_string();
        assert!(message.contains("no SSH support"), "{message}");
    }

    #[test]
    fn plaintext_transports_rejected() {
        for url in [
            "http://git.example.com/set.git",
            "git://git.example.com/set.git",
            "HTTP://x/y",
        ] {
            let error = check_transport(url).unwrap_err().to_string();
            assert!(error.contains("use an https URL"), "{url}: {error}");
        }
        assert!(check_transport("https://git.example.com/set.git").is_ok());
        assert!(check_transport("/srv/blueprints.git").is_ok());
    }

    #[test]
    fn remotes_told_from_folders() {
        assert!(is_remote("https://git.example.com/org/set.git"));
        assert!(is_remote("file:///srv/set.git"));
        assert!(is_remote("git@git.example.com:org/set.git"));
        assert!(!is_remote("./org-blueprints"));
        assert!(!is_remote("/srv/blueprints"));
        assert!(!is_remote("builtin"));
        assert!(!is_remote("./a@b:c/d"));
    }
}
