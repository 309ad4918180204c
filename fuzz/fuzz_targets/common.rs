//! Checks shared by the audit fuzz targets.

use std::path::Path;

use gatekit::audit;

/// Audits `data` as a file named `name` in a folder that does not exist, so
/// NGINX `include` directives find nothing to read, then checks what any
/// audit must guarantee: findings point inside the file and never show a
/// secret in full.
pub fn audit_bytes(name: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let disk_path = Path::new("/nonexistent-gatekit-fuzz").join(name);
    let lines = text.split('\n').count();
    let outcome = audit::audit_text(name, text.to_string(), &disk_path);
    for finding in &outcome.findings {
        if finding.location.uri != name {
            continue;
        }
        if let Some(line) = finding.location.line {
            assert!(
                line <= lines,
                "{} points at line {line} of a {lines}-line file",
                finding.rule_id
            );
        }
        if let (Some(secret), Some(snippet)) = (&finding.secret, &finding.snippet) {
            // `redact` keeps the first four characters of a value of 12 or
            // more, so only longer secrets can be told apart from the mask.
            if secret.chars().count() >= 12 && !secret.contains('*') {
                assert!(
                    !snippet.contains(secret.as_str()),
                    "{} shows the secret in its snippet",
                    finding.rule_id
                );
            }
        }
    }
}
