//! Where a blueprint set comes from: the copy built into the binary, a
//! directory with the same layout, or a git repository at a ref.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

use super::BlueprintError;

static BUILTIN_BLUEPRINTS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");
static BUILTIN_PIPELINES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/pipelines");

/// Largest file a blueprint set may contain.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most files a blueprint set may contain.
const MAX_FILES: usize = 10_000;

/// What the user asked for with `--blueprints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// The blueprints built into gatekit.
    Builtin,
    /// A local directory laid out like `blueprints/`, with an optional
    /// `pipelines/` folder inside it.
    Dir(PathBuf),
    /// A git repository with the set at its root, cloned into a temporary
    /// folder.
    Git {
        /// URL, or the path of a local repository.
        url: String,
        /// Tag, branch or commit; `None` means the default branch.
        git_ref: Option<String>,
    },
}

impl SourceSpec {
    /// Parses a `--blueprints` value: `builtin`, a git URL, or a folder.
    pub fn parse(value: Option<&str>) -> SourceSpec {
        match value {
            None | Some("builtin") => SourceSpec::Builtin,
            Some(url) if super::git::is_remote(url) => SourceSpec::Git {
                url: url.to_string(),
                git_ref: None,
            },
            Some(path) => SourceSpec::Dir(PathBuf::from(path)),
        }
    }

    /// Parses `--blueprints` with `--blueprints-ref`. A ref makes any
    /// source but `builtin` a git repository, so that a local clone can be
    /// used at a tag.
    pub fn parse_with_ref(
        value: Option<&str>,
        git_ref: Option<&str>,
    ) -> Result<SourceSpec, BlueprintError> {
        let Some(git_ref) = git_ref else {
            return Ok(Self::parse(value));
        };
        match value {
            None | Some("builtin") => Err(BlueprintError::Source(
                "--blueprints-ref needs a git repository in --blueprints; the built-in set has no refs"
                    .to_string(),
            )),
            Some(url) => Ok(SourceSpec::Git {
                url: url.to_string(),
                git_ref: Some(git_ref.to_string()),
            }),
        }
    }
}

/// Where a loaded set came from, as recorded in `.gatekit/answers.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// `builtin`, a directory path, or a git URL.
    pub source: String,
    /// The set's own version from `set.yaml`.
    pub version: String,
    /// Git ref the set was taken from, for git sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Git commit the ref pointed to, for git sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Origin {
    /// Rewrites a local source (a folder, or a repository path) relative to
    /// the generated folder `root`, so that the record names it the same way
    /// from any working directory and on any machine with the same layout.
    pub fn relative_to(mut self, root: &Path) -> Origin {
        if is_local(&self.source)
            && let Some(relative) = relative_path(Path::new(&self.source), root)
        {
            self.source = relative;
        }
        self
    }
}

/// Returns true for a source that names a path on this machine rather than
/// the built-in set or a remote URL.
pub fn is_local(source: &str) -> bool {
    source != "builtin" && !super::git::is_remote(source)
}

/// Returns where a recorded local source is: relative paths are relative to
/// the generated folder `root`.
pub fn resolve_local(source: &str, root: &Path) -> PathBuf {
    root.join(source)
}

/// Returns `target` relative to `root`, with `/` separators, or `None` when
/// the two share no root (another drive on Windows). Both are made absolute
/// from the working directory and `.` and `..` are resolved by name, not
/// through symbolic links.
fn relative_path(target: &Path, root: &Path) -> Option<String> {
    let target = lexical_absolute(target)?;
    let root = lexical_absolute(root)?;
    let target: Vec<Component<'_>> = target.components().collect();
    let root: Vec<Component<'_>> = root.components().collect();
    let common = target.iter().zip(&root).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".to_string(); root.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        return Some(".".to_string());
    }
    Some(parts.join("/"))
}

