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
    for segment in path.split('/') {
        match segment {
            "" => return Err("the path has an empty segment".to_string()),
            "." | ".." => return Err(format!("the path has a `{segment}` segment")),
            ".git" => return Err("the path writes into .git".to_string()),
            s if s.len() > 255 => return Err("a path segment is longer than 255 bytes".to_string()),
            s if s.ends_with(' ') || s.ends_with('.') => {
                return Err(format!("the segment {s:?} ends with a space or a dot"));
            }
            _ => {}
        }
    }
    Ok(())
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
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }
}
