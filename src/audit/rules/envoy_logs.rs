//! Envoy: access logs, CORS and the Server header.

use super::envoy_auth::each_envoy;
use super::{Rule, Target, finding};
use crate::audit::document::{Document, Workspace};
use crate::audit::parsers::envoy::{self, at, list, visit};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

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

pub(super) fn no_access_log(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn log_credentials(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            for log in list(hcm.config.get("access_log")) {
                check_log_node(document, log, out);
            }
        }
    }
}

pub(super) fn check_log_node(document: &Document, log: &Node, out: &mut Vec<Finding>) {
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

pub(super) fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn matches_star(matcher: &Node) -> bool {
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

pub(super) fn server_header(workspace: &Workspace, out: &mut Vec<Finding>) {
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
    &NO_ACCESS_LOG,
    &LOG_CREDENTIALS,
    &CORS_WILDCARD,
    &SERVER_HEADER,
];
