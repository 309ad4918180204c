//! A file's text with a line index, so parsers that report byte offsets and
//! rules that report positions can share one notion of line and column.

use crate::yaml::Pos;

/// The text of one audited file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in findings: relative to the audited folder, `/`-separated.
    pub path: String,
    /// The file's text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Indexes `text` for line lookups.
    pub fn new(path: impl Into<String>, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// Converts a byte offset into a 1-based line and character column.
    pub fn pos_of(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[index];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos {
            line: index + 1,
            col: column + 1,
        }
    }

    /// Returns line `line` (1-based) without its line ending.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        self.text
            .get(start..end.max(start))
            .map(|s| s.trim_end_matches('\r'))
    }

    /// Returns the number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let file = SourceFile::new("f", "ab\ncdé\nx".to_string());
        assert_eq!(file.pos_of(0), Pos { line: 1, col: 1 });
        assert_eq!(file.pos_of(4), Pos { line: 2, col: 2 });
        assert_eq!(file.pos_of(8), Pos { line: 3, col: 1 });
        assert_eq!(file.line(2), Some("cdé"));
        assert_eq!(file.line(3), Some("x"));
        assert_eq!(file.line(4), None);
    }
}
