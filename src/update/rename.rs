//! Detecting files the blueprint renamed: a path the base had and the new
//! render lacks, paired with a new path whose contents are similar, as git
//! detects renames.

use crate::tree::File;

/// Lowest share of matching lines for a rename, the same 50% git uses by
/// default (`diff.renames`, `-M50%`).
const MIN_SIMILARITY: f32 = 0.5;

/// Pairs removed paths with added ones, most similar first; each path is in
/// at most one pair.
pub fn pairs(removed: &[(&str, &File)], added: &[(&str, &File)]) -> Vec<(String, String)> {
    let mut scored = Vec::new();
    for (old_path, old) in removed {
        for (new_path, new) in added {
            let score = similarity(&old.bytes, &new.bytes);
            if score >= MIN_SIMILARITY {
                scored.push((score, *old_path, *new_path));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)).then(a.2.cmp(b.2)));
    let mut taken_old = Vec::new();
    let mut taken_new = Vec::new();
    let mut out = Vec::new();
    for (_, old_path, new_path) in scored {
        if taken_old.contains(&old_path) || taken_new.contains(&new_path) {
            continue;
        }
        taken_old.push(old_path);
        taken_new.push(new_path);
        out.push((old_path.to_string(), new_path.to_string()));
    }
    out
}

fn similarity(old: &[u8], new: &[u8]) -> f32 {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref()).ratio()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> File {
        File {
            bytes: text.as_bytes().to_vec(),
            executable: false,
        }
    }

    #[test]
    fn similar_files_pair() {
        let old = file("a\nb\nc\nd\n");
        let moved = file("a\nb\nc\ne\n");
        let other = file("x\ny\nz\n");
        let found = pairs(
            &[("old.yaml", &old)],
            &[("new.yaml", &moved), ("x.yaml", &other)],
        );
        assert_eq!(
            found,
            vec![("old.yaml".to_string(), "new.yaml".to_string())]
        );
    }

    #[test]
    fn unrelated_files_do_not_pair() {
        let old = file("a\nb\n");
        let other = file("x\ny\n");
        assert!(pairs(&[("old", &old)], &[("new", &other)]).is_empty());
    }
}
