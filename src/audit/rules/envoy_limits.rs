//! Envoy: rate limits and TLS versions, downstream and upstream.

use super::envoy_auth::each_envoy;
use super::weak_ciphers;
use super::{Rule, Target, finding};
use crate::audit::document::Workspace;
use crate::audit::parsers::envoy::{self, at, filter_is, list, visit};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub static NO_RATE_LIMIT: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-no-rate-limit",
        title: "Envoy connection manager has no rate limit",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "Without `local_ratelimit` or the global `ratelimit` filter, one client can send \
            unlimited requests through the listener to every upstream.",
        fix: "Add `envoy.filters.http.local_ratelimit` (token bucket per Envoy process) or \
            `envoy.filters.http.ratelimit` (global, with a rate limit service) before the router.",
    },
    target: Target::Envoy,
    check: no_rate_limit,
};

pub(super) fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let filters = envoy::http_filters(&hcm);
            if filters.iter().any(|f| filter_is(f, "ratelimit")) {
                continue;
            }
            let pos = hcm
                .config
                .get("http_filters")
                .map_or(hcm.config.pos, |n| n.pos);
            out.push(
                finding(
                    &NO_RATE_LIMIT,
                    document,
                    pos,
                    "no `local_ratelimit` or `ratelimit` filter",
                )
                .context(format!("hcm {}", hcm.config.pos.line))
                .build(),
            );
        }
    }
}

pub static LOCAL_RATELIMIT_NOT_ENFORCED: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-local-ratelimit-not-enforced",
        title: "Envoy local rate limit is configured but not enforced",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "`local_ratelimit` applies its token bucket only to the share of requests in \
            `filter_enabled` and rejects only the share in `filter_enforced`; both default to 0%, \
            so a bucket without them limits nothing.",
        fix: "Set `filter_enabled` and `filter_enforced` with `default_value: {numerator: 100, \
            denominator: HUNDRED}` next to the `token_bucket`.",
    },
    target: Target::Envoy,
    check: local_ratelimit_not_enforced,
};

pub(super) fn local_ratelimit_not_enforced(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        visit(root, &mut |node| {
            let is_local = node
                .get("@type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.ends_with("local_ratelimit.v3.LocalRateLimit"));
            if !is_local || node.get("token_bucket").is_none() {
                return;
            }
            for key in ["filter_enabled", "filter_enforced"] {
                let share = at(node, &format!("{key}.default_value.numerator"))
                    .and_then(Node::as_i64)
                    .unwrap_or(0);
                if share == 0 {
                    let pos = node.get(key).map_or(node.pos, |n| n.pos);
                    out.push(
                        finding(
                            &LOCAL_RATELIMIT_NOT_ENFORCED,
                            document,
                            pos,
                            format!("`{key}` is 0% or missing, so the bucket never rejects"),
                        )
                        .context(format!("{key} {}", node.pos.line))
                        .build(),
                    );
                }
            }
        });
    }
}

pub static RATELIMIT_FAIL_OPEN: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-ratelimit-fail-open",
        title: "Envoy global rate limit fails open",
        severity: Severity::Low,
        confidence: Confidence::High,
        control: "GK-RATE-02",
        owasp: Owasp::Api4,
        rationale: "The `ratelimit` filter admits every request when the rate limit service is \
            down or slow unless `failure_mode_deny` is true, so an attacker who overloads that \
            service removes the limit.",
        fix: "Set `failure_mode_deny: true`, or pair the global limit with a `local_ratelimit` \
            bucket that still applies when the service fails.",
    },
    target: Target::Envoy,
    check: ratelimit_fail_open,
};

pub(super) fn ratelimit_fail_open(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let filters = envoy::http_filters(&hcm);
            let has_local = filters.iter().any(|f| filter_is(f, "local_ratelimit"));
            for filter in filters
                .iter()
                .filter(|f| filter_is(f, "ratelimit") && !filter_is(f, "local_ratelimit"))
            {
                let deny = at(filter, "typed_config.failure_mode_deny");
                if has_local || deny.and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                let pos = deny.map_or(filter.pos, |n| n.pos);
                out.push(
                    finding(
                        &RATELIMIT_FAIL_OPEN,
                        document,
                        pos,
                        "`ratelimit` admits all requests when the rate limit service fails",
                    )
                    .context(format!("ratelimit {}", filter.pos.line))
                    .build(),
                );
            }
        }
    }
}

