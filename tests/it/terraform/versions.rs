//! Version constraints as Terraform writes them (`~> 6.0`, `>= 1.9, < 2.0`),
//! reduced to the bounds the pin checks need.

use std::fmt;

/// A release version; missing segments are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `6`, `6.1` or `6.1.2`; pre-release suffixes are rejected.
    pub fn parse(text: &str) -> Option<Version> {
        let segments: Vec<u64> = text
            .trim()
            .split('.')
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        if segments.is_empty() || segments.len() > 3 {
            return None;
        }
        let at = |i: usize| segments.get(i).copied().unwrap_or(0);
        Some(Version {
            major: at(0),
            minor: at(1),
            patch: at(2),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The lowest and the exclusive highest version a constraint allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub lower: Option<Version>,
    /// Exclusive; `None` when nothing caps the constraint.
    pub upper: Option<Version>,
}

impl Bounds {
    /// True when the next major release is excluded, so an upgrade with
    /// breaking changes needs an edit.
    pub fn excludes_next_major(&self) -> bool {
        match (self.lower, self.upper) {
            (Some(lower), Some(upper)) => {
                upper
                    <= Version {
                        major: lower.major + 1,
                        minor: 0,
                        patch: 0,
                    }
            }
            _ => false,
        }
    }
}

/// Parses a comma-separated constraint, returning `None` when a part is
/// not `[op] version`.
pub fn bounds(constraint: &str) -> Option<Bounds> {
    let mut out = Bounds {
        lower: None,
        upper: None,
    };
    for part in constraint.split(',') {
        let (op, version) = split_operator(part.trim())?;
        let segments = version.trim().split('.').count();
        let version = Version::parse(version)?;
        let (lower, upper) = match op {
            "" | "=" => (Some(version), Some(next_patch(version))),
            ">=" | ">" => (Some(version), None),
            "<" => (None, Some(version)),
            "<=" => (None, Some(next_patch(version))),
            "~>" => (Some(version), pessimistic_upper(version, segments)),
            "!=" => (None, None),
            _ => return None,
        };
        out.lower = out.lower.max(lower);
        out.upper = match (out.upper, upper) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Some(out)
}

fn split_operator(part: &str) -> Option<(&str, &str)> {
    let end = part.find(|c: char| c.is_ascii_digit())?;
    Some((part[..end].trim(), &part[end..]))
}

fn next_patch(v: Version) -> Version {
    Version {
        patch: v.patch + 1,
        ..v
    }
}

/// `~> 6.1` allows up to 7.0 and `~> 6.1.2` up to 6.2; `~> 6` has no cap.
fn pessimistic_upper(v: Version, segments: usize) -> Option<Version> {
    match segments {
        2 => Some(Version {
            major: v.major + 1,
            minor: 0,
            patch: 0,
        }),
        3 => Some(Version {
            major: v.major,
            minor: v.minor + 1,
            patch: 0,
        }),
        _ => None,
    }
}

mod tests {
    use super::*;

    fn v(text: &str) -> Option<Version> {
        Version::parse(text)
    }

    #[test]
    fn pessimistic_constraints() {
        let b = bounds("~> 6.2").unwrap();
        assert_eq!(b.lower, v("6.2.0"));
        assert_eq!(b.upper, v("7.0.0"));
        assert!(b.excludes_next_major());
        assert_eq!(bounds("~> 6.2.1").unwrap().upper, v("6.3.0"));
        assert!(!bounds("~> 6").unwrap().excludes_next_major());
    }

    #[test]
    fn ranges_and_exact_versions() {
        let b = bounds(">= 1.9.0, < 2.0.0").unwrap();
        assert_eq!(b.lower, v("1.9.0"));
        assert!(b.excludes_next_major());
        assert!(!bounds(">= 6.0").unwrap().excludes_next_major());
        assert!(bounds("= 6.3.0").unwrap().excludes_next_major());
        assert!(bounds("6.3.0").unwrap().excludes_next_major());
        assert!(!bounds(">= 6.0, < 8.0").unwrap().excludes_next_major());
    }

    #[test]
    fn invalid_constraints() {
        assert_eq!(bounds("latest"), None);
        assert_eq!(bounds(">= 6.0-beta"), None);
        assert_eq!(bounds(""), None);
    }
}
