//! Reading the user's version of a generated file from the work tree,
//! without following a symbolic link.

use std::path::Path;

use super::eol::{self, Eol};
use crate::output::{self, OutputError};
use crate::tree::File;

/// What the work tree has at a generated path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ours {
    /// Nothing: the user deleted the file, or it was never there.
    Missing,
    /// A regular file.
    File {
        /// Contents converted to LF, and the executable bit.
        file: File,
        /// The line-ending style the file had on disk.
        eol: Eol,
    },
    /// The path, or a folder above it, is a symbolic link.
    Symlink(String),
    /// A folder stands where the file belongs, or a file where a folder
    /// belongs.
    Blocked(String),
}

impl Ours {
    /// Returns the file, when there is one.
    pub fn file(&self) -> Option<&File> {
        match self {
            Ours::File { file, .. } => Some(file),
            _ => None,
        }
    }

    /// Returns true when there is a regular file with exactly `bytes` (LF).
    pub fn has_bytes(&self, bytes: &[u8]) -> bool {
        self.file().is_some_and(|f| f.bytes == bytes)
    }
}

/// Reads `relative` under `root`.
pub fn read(root: &Path, relative: &str) -> Result<Ours, OutputError> {
    match output::check_target(root, relative) {
        Ok(()) => {}
        Err(OutputError::Symlink(link)) => {
            let shown = link
                .strip_prefix(root)
                .unwrap_or(&link)
                .display()
                .to_string();
            return Ok(Ours::Symlink(shown));
        }
        Err(OutputError::Blocked { reason, .. }) => return Ok(Ours::Blocked(reason)),
        Err(other) => return Err(other),
    }
    match output::read_existing(&root.join(relative))? {
        None => Ok(Ours::Missing),
        Some(raw) => {
            let eol = eol::style(&raw.bytes);
            Ok(Ours::File {
                file: File {
                    bytes: eol::to_lf(&raw.bytes),
                    executable: raw.executable,
                },
                eol,
            })
        }
    }
}
