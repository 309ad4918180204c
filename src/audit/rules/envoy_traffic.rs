//! Envoy: limits, TLS, logging and CORS.

use super::envoy_access::each_envoy;
use super::kong_settings::weak_ciphers;
use super::{Rule, Target, finding};
use crate::audit::document::{Document, Workspace};
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

fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn local_ratelimit_not_enforced(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn ratelimit_fail_open(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn verifies(config: &Node) -> bool {
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

pub static NO_ACCESS_LOG: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-no-access-log",
        title: "Envoy connection manager writes no access log",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "Without `access_log` on the connection manager there is no record of who \
            called which route, so abuse and incidents cannot be investigated.",
        fix: "Add an `access_log` entry (`envoy.access_loggers.file` or `stdout`) with a JSON \
            format that records the client address, route, status and duration.",
    },
    target: Target::Envoy,
    check: no_access_log,
};

fn no_access_log(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            if !list(hcm.config.get("access_log")).is_empty() {
                continue;
            }
            out.push(
                finding(
                    &NO_ACCESS_LOG,
                    document,
                    hcm.config.pos,
                    "no `access_log` on this connection manager",
                )
                .context(format!("hcm {}", hcm.config.pos.line))
                .build(),
            );
        }
    }
}

/// Request headers that carry credentials.
pub const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "apikey",
    "x-auth-token",
];

pub static LOG_CREDENTIALS: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-log-credentials",
        title: "Envoy access log records credentials",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "A log format with `%REQ(AUTHORIZATION)%`, cookies or API key headers copies \
            live credentials into log storage, where more people and systems can read them.",
        fix: "Remove credential headers from the access log format; log a request ID or the \
            authenticated principal instead.",
    },
    target: Target::Envoy,
    check: log_credentials,
};

fn log_credentials(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            for log in list(hcm.config.get("access_log")) {
                check_log_node(document, log, out);
            }
        }
    }
}

fn check_log_node(document: &Document, log: &Node, out: &mut Vec<Finding>) {
    visit(log, &mut |node| {
        let Some(text) = node.as_scalar() else {
            return;
        };
        let lower = text.to_ascii_lowercase();
        for header in CREDENTIAL_HEADERS {
            let needle = format!("%req({header})%");
            if lower.contains(&needle)
                || lower.contains(&format!("%req({header}?"))
                || lower.contains(&format!("?{header})%"))
            {
                let message = format!("the access log records the `{header}` header");
                out.push(
                    finding(&LOG_CREDENTIALS, document, node.pos, message)
                        .value(format!("%REQ({})%", header.to_ascii_uppercase()))
                        .context(format!("{header} {}", node.pos.line))
                        .build(),
                );
            }
        }
    });
}

pub static CORS_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-cors-wildcard",
        title: "Envoy CORS policy allows any origin",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CORS-01",
        owasp: Owasp::Api8,
        rationale: "Envoy allows every origin when an `allow_origin_string_match` entry matches \
            the string `*` (`exact: \"*\"`, `safe_regex: \\*` or `.*`, an empty prefix). With \
            `allow_credentials` any web site can call the API with the user's cookies.",
        fix: "List the exact origins (`exact: https://app.example.com`) and allow credentials only \
            for them.",
    },
    target: Target::Envoy,
    check: cors_wildcard,
};

fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        visit(root, &mut |node| {
            let Some(matchers) = node.get("allow_origin_string_match") else {
                return;
            };
            let Some(wild) = list(Some(matchers)).into_iter().find(|m| matches_star(m)) else {
                return;
            };
            let credentials = node.get("allow_credentials").and_then(Node::as_bool) == Some(true);
            let severity = if credentials {
                Severity::High
            } else {
                Severity::Medium
            };
            let message = if credentials {
                "CORS allows any origin with credentials"
            } else {
                "CORS allows any origin"
            };
            out.push(
                finding(&CORS_WILDCARD, document, wild.pos, message)
                    .severity(severity)
                    .context(format!("cors {}", wild.pos.line))
                    .build(),
            );
        });
    }
}

fn matches_star(matcher: &Node) -> bool {
    let get = |k: &str| matcher.get(k).and_then(Node::as_str);
    get("exact") == Some("*")
        || matches!(get("prefix"), Some("" | "*"))
        || matches!(
            at(matcher, "safe_regex.regex").and_then(Node::as_str),
            Some("\\*" | ".*" | "*" | ".+")
        )
}

pub static SERVER_HEADER: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-server-header",
        title: "Envoy announces itself in the Server header",
        severity: Severity::Low,
        confidence: Confidence::High,
        control: "GK-HDR-01",
        owasp: Owasp::Api8,
        rationale: "By default Envoy overwrites the `Server` header with `envoy`, telling \
            attackers which proxy to target.",
        fix: "Set `server_name` to a neutral value, or `server_header_transformation: \
            PASS_THROUGH` with the upstream's header stripped.",
    },
    target: Target::Envoy,
    check: server_header,
};

fn server_header(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let transformation = hcm
                .config
                .get("server_header_transformation")
                .and_then(Node::as_str)
                .unwrap_or("OVERWRITE");
            let name = hcm
                .config
                .get("server_name")
                .and_then(Node::as_str)
                .unwrap_or("envoy");
            if transformation != "OVERWRITE" || !name.to_ascii_lowercase().contains("envoy") {
                continue;
            }
            out.push(
                finding(
                    &SERVER_HEADER,
                    document,
                    hcm.config.pos,
                    format!("responses carry `Server: {name}`"),
                )
                .context(format!("hcm {}", hcm.config.pos.line))
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &NO_RATE_LIMIT,
    &LOCAL_RATELIMIT_NOT_ENFORCED,
    &RATELIMIT_FAIL_OPEN,
    &WEAK_TLS,
    &UPSTREAM_TLS_UNVERIFIED,
    &NO_ACCESS_LOG,
    &LOG_CREDENTIALS,
    &CORS_WILDCARD,
    &SERVER_HEADER,
];
