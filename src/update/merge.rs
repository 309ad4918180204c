//! Three-way merge of one file's contents with git's merge (libgit2's
//! xdiff), which writes git's conflict markers.

use git2::{MergeFileInput, MergeFileOptions};

/// The result of merging one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Both sides' changes applied.
    Clean(Vec<u8>),
    /// The text with conflict markers around the overlapping changes.
    Conflict(Vec<u8>),
    /// A side is binary, so there is no text to merge or mark.
    Binary,
}

/// How much of a file libgit2 scans for a NUL byte to call it binary
/// (`GIT_MERGE_FILE_BINARY_SIZE` in libgit2 1.9).
const BINARY_SCAN_BYTES: usize = 8000;

/// Largest input libgit2's xdiff merges (`GIT_XDIFF_MAX_SIZE`, 1 GiB);
/// anything larger it treats as binary.
const MAX_TEXT_BYTES: usize = 1024 * 1024 * 1024;

/// Returns true when libgit2 would merge `bytes` as a binary file.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.len() > MAX_TEXT_BYTES || bytes[..bytes.len().min(BINARY_SCAN_BYTES)].contains(&0)
}

/// Conflict marker labels and style.
#[derive(Debug, Clone)]
pub struct Labels {
    /// `merge`, `diff3` or `zdiff3`, as git's `merge.conflictStyle`.
    pub style: String,
    /// Label of the user's side.
    pub ours: String,
    /// Label of the new render.
    pub theirs: String,
}

/// Merges `ours` and `theirs` from `base` (all LF text). With no base, the
/// merge is git's add/add case: every difference conflicts.
pub fn merge(
    path: &str,
    base: Option<&[u8]>,
    ours: &[u8],
    theirs: &[u8],
    labels: &Labels,
) -> Result<Merged, git2::Error> {
    // NOTE: git2 0.21's `merge_file` does not initialise libgit2, unlike
    // its other entry points, and fails with "no error" when nothing else
    // has (an update outside any repository). `Oid::from_bytes` does it.
    let _ = git2::Oid::from_bytes(&[0; 20]);
    // For a binary input libgit2 returns no content at all (a null pointer),
    // which git2 0.21's `MergeFileResult::content` turns into a slice from
    // null: undefined behaviour, an abort in debug builds. So binary files
    // never reach it.
    if [base.unwrap_or_default(), ours, theirs]
        .iter()
        .any(|bytes| is_binary(bytes))
    {
        return Ok(Merged::Binary);
    }
    let mut ancestor = MergeFileInput::new();
    ancestor.path(path);
    if let Some(base) = base {
        ancestor.content(base);
    }
    let mut our_input = MergeFileInput::new();
    our_input.path(path).content(ours);
    let mut their_input = MergeFileInput::new();
    their_input.path(path).content(theirs);

    let mut options = MergeFileOptions::new();
    options
        .ancestor_label("base (pristine render)")
        .our_label(&labels.ours)
        .their_label(&labels.theirs);
    match labels.style.as_str() {
        "diff3" => {
            options.style_diff3(true);
        }
        "zdiff3" => {
            options.style_zdiff3(true);
        }
        _ => {}
    }
    let result = git2::merge_file(&ancestor, &our_input, &their_input, Some(&mut options))?;
    let content = result.content().to_vec();
    Ok(if result.is_automergeable() {
        Merged::Clean(content)
    } else {
        Merged::Conflict(content)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            style: "merge".to_string(),
            ours: "HEAD".to_string(),
            theirs: "gatekit".to_string(),
        }
    }

    #[test]
    fn separate_edits_merge_cleanly() {
        let base = b"a: 1\nb: 2\nc: 3\nd: 4\n";
        let ours = b"a: 10\nb: 2\nc: 3\nd: 4\n";
        let theirs = b"a: 1\nb: 2\nc: 3\nd: 40\n";
        let merged = merge("f.yaml", Some(base), ours, theirs, &labels()).unwrap();
        assert_eq!(
            merged,
            Merged::Clean(b"a: 10\nb: 2\nc: 3\nd: 40\n".to_vec())
        );
    }

    #[test]
    fn binary_side_never_merged() {
        let base = b"a: 1\n";
        let ours = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let theirs = b"a: 2\n";
        let merged = merge("f.yaml", Some(base), ours, theirs, &labels()).unwrap();
        assert_eq!(merged, Merged::Binary);
        let merged = merge("f.yaml", None, theirs, ours, &labels()).unwrap();
        assert_eq!(merged, Merged::Binary);
    }

    #[test]
    fn same_line_conflicts_with_markers() {
        let base = b"a: 1\n";
        let ours = b"a: 2\n";
        let theirs = b"a: 3\n";
        let Merged::Conflict(text) = merge("f.yaml", Some(base), ours, theirs, &labels()).unwrap()
        else {
            panic!("expected a conflict");
        };
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text, "<<<<<<< HEAD\na: 2\n=======\na: 3\n>>>>>>> gatekit\n");
    }
}
