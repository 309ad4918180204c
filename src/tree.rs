//! An in-memory tree of generated files: what a render produces and what
//! `new`, `render` and `update` write, compare or merge.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Contents, UTF-8 text with LF line endings.
    pub bytes: Vec<u8>,
    /// Whether the file is written executable.
    pub executable: bool,
}

impl File {
    /// Returns the `sha256:<hex>` digest of the contents.
    pub fn digest(&self) -> String {
        digest(&self.bytes)
    }
}

/// Returns the `sha256:<hex>` digest of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Generated files by relative path (`/` separators), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// The files.
    pub files: BTreeMap<String, File>,
}

impl Tree {
    /// Returns the file at `path`.
    pub fn get(&self, path: &str) -> Option<&File> {
        self.files.get(path)
    }

    /// Returns the text of the file at `path`.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path)
            .and_then(|f| std::str::from_utf8(&f.bytes).ok())
    }

    /// Returns the paths in sorted order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}
