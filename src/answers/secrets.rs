//! Detection of values that look like credentials.
//!
//! Answers are committed to the generated repository, so a private key or a
//! token in an answer would leak. The patterns are the well-known prefixes
//! and shapes that secret scanners (gitleaks, GitHub secret scanning) use;
//! they aim at few false positives rather than at finding every secret.

use std::sync::LazyLock;

use regex::Regex;

struct Pattern {
    kind: &'static str,
    regex: Regex,
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let table: &[(&str, &str)] = &[
        ("a private key", r"-----BEGIN[ A-Z0-9]*PRIVATE KEY"),
        (
            "an AWS access key ID",
            r"\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        ),
        (
            "a GitHub token",
            r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}",
        ),
        ("a GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        ("a Stripe secret key", r"\b(sk|rk)_live_[0-9A-Za-z]{16,}"),
        (
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        ),
        ("a PEM certificate or key block", r"-----BEGIN [A-Z ]+-----"),
    ];
    table
        .iter()
        .filter_map(|(kind, pattern)| {
            Regex::new(pattern)
                .ok()
                .map(|regex| Pattern { kind, regex })
        })
        .collect()
});

/// Returns what kind of secret `value` looks like, if any.
pub fn looks_like_secret(value: &str) -> Option<&'static str> {
    PATTERNS
        .iter()
        .find(|pattern| pattern.regex.is_match(value))
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
