//! Detection of values that look like credentials.
//!
//! Answers are committed to the generated repository, so a private key or a
//! token in an answer would leak. The patterns are the well-known prefixes
//! and shapes that secret scanners (gitleaks, GitHub secret scanning) use;
//! they aim at few false positives rather than at finding every secret.

use std::sync::LazyLock;

use regex::Regex;

/// A secret shape: a literal that every match contains, and the full
/// pattern. Compiling the patterns costs more than the rest of reading the
/// answers, so a pattern is compiled only once a value contains its literal.
struct Pattern {
    kind: &'static str,
    needles: &'static [&'static str],
    regex: LazyLock<Option<Regex>>,
}

macro_rules! pattern {
    ($kind:expr, [$($needle:expr),+], $regex:expr) => {
        Pattern {
            kind: $kind,
            needles: &[$($needle),+],
            regex: LazyLock::new(|| Regex::new($regex).ok()),
        }
    };
}

static PATTERNS: [Pattern; 9] = [
    pattern!(
        "a private key",
        ["-----BEGIN"],
        r"-----BEGIN[ A-Z0-9]*PRIVATE KEY"
    ),
    pattern!(
        "an AWS access key ID",
        ["AKIA", "ASIA", "ABIA", "ACCA"],
        r"\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"
    ),
    pattern!(
        "a GitHub token",
        ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}"
    ),
    pattern!("a GitLab token", ["glpat-"], r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    pattern!("a Slack token", ["xox"], r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    pattern!("a Google API key", ["AIza"], r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    pattern!(
        "a Stripe secret key",
        ["_live_"],
        r"\b(sk|rk)_live_[0-9A-Za-z]{16,}"
    ),
    pattern!(
        "a JSON Web Token",
        ["eyJ"],
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    ),
    pattern!(
        "a PEM certificate or key block",
        ["-----BEGIN "],
        r"-----BEGIN [A-Z ]+-----"
    ),
];

/// Returns what kind of secret `value` looks like, if any.
pub fn looks_like_secret(value: &str) -> Option<&'static str> {
    PATTERNS
        .iter()
        .filter(|pattern| pattern.needles.iter().any(|needle| value.contains(needle)))
        .find(|pattern| {
            pattern
                .regex
                .as_ref()
                .is_some_and(|regex| regex.is_match(value))
        })
        .map(|pattern| pattern.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_shapes_detected() {
        assert!(looks_like_secret("-----BEGIN RSA PRIVATE KEY-----").is_some());
        assert!(looks_like_secret("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(looks_like_secret("ghp_abcdefghijklmnopqrstuvwxyz0123456789").is_some());
        assert!(looks_like_secret("glpat-abcdefghij0123456789").is_some());
        assert!(
            looks_like_secret("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz")
                .is_some()
        );
    }

    #[test]
    fn every_pattern_compiles_and_finds_its_sample() {
        let samples = [
            "-----BEGIN EC PRIVATE KEY-----",
            "ASIAIOSFODNN7EXAMPLE",
            "github_pat_11ABCDEFG0123456789_abcdefghij",
            "glpat-abcdefghij0123456789",
            "xoxb-1234567890-abcdef",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "sk_live_0123456789abcdefgh",
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz",
            "-----BEGIN CERTIFICATE-----",
        ];
        for (pattern, sample) in PATTERNS.iter().zip(samples) {
            let regex = pattern.regex.as_ref().expect(pattern.kind);
            assert!(regex.is_match(sample), "{}: {sample}", pattern.kind);
            assert_eq!(looks_like_secret(sample), Some(pattern.kind), "{sample}");
        }
    }

    #[test]
    fn ordinary_values_pass() {
        for value in [
            "payments-gateway",
            "https://id.example.com/",
            "Platform team",
            "x-api-key",
        ] {
            assert_eq!(looks_like_secret(value), None, "{value}");
        }
    }
}
