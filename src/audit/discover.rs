//! Finding the files to audit: folders are walked without following
//! symbolic links, and build or dependency folders are left out.

use std::path::{Path, PathBuf};

use super::AuditError;

/// Folders never audited: version control, dependencies, build output.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".terraform",
    ".venv",
    "vendor",
];

/// Largest file read; bigger files are skipped with a warning.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A file found under an audited path.
#[derive(Debug, Clone)]
pub struct Found {
    /// Path on disk.
    pub disk: PathBuf,
    /// Path shown in findings: relative to the audited folder.
    pub shown: String,
    /// The text, or None when the file is not UTF-8 or too large.
    pub text: Option<String>,
}

/// Lists the files under `path` (or `path` itself), sorted.
pub fn files(path: &Path, warnings: &mut Vec<String>) -> Result<Vec<Found>, AuditError> {
    let mut paths = Vec::new();
    if path.is_dir() {
        walk(path, &mut paths)?;
    } else {
        paths.push(path.to_path_buf());
    }
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for disk in paths {
        let shown = shown_path(path, &disk);
        let text = read(&disk, &shown, warnings)?;
        out.push(Found { disk, shown, text });
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), AuditError> {
    let entries = std::fs::read_dir(dir).map_err(|source| AuditError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().to_string();
        if kind.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
            walk(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn read(
    disk: &Path,
    shown: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, AuditError> {
    let size = std::fs::metadata(disk).map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        warnings.push(format!(
            "{shown}: skipped: {size} bytes is over the {MAX_FILE_BYTES} byte limit"
        ));
        return Ok(None);
    }
    let bytes = std::fs::read(disk).map_err(|source| AuditError::Io {
        path: disk.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8(bytes).ok())
}

/// The path findings show: relative to an audited folder, or the file
/// path as given.
fn shown_path(root: &Path, file: &Path) -> String {
    let relative = if root.is_dir() {
        file.strip_prefix(root).unwrap_or(file)
    } else {
        file
    };
    let text = relative.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