fn lexical_absolute(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The files of a blueprint set, keyed by path relative to the set root
/// (`kong/manifest.yaml`, `pipelines/github/manifest.yaml`).
#[derive(Debug, Clone, Default)]
pub struct SetFiles {
    /// File contents by relative path, with `/` separators.
    pub files: BTreeMap<String, Cow<'static, str>>,
}

impl SetFiles {
    /// Loads the files of a source. A git source is cloned and read at its
    /// ref; [`GitSet`](super::git::GitSet) also returns the commit.
    pub fn load(spec: &SourceSpec) -> Result<SetFiles, BlueprintError> {
        match spec {
            SourceSpec::Builtin => Ok(Self::builtin()),
            SourceSpec::Dir(path) => Self::from_dir(path),
            SourceSpec::Git { url, git_ref } => {
                let set = super::git::GitSet::clone(url)?;
                let resolved = set.resolve(git_ref.as_deref())?;
                set.files(&resolved.commit)
            }
        }
    }

    /// Returns the blueprints built into the binary.
    pub fn builtin() -> SetFiles {
        let mut files = BTreeMap::new();
        collect_embedded(&BUILTIN_BLUEPRINTS, "", &mut files);
        collect_embedded(&BUILTIN_PIPELINES, "pipelines/", &mut files);
        SetFiles { files }
    }

    /// Reads a blueprint set from a directory. The built-in pipelines are
    /// used when the directory has no `pipelines/` folder.
    pub fn from_dir(root: &Path) -> Result<SetFiles, BlueprintError> {
        if !root.join("set.yaml").is_file() {
            return Err(BlueprintError::Manifest {
                file: root.join("set.yaml").display().to_string(),
                message: "not found: a blueprint set folder starts with set.yaml".to_string(),
            });
        }
        let mut files = BTreeMap::new();
        read_dir(root, root, &mut files)?;
        Ok(with_builtin_pipelines(files))
    }

    /// Returns the text of a file in the set.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(|text| text.as_ref())
    }
}

/// Completes a set with the built-in pipelines when it has no `pipelines/`
/// folder of its own.
pub(super) fn with_builtin_pipelines(mut files: BTreeMap<String, Cow<'static, str>>) -> SetFiles {
    if !files.keys().any(|k| k.starts_with("pipelines/")) {
        collect_embedded(&BUILTIN_PIPELINES, "pipelines/", &mut files);
    }
    SetFiles { files }
}

/// Rejects a file larger than a set may contain.
pub(super) fn check_size(path: &str, size: u64) -> Result<(), BlueprintError> {
    if size > MAX_FILE_BYTES {
        return Err(BlueprintError::Source(format!(
            "{path} is larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Rejects a set with more files than a set may contain.
pub(super) fn check_count(root: &str, count: usize) -> Result<(), BlueprintError> {
    if count > MAX_FILES {
        return Err(BlueprintError::Source(format!(
            "{root} contains more than {MAX_FILES} files"
        )));
    }
    Ok(())
}

// The built-in files are borrowed from the binary rather than copied: a
// render reads only a fraction of them.
fn collect_embedded(
    dir: &Dir<'static>,
    prefix: &str,
    out: &mut BTreeMap<String, Cow<'static, str>>,
) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            out.insert(format!("{prefix}{path}"), Cow::Borrowed(text));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, prefix, out);
    }
}

fn read_dir(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<String, Cow<'static, str>>,
) -> Result<(), BlueprintError> {
    let io_error = |path: &Path, err: std::io::Error| {
        BlueprintError::Source(format!("cannot read {}: {err}", path.display()))
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| io_error(dir, e))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        // Symbolic links are skipped: a blueprint set must not pull in
        // files from outside its own directory.
        let kind = entry.file_type().map_err(|e| io_error(&path, e))?;
        if kind.is_dir() {
            read_dir(root, &path, out)?;
        } else if kind.is_file() {
            let size = entry.metadata().map_err(|e| io_error(&path, e))?.len();
            check_size(&path.display().to_string(), size)?;
            let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(relative, Cow::Owned(text));
            check_count(&root.display().to_string(), out.len())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(source: &str) -> Origin {
        Origin {
            source: source.to_string(),
            version: "1.0.0".to_string(),
            git_ref: None,
            commit: None,
        }
    }

    #[test]
    fn local_source_recorded_relative_to_folder() {
        let cases = [
            ("/srv/blueprints", "/srv/gw", "../blueprints"),
            ("/srv/org/./set/", "/srv/repos/a/../gw", "../../org/set"),
            ("/srv/gw/blueprints", "/srv/gw", "blueprints"),
            ("/srv/gw", "/srv/gw", "."),
        ];
        for (source, root, expected) in cases {
            let recorded = origin(source).relative_to(Path::new(root));
            assert_eq!(recorded.source, expected, "{source} from {root}");
        }
    }

    #[test]
    fn builtin_and_remote_sources_unchanged() {
        for source in ["builtin", "https://git.example.com/org/set.git"] {
            let recorded = origin(source).relative_to(Path::new("/srv/gw"));
            assert_eq!(recorded.source, source);
        }
    }
}
