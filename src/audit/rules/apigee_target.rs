//! Apigee proxy bundles: the target endpoint's connection.

use super::apigee_proxy::bundles;
use super::{Rule, Target, finding};
use crate::audit::document::Workspace;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

pub static TARGET_TLS_UNVERIFIED: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-target-tls-unverified",
        title: "Apigee does not verify the target's TLS certificate",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "Apigee validates a target's certificate only against a `TrustStore` in \
            `SSLInfo` (and with `Enforce` on Apigee X); without one, or with \
            `IgnoreValidationErrors`, anyone on the path can impersonate the target.",
        fix: "Add `SSLInfo` with `Enabled`, `Enforce`, a `TrustStore` reference and \
            `IgnoreValidationErrors` false to `HTTPTargetConnection`.",
    },
    target: Target::Apigee,
    check: target_tls_unverified,
};

pub(super) fn target_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, target) in &bundle.targets {
            let Some(connection) = target.child("HTTPTargetConnection") else {
                continue;
            };
            let url = connection.child("URL").map_or("", |u| u.text.as_str());
            let ssl = connection.child("SSLInfo");
            let enabled = ssl
                .and_then(|s| s.child("Enabled"))
                .is_some_and(|e| e.text == "true");
            if !url.starts_with("https://") && !enabled {
                continue;
            }
            let ignore = ssl
                .and_then(|s| s.child("IgnoreValidationErrors"))
                .filter(|e| e.text == "true");
            let trust = ssl
                .and_then(|s| s.child("TrustStore"))
                .is_some_and(|t| !t.text.is_empty());
            let (pos, message) = match (ignore, trust) {
                (Some(flag), _) => (flag.pos, "`IgnoreValidationErrors` is true".to_string()),
                (None, false) => (
                    ssl.map_or(connection.pos, |s| s.pos),
                    format!(
                        "TLS to {} without a `TrustStore`",
                        if url.is_empty() { "the target" } else { url }
                    ),
                ),
                (None, true) => continue,
            };
            let name = target.attr("name").unwrap_or("default");
            out.push(
                finding(&TARGET_TLS_UNVERIFIED, document, pos, message)
                    .context(format!("target {name}"))
                    .build(),
            );
        }
    }
}

pub static TARGET_PLAINTEXT: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-target-plaintext",
        title: "Apigee calls its target over plain HTTP",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "A target URL with `http://` sends requests, including forwarded credentials, \
            unencrypted.",
        fix: "Use an `https://` target with `SSLInfo` and a `TrustStore`, or a TargetServer with \
            TLS.",
    },
    target: Target::Apigee,
    check: target_plaintext,
};

pub(super) fn target_plaintext(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, target) in &bundle.targets {
            let Some(url) = target
                .path(&["HTTPTargetConnection", "URL"])
                .filter(|u| u.text.starts_with("http://"))
            else {
                continue;
            };
            out.push(
                finding(
                    &TARGET_PLAINTEXT,
                    document,
                    url.pos,
                    format!("the target URL is {}", url.text),
                )
                .value(url.text.clone())
                .context("target url")
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &TARGET_TLS_UNVERIFIED,
    &TARGET_PLAINTEXT,
    &TERRAFORM_WITHOUT_CMEK,
];

pub static TERRAFORM_WITHOUT_CMEK: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-terraform-without-cmek",
        title: "Apigee organization or instance is not encrypted with a customer-managed key",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-05",
        owasp: Owasp::Api8,
        rationale: "Without `runtime_database_encryption_key_name` (organization) and \
            `disk_encryption_key_name` (instance), Apigee encrypts runtime data and disks with \
            Google-managed keys, so the team cannot revoke access to the data or prove key \
            rotation. Both are set at creation and cannot be added later.",
        fix: "Create Cloud KMS keys, grant the Apigee service identity \
            `roles/cloudkms.cryptoKeyEncrypterDecrypter`, and set both arguments.",
    },
    target: Target::Apigee,
    check: terraform_without_cmek,
};

fn terraform_without_cmek(workspace: &Workspace, out: &mut Vec<Finding>) {
    let checks = [
        (
            "google_apigee_organization",
            "runtime_database_encryption_key_name",
        ),
        ("google_apigee_instance", "disk_encryption_key_name"),
    ];
    for (kind, key) in checks {
        for (document, resource) in super::aws::resources(workspace, kind) {
            let hybrid = resource
                .body
                .get("runtime_type")
                .and_then(crate::audit::parsers::hcl::literal)
                == Some("HYBRID");
            if resource.body.get(key).is_some() || hybrid {
                continue;
            }
            let message = format!("`{}` sets no `{key}`", resource.address());
            out.push(
                finding(&TERRAFORM_WITHOUT_CMEK, document, resource.pos, message)
                    .context(resource.address())
                    .build(),
            );
        }
    }
}
