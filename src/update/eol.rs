//! Line endings. A render always uses LF, while a work tree may use CRLF
//! (`core.autocrlf=true`, or an editor's setting). `update` compares and
//! merges in LF and writes each file back in the style it had, so that a
//! one-line change stays a one-line diff and no file ends up with mixed
//! endings.

/// A file's line-ending style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eol {
    /// `\n`.
    Lf,
    /// `\r\n`.
    Crlf,
}

/// Returns `Crlf` when `bytes` has line breaks and every one is CRLF;
/// anything else, mixed endings included, is `Lf` and is left unconverted.
pub fn style(bytes: &[u8]) -> Eol {
    let mut breaks = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if *byte == b'\n' {
            if i == 0 || bytes[i - 1] != b'\r' {
                return Eol::Lf;
            }
            breaks += 1;
        }
    }
    if breaks > 0 { Eol::Crlf } else { Eol::Lf }
}

/// Converts a CRLF file to LF; returns any other file unchanged.
pub fn to_lf(bytes: &[u8]) -> Vec<u8> {
    if style(bytes) == Eol::Lf {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (i, byte) in bytes.iter().enumerate() {
        let before_lf = *byte == b'\r' && bytes.get(i + 1) == Some(&b'\n');
        if !before_lf {
            out.push(*byte);
        }
    }
    out
}

/// Writes LF text in `eol` style.
pub fn to_style(lf: &[u8], eol: Eol) -> Vec<u8> {
    if eol == Eol::Lf {
        return lf.to_vec();
    }
    let mut out = Vec::with_capacity(lf.len() + lf.len() / 32);
    for (i, byte) in lf.iter().enumerate() {
        if *byte == b'\n' && (i == 0 || lf[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_needs_every_break_crlf() {
        assert_eq!(style(b"a\r\nb\r\n"), Eol::Crlf);
        assert_eq!(style(b"a\nb\n"), Eol::Lf);
        assert_eq!(style(b"a\r\nb\n"), Eol::Lf);
        assert_eq!(style(b"no break"), Eol::Lf);
        assert_eq!(style(b""), Eol::Lf);
    }

    #[test]
    fn round_trip_keeps_bytes() {
        let crlf = b"key: 1\r\nother: 2\r\n";
        let lf = to_lf(crlf);
        assert_eq!(lf, b"key: 1\nother: 2\n");
        assert_eq!(to_style(&lf, Eol::Crlf), crlf);
    }

    #[test]
    fn mixed_file_left_alone() {
        let mixed = b"a\r\nb\n";
        assert_eq!(to_lf(mixed), mixed);
    }
}
