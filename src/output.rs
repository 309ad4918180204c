//! Writing a generated tree to disk, and comparing it with what is there.
//!
//! Writes never follow a symbolic link below the output folder and never
//! leave it; only `update` deletes, through [`remove_file`]. Each file is
//! written to a temporary file in its own folder and renamed into place, so a
//! reader never sees half a file.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::tree::{File, Tree};

#[cfg(unix)]
mod nofollow;

/// Errors while writing or reading the output folder.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `new` was pointed at a folder that already has files.
    #[error(
        "{} is not empty; choose an empty folder, or pass --force to overwrite the files gatekit generates (other files are kept)",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// A path below the output folder is a symbolic link.
    #[error("{} is a symbolic link; gatekit does not write through links. Replace it with a regular file or folder", .0.display())]
    Symlink(PathBuf),
    /// A folder stands where a file must be written, or the reverse.
    #[error("{} is in the way: {reason}", path.display())]
    Blocked {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An I/O operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What gatekit was doing.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Returns true when `dir` does not exist or has no entries.
pub fn is_empty_dir(dir: &Path) -> Result<bool, OutputError> {
    check_folder(dir)?;
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(io("read", dir)(err)),
    }
}

/// Rejects an output folder that exists as something other than a folder:
/// the user named the wrong path, which is invalid input, not an I/O
/// failure.
pub fn check_folder(root: &Path) -> Result<(), OutputError> {
    match fs::metadata(root) {
        Ok(meta) if !meta.is_dir() => Err(OutputError::Blocked {
            path: root.to_path_buf(),
            reason: "it is a file, not a folder".to_string(),
        }),
        _ => Ok(()),
    }
}

/// Writes every file of `tree` under `root`. Every path is checked before
/// the first write, so a blocked path leaves the folder untouched.
pub fn write_tree(root: &Path, tree: &Tree) -> Result<Vec<String>, OutputError> {
    check_folder(root)?;
    fs::create_dir_all(root).map_err(io("create", root))?;
    for path in tree.paths() {
        check_target(root, path)?;
    }
    let mut written = Vec::new();
    #[cfg(unix)]
    let mut writer = nofollow::Writer::new(root);
    for (path, file) in &tree.files {
        let target = root.join(path);
        if read_existing(&target)?.is_some_and(|existing| existing == *file) {
            continue;
        }
        // Every path was checked above; the writer opens each folder once
        // and never through a link, so a folder swapped since cannot
        // redirect the write.
        #[cfg(unix)]
        writer
            .write(
                path,
                &file.bytes,
                if file.executable { 0o755 } else { 0o644 },
            )
            .map_err(io("write", &target))?;
        #[cfg(not(unix))]
        write_file(root, path, file)?;
        written.push(path.clone());
    }
    Ok(written)
}

/// Checks that writing `relative` under `root` follows no symbolic link and
/// replaces no folder.
pub fn check_target(root: &Path, relative: &str) -> Result<(), OutputError> {
    let mut current = root.to_path_buf();
    let components: Vec<Component<'_>> = Path::new(relative).components().collect();
    for (i, component) in components.iter().enumerate() {
        let Component::Normal(name) = component else {
            return Err(OutputError::Blocked {
                path: root.join(relative),
                reason: "the path is not a plain relative path".to_string(),
            });
        };
        current.push(name);
        let last = i + 1 == components.len();
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(OutputError::Symlink(current)),
            Ok(meta) if last && meta.is_dir() => {
                return Err(OutputError::Blocked {
                    path: current,
                    reason: "a folder has the name of a generated file".to_string(),
                });
            }
            Ok(meta) if !last && !meta.is_dir() => {
                return Err(OutputError::Blocked {
                    path: current,
                    reason: "a file has the name of a generated folder".to_string(),
                });
            }
            // A submodule or a nested clone belongs to another repository:
            // its files are not staged here, and `git merge --abort` would
            // not restore them.
            Ok(_) if !last && fs::symlink_metadata(current.join(".git")).is_ok() => {
                return Err(OutputError::Blocked {
                    path: current,
                    reason:
                        "a folder on the path is another git repository (a submodule or a nested \
                             clone)"
                            .to_string(),
                });
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(io("inspect", &current)(err)),
        }
    }
    Ok(())
}

