//! Kong declarative configuration: rate limits, body limits and CORS.

use super::kong_auth::{each_kong, scope_key, terminated};
use super::{Rule, Target, finding};
use crate::audit::document::Workspace;
use crate::audit::parsers::kong::strings;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub(super) const RATE_PLUGINS: &[&str] = &[
    "rate-limiting",
    "rate-limiting-advanced",
    "graphql-rate-limiting-advanced",
];

pub static NO_RATE_LIMIT: Rule = Rule {
    meta: RuleMeta {
        id: "kong-no-rate-limit",
        title: "Kong route has no rate limit",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "Without a `rate-limiting` plugin on the route, its service or globally, one \
            client can send unlimited requests: credential stuffing, scraping and floods reach \
            the upstream unchecked.",
        fix: "Add `rate-limiting` (or `rate-limiting-advanced`) globally or on the service, keyed \
            on `consumer` or on `ip` with `trusted_ips` set to your load balancers.",
    },
    target: Target::Kong,
    check: no_rate_limit,
};

pub(super) fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for (index, route) in config.routes.iter().enumerate() {
            let limited = config
                .route_plugins(index)
                .any(|p| RATE_PLUGINS.contains(&p.name.as_str()));
            if limited || terminated(config, index) {
                continue;
            }
            let pos = route.node.get("name").map_or(route.node.pos, |n| n.pos);
            out.push(
                finding(
                    &NO_RATE_LIMIT,
                    document,
                    pos,
                    format!("route `{}` has no rate limit", route.name),
                )
                .context(format!("route {}", route.name))
                .build(),
            );
        }
    }
}

/// Headers that clients set freely; a limit keyed on them resets whenever
/// the client changes the value.
pub(super) const CLIENT_HEADERS: &[&str] = &[
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    "true-client-ip",
    "x-client-ip",
    "cf-connecting-ip",
];

pub static RATE_LIMIT_SPOOFABLE: Rule = Rule {
    meta: RuleMeta {
        id: "kong-rate-limit-spoofable-key",
        title: "Kong rate limit is keyed on a header the client controls",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-NET-01",
        owasp: Owasp::Api4,
        rationale: "With `limit_by: header`, each distinct header value gets its own counter. A \
            client that sends a new `X-Forwarded-For` (or any other header it controls) with each \
            request is never limited.",
        fix: "Key the limit on `consumer`, `credential` or `ip` (with `trusted_ips` and \
            `real_ip_header` set so Kong derives the address from trusted proxies only).",
    },
    target: Target::Kong,
    check: rate_limit_spoofable,
};

pub(super) fn rate_limit_spoofable(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for plugin in config
            .plugins
            .iter()
            .filter(|p| RATE_PLUGINS.contains(&p.name.as_str()))
        {
            let Some(limit_by) = plugin
                .config("limit_by")
                .or_else(|| plugin.config("identifier"))
            else {
                continue;
            };
            if limit_by.as_str() != Some("header") {
                continue;
            }
            let header = plugin
                .config("header_name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let severity = if CLIENT_HEADERS.contains(&header.as_str()) {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                finding(&RATE_LIMIT_SPOOFABLE, document, limit_by.pos, format!("`{}` counts requests per `{header}` header value, which the client chooses", plugin.name))
                    .severity(severity)
                    .value(header.clone())
                    .context(format!("{} {header}", plugin.name))
                    .build(),
            );
        }
    }
}

pub static NO_BODY_LIMIT: Rule = Rule {
    meta: RuleMeta {
        id: "kong-no-body-limit",
        title: "Kong route has no request body limit",
        severity: Severity::Low,
        confidence: Confidence::Low,
        control: "GK-RATE-03",
        owasp: Owasp::Api4,
        rationale: "Kong's own `client_max_body_size` default is unlimited (`0`) unless kong.conf \
            sets `nginx_http_client_max_body_size`; without `request-size-limiting`, one request \
            can make Kong buffer and forward a body of any size.",
        fix: "Add `request-size-limiting` with `allowed_payload_size` and `size_unit` sized for \
            the API, and `require_content_length: true`.",
    },
    target: Target::Kong,
    check: no_body_limit,
};

pub(super) fn no_body_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for (index, route) in config.routes.iter().enumerate() {
            if config
                .route_plugin(index, "request-size-limiting")
                .is_some()
                || terminated(config, index)
            {
                continue;
            }
            let pos = route.node.get("name").map_or(route.node.pos, |n| n.pos);
            out.push(
                finding(
                    &NO_BODY_LIMIT,
                    document,
                    pos,
                    format!(
                        "route `{}` has no `request-size-limiting` plugin",
                        route.name
                    ),
                )
                .context(format!("route {}", route.name))
                .build(),
            );
        }
    }
}

pub static CORS_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "kong-cors-wildcard",
        title: "Kong CORS plugin allows any origin",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CORS-01",
        owasp: Owasp::Api8,
        rationale: "The `cors` plugin allows every origin when `origins` is empty or holds `*`; \
            with `credentials: true` any web site a user visits can call the API with the \
            user's cookies and read the answers.",
        fix: "List the exact origins in `config.origins` and enable `credentials` only for them.",
    },
    target: Target::Kong,
    check: cors_wildcard,
};

pub(super) fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for plugin in config.plugins.iter().filter(|p| p.name == "cors") {
            let origins = strings(plugin.config("origins"));
            let any = origins.is_empty() || origins.iter().any(|o| o == "*" || o == ".*");
            if !any {
                continue;
            }
            let credentials = plugin
                .config("credentials")
                .and_then(Node::as_bool)
                .unwrap_or(false);
            let pos = plugin
                .config("origins")
                .map_or_else(|| plugin.pos(), |n| n.pos);
            let (severity, message) = if credentials {
                (
                    Severity::High,
                    "`cors` allows any origin and sends `Access-Control-Allow-Credentials: true`",
                )
            } else if origins.is_empty() {
                (
                    Severity::Medium,
                    "`cors` sets no `origins`, which allows every origin",
                )
            } else {
                (Severity::Medium, "`cors` allows every origin (`*`)")
            };
            out.push(
                finding(&CORS_WILDCARD, document, pos, message)
                    .severity(severity)
                    .context(scope_key(plugin))
                    .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &NO_RATE_LIMIT,
    &RATE_LIMIT_SPOOFABLE,
    &NO_BODY_LIMIT,
    &CORS_WILDCARD,
];
