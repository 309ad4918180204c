//! Checks on output paths, so a blueprint or an answer can never make
//! gatekit write outside the output folder.

/// Checks that `path` is a normalised relative path inside the output
/// folder, returning the reason when it is not.
pub fn check(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".to_string());
    }
    if path.len() > 1024 {
        return Err("the path is longer than 1024 bytes".to_string());
    }
    if path.starts_with('/') || path.contains('\\') || has_drive_prefix(path) {
        return Err(
            "the path is absolute; output paths must be relative to the output folder".to_string(),
        );
    }
    if let Some(c) = path.chars().find(|&c| {
        c.is_control()
            || c == ':'
            || c == '*'
            || c == '?'
            || c == '"'
            || c == '<'
            || c == '>'
            || c == '|'
    }) {
        return Err(format!("the path contains {:?}, which is not portable", c));
    }
    if let Some(c) = path.chars().find(|&c| is_invisible(c)) {
        return Err(format!(
            "the path contains the invisible character U+{:04X}, which some file systems ignore",
            c as u32
        ));
    }
    for (i, segment) in path.split('/').enumerate() {
        // macOS and Windows compare names without case, so `.GIT` is `.git`
        // there, and Windows also accepts the short name `git~1` for `.git`.
        let folded = segment.to_lowercase();
        match segment {
            "" => return Err("the path has an empty segment".to_string()),
            "." | ".." => return Err(format!("the path has a `{segment}` segment")),
            _ if folded == ".git" || folded == "git~1" => {
                return Err("the path writes into .git".to_string());
            }
            _ if i == 0 && folded == ".gatekit" => {
                return Err("the path is in .gatekit, which holds gatekit's own record".to_string());
            }
            s if s.len() > 255 => return Err("a path segment is longer than 255 bytes".to_string()),
            s if s.ends_with(' ') || s.ends_with('.') => {
                return Err(format!("the segment {s:?} ends with a space or a dot"));
            }
            s if is_reserved_on_windows(&folded) => {
                return Err(format!(
                    "the segment {s:?} is a device name on Windows and cannot be a file there"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Returns true for characters that render as nothing. macOS file systems
/// drop some of them when comparing names, so `.g\u{200c}it` is `.git`
/// there. The set is git's own list (zero-width and bidirectional format
/// characters, the byte order mark) plus the other default-ignorable ones.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Returns true for a lowercase segment that Windows reserves for a device,
/// with or without an extension (`con`, `nul.txt`, `com1`).
fn is_reserved_on_windows(folded: &str) -> bool {
    let stem = folded.split('.').next().unwrap_or_default();
    matches!(stem, "con" | "prn" | "aux" | "nul")
        || ["com", "lpt"].iter().any(|prefix| {
            stem.strip_prefix(prefix)
                .is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit() && n != "0")
        })
}

fn has_drive_prefix(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rejects_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/./b",
            "C:/x",
            "a\\b",
            ".git/config",
            ".GIT/hooks/pre-commit",
            "sub/.Git/x",
            "git~1/config",
            ".g\u{200c}it/config",
            ".gatekit/answers.yaml",
            ".Gatekit/incoming/x",
            "CON",
            "docs/nul.txt",
            "a/",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn accepts_normal_paths() {
        for good in [
            "README.md",
            ".github/workflows/gateway.yml",
            "terraform/live/staging/main.tf",
            "docs/.gatekit/x",
            "console.md",
            "com10.txt",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }
}