/// Writes one file atomically.
#[cfg(unix)]
pub fn write_file(root: &Path, relative: &str, file: &File) -> Result<(), OutputError> {
    check_target(root, relative)?;
    let mode = if file.executable { 0o755 } else { 0o644 };
    nofollow::write(root, relative, &file.bytes, mode).map_err(io("write", &root.join(relative)))
}

/// Writes one file atomically.
// TODO: without `openat`, a folder swapped for a symbolic link between the
// check and the rename can still redirect this write outside the root.
#[cfg(not(unix))]
pub fn write_file(root: &Path, relative: &str, file: &File) -> Result<(), OutputError> {
    check_target(root, relative)?;
    let target = root.join(relative);
    let dir = target.parent().unwrap_or(root);
    fs::create_dir_all(dir).map_err(io("create", dir))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".gatekit-")
        .tempfile_in(dir)
        .map_err(io("create a temporary file in", dir))?;
    std::io::Write::write_all(&mut temp, &file.bytes).map_err(io("write", &target))?;
    set_mode(temp.as_file(), file.executable).map_err(io("set permissions on", &target))?;
    temp.persist(&target).map_err(|e| OutputError::Io {
        action: "write",
        path: target.clone(),
        source: e.error,
    })?;
    Ok(())
}

/// Deletes one file, never through a symbolic link, then the folders it
/// leaves empty, up to `root`. A file that is already gone is not an error.
#[cfg(unix)]
pub fn remove_file(root: &Path, relative: &str) -> Result<(), OutputError> {
    check_target(root, relative)?;
    nofollow::remove(root, relative).map_err(io("delete", &root.join(relative)))
}

/// Deletes one file, then the folders it leaves empty, up to `root`.
#[cfg(not(unix))]
pub fn remove_file(root: &Path, relative: &str) -> Result<(), OutputError> {
    check_target(root, relative)?;
    let target = root.join(relative);
    match fs::remove_file(&target) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io("delete", &target)(err)),
    }
    let mut dir = target.parent();
    while let Some(folder) = dir {
        if folder == root || fs::remove_dir(folder).is_err() {
            break;
        }
        dir = folder.parent();
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_: &fs::File, _: bool) -> std::io::Result<()> {
    Ok(())
}

/// Reads a file that may not exist. Symbolic links are not followed.
pub fn read_existing(path: &Path) -> Result<Option<File>, OutputError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {
            let bytes = fs::read(path).map_err(io("read", path))?;
            Ok(Some(File {
                bytes,
                executable: is_executable(&meta),
            }))
        }
        Ok(_) => Ok(None),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(io("inspect", path)(err)),
    }
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &fs::Metadata) -> bool {
    false
}

/// One difference between a rendered tree and the folder on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file is missing on disk.
    Missing(String),
    /// The contents differ; the unified diff from disk to render.
    Changed(String, String),
    /// Only the executable bit differs.
    Mode(String, bool),
}

/// Compares `tree` with the files under `root`.
pub fn compare(root: &Path, tree: &Tree) -> Result<Vec<Drift>, OutputError> {
    let mut drift = Vec::new();
    for (path, file) in &tree.files {
        let target = root.join(path);
        match read_existing(&target)? {
            None => drift.push(Drift::Missing(path.clone())),
            Some(existing) if existing.bytes != file.bytes => {
                let diff = diff_bytes(path, &existing.bytes, &file.bytes);
                drift.push(Drift::Changed(path.clone(), diff));
            }
            Some(existing) if cfg!(unix) && existing.executable != file.executable => {
                drift.push(Drift::Mode(path.clone(), file.executable));
            }
            Some(_) => {}
        }
    }
    Ok(drift)
}

/// Returns a unified diff from `old` to `new`, or git's one-line note when
/// either has a NUL byte in its first 8000 bytes (git's test for binary),
/// so that a binary file's bytes never reach the terminal.
pub fn diff_bytes(path: &str, old: &[u8], new: &[u8]) -> String {
    let binary = |bytes: &[u8]| bytes[..bytes.len().min(8000)].contains(&0);
    if binary(old) || binary(new) {
        return format!("Binary files a/{path} and b/{path} differ\n");
    }
    unified_diff(
        path,
        &String::from_utf8_lossy(old),
        &String::from_utf8_lossy(new),
    )
}

/// Returns a unified diff from `old` to `new` with `a/` and `b/` headers.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