pub static WEAK_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-weak-tls",
        title: "Envoy allows TLS below 1.2 or weak ciphers",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and weak cipher suites allow \
            downgrade and decryption attacks.",
        fix: "Set `tls_params.tls_minimum_protocol_version: TLSv1_2` and list only ECDHE AEAD \
            suites in `cipher_suites`.",
    },
    target: Target::Envoy,
    check: weak_tls,
};

pub(super) fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        visit(root, &mut |node| {
            let Some(params) = node.get("tls_params") else {
                return;
            };
            if let Some(min) = params.get("tls_minimum_protocol_version")
                && matches!(min.as_str(), Some("TLSv1_0" | "TLSv1_1"))
            {
                let value = min.as_str().unwrap_or("");
                out.push(
                    finding(
                        &WEAK_TLS,
                        document,
                        min.pos,
                        format!("minimum TLS version is {value}"),
                    )
                    .value(value)
                    .context(format!("min {}", min.pos.line))
                    .build(),
                );
            }
            let suites: Vec<String> = list(params.get("cipher_suites"))
                .iter()
                .filter_map(|n| n.as_str())
                .map(str::to_string)
                .collect();
            let weak = weak_ciphers(&suites.join(":"));
            if let (false, Some(node)) = (weak.is_empty(), params.get("cipher_suites")) {
                out.push(
                    finding(
                        &WEAK_TLS,
                        document,
                        node.pos,
                        format!("weak cipher suites: {}", weak.join(", ")),
                    )
                    .value(weak.join(":"))
                    .context(format!("ciphers {}", node.pos.line))
                    .build(),
                );
            }
        });
    }
}

pub static UPSTREAM_TLS_UNVERIFIED: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-upstream-tls-unverified",
        title: "Envoy does not verify an upstream's TLS certificate",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "An `UpstreamTlsContext` without a validation context encrypts traffic but \
            accepts any certificate, so anyone on the path can impersonate the upstream (or the \
            JWKS and authorization servers Envoy trusts).",
        fix: "Set `common_tls_context.validation_context.trusted_ca` (and \
            `match_typed_subject_alt_names`) and `sni` on the cluster's transport socket.",
    },
    target: Target::Envoy,
    check: upstream_tls_unverified,
};

pub(super) fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for cluster in envoy::clusters(root) {
            let Some(socket) = cluster.get("transport_socket") else {
                continue;
            };
            let Some(config) = socket.get("typed_config") else {
                continue;
            };
            let is_upstream = config
                .get("@type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.ends_with("UpstreamTlsContext"));
            if !is_upstream || verifies(config) {
                continue;
            }
            let name = cluster.get("name").and_then(Node::as_str).unwrap_or("");
            let message = format!("cluster `{name}` uses TLS without a validation context");
            out.push(
                finding(&UPSTREAM_TLS_UNVERIFIED, document, socket.pos, message)
                    .context(format!("cluster {name}"))
                    .build(),
            );
        }
    }
}

pub(super) fn verifies(config: &Node) -> bool {
    let common = config.get("common_tls_context");
    let validation = common.and_then(|c| c.get("validation_context"));
    let has_ca = validation.is_some_and(|v| {
        v.get("trusted_ca").is_some() || v.get("ca_certificate_provider_instance").is_some()
    });
    has_ca
        || common.is_some_and(|c| {
            c.get("validation_context_sds_secret_config").is_some()
                || c.get("combined_validation_context").is_some()
        })
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &NO_RATE_LIMIT,
    &LOCAL_RATELIMIT_NOT_ENFORCED,
    &RATELIMIT_FAIL_OPEN,
    &WEAK_TLS,
    &UPSTREAM_TLS_UNVERIFIED,
];
