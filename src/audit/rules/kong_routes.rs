//! Kong declarative configuration: authentication, transport, rate and
//! size limits, CORS and credentials on each route.

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::kong::{AUTH_PLUGINS, KongConfig, Plugin, strings};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

fn each_kong(workspace: &Workspace) -> impl Iterator<Item = (&Document, &KongConfig)> {
    workspace.each(|c| match c {
        Content::Kong(k) => Some(k),
        _ => None,
    })
}

/// True when a route answers every request itself (`request-termination`)
/// and so never reaches an upstream.
fn terminated(config: &KongConfig, route: usize) -> bool {
    config.route_plugin(route, "request-termination").is_some()
}

pub static ROUTE_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "kong-route-without-auth",
        title: "Kong route has no authentication plugin",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "Kong forwards requests on a route without an authentication plugin (on the \
            route, its service or globally) to the upstream without checking who sends them.",
        fix: "Add an authentication plugin (`jwt`, `key-auth`, `openid-connect`, `oauth2-introspection`, \
            `mtls-auth`) to the route or its service, or suppress the finding with the reason the \
            route is public.",
    },
    target: Target::Kong,
    check: route_without_auth,
};

fn route_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for (index, route) in config.routes.iter().enumerate() {
            let has_auth = config
                .route_plugins(index)
                .any(|p| AUTH_PLUGINS.contains(&p.name.as_str()));
            if has_auth || terminated(config, index) {
                continue;
            }
            let pos = route.node.get("name").map_or(route.node.pos, |n| n.pos);
            out.push(
                finding(
                    &ROUTE_WITHOUT_AUTH,
                    document,
                    pos,
                    format!(
                        "route `{}` accepts requests without credentials",
                        route.name
                    ),
                )
                .context(format!("route {}", route.name))
                .build(),
            );
        }
    }
}

pub static AUTH_ANONYMOUS: Rule = Rule {
    meta: RuleMeta {
        id: "kong-auth-anonymous-fallback",
        title: "Kong authentication plugin lets failed requests through as anonymous",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "With `config.anonymous` set, a request without valid credentials is not \
            rejected but proxied as the anonymous consumer, so the route is public unless a later \
            plugin (such as `acl`) rejects that consumer.",
        fix: "Remove `anonymous`, or pair it with an `acl` plugin that denies the anonymous \
            consumer on every route that must be private.",
    },
    target: Target::Kong,
    check: auth_anonymous,
};

fn auth_anonymous(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        let has_acl = config.plugins.iter().any(|p| p.name == "acl");
        for plugin in config
            .plugins
            .iter()
            .filter(|p| AUTH_PLUGINS.contains(&p.name.as_str()))
        {
            let Some(anonymous) = plugin.config("anonymous").filter(|n| !n.is_null()) else {
                continue;
            };
            if has_acl || anonymous.as_scalar().is_some_and(str::is_empty) {
                continue;
            }
            out.push(
                finding(
                    &AUTH_ANONYMOUS,
                    document,
                    anonymous.pos,
                    format!(
                        "`{}` accepts unauthenticated requests as an anonymous consumer",
                        plugin.name
                    ),
                )
                .value(anonymous.as_scalar().unwrap_or(""))
                .context(format!("{} anonymous", plugin.name))
                .build(),
            );
        }
    }
}

pub static ROUTE_PLAINTEXT: Rule = Rule {
    meta: RuleMeta {
        id: "kong-route-plaintext",
        title: "Kong route accepts plain HTTP",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TLS-02",
        owasp: Owasp::Api8,
        rationale: "A route whose `protocols` include `http` (the default is `[http, https]`) serves \
            requests in plain text, so credentials and data cross the network readable and \
            modifiable.",
        fix: "Set `protocols: [https]` on the route; Kong then answers plain HTTP with 426, or \
            with a redirect when `https_redirect_status_code` is 301, 302, 307 or 308.",
    },
    target: Target::Kong,
    check: route_plaintext,
};

fn route_plaintext(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for (index, route) in config.routes.iter().enumerate() {
            let protocols = route.node.get("protocols");
            let list = strings(protocols);
            let plaintext = match protocols {
                None => true,
                Some(_) => list.iter().any(|p| p == "http" || p == "grpc"),
            };
            if !plaintext || terminated(config, index) {
                continue;
            }
            let pos = protocols.map_or_else(
                || route.node.get("name").map_or(route.node.pos, |n| n.pos),
                |n| n.pos,
            );
            let message = match protocols {
                None => format!(
                    "route `{}` sets no `protocols`, so it accepts the default `http` as well as `https`",
                    route.name
                ),
                Some(_) => format!("route `{}` accepts plain `http`", route.name),
            };
            out.push(
                finding(&ROUTE_PLAINTEXT, document, pos, message)
                    .context(format!("route {}", route.name))
                    .build(),
            );
        }
    }
}

const RATE_PLUGINS: &[&str] = &[
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

fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
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
const CLIENT_HEADERS: &[&str] = &[
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

fn rate_limit_spoofable(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn no_body_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn scope_key(plugin: &Plugin) -> String {
    format!("{} {:?} {}", plugin.name, plugin.scope, plugin.pos().line)
}

pub static CREDENTIAL_IN_QUERY: Rule = Rule {
    meta: RuleMeta {
        id: "kong-credential-in-query",
        title: "Kong accepts credentials in the query string",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TOKEN-02",
        owasp: Owasp::Api2,
        rationale: "`key-auth` reads keys from the query string unless `key_in_query: false`, and \
            `jwt` reads tokens from the `jwt` query parameter unless `uri_param_names` is empty. \
            URLs end up in access logs, browser history and proxies, so the credential leaks.",
        fix: "Set `key_in_query: false` (and `key_in_body: false`) on `key-auth`, and \
            `uri_param_names: []` on `jwt`.",
    },
    target: Target::Kong,
    check: credential_in_query,
};

fn credential_in_query(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for plugin in &config.plugins {
            let (key, accepts) = match plugin.name.as_str() {
                "key-auth" | "key-auth-enc" => {
                    let node = plugin.config("key_in_query");
                    ("key_in_query", node.and_then(Node::as_bool).unwrap_or(true))
                }
                "jwt" => {
                    let node = plugin.config("uri_param_names");
                    (
                        "uri_param_names",
                        node.is_none() || !strings(node).is_empty(),
                    )
                }
                _ => continue,
            };
            if !accepts {
                continue;
            }
            let pos = plugin.config(key).map_or_else(|| plugin.pos(), |n| n.pos);
            let message = format!(
                "`{}` accepts credentials from the query string (`{key}`)",
                plugin.name
            );
            out.push(
                finding(&CREDENTIAL_IN_QUERY, document, pos, message)
                    .context(scope_key(plugin))
                    .build(),
            );
        }
    }
}

pub static UPSTREAM_TLS_UNVERIFIED: Rule = Rule {
    meta: RuleMeta {
        id: "kong-upstream-tls-unverified",
        title: "Kong does not verify the upstream's TLS certificate",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "A service with an `https`, `tls`, `grpcs` or `wss` upstream encrypts traffic but \
            does not check the certificate unless `tls_verify: true` (or kong.conf's \
            `proxy_server_ssl_verify`); anyone on the path can impersonate the upstream.",
        fix: "Set `tls_verify: true` and `ca_certificates` on the service, or \
            `proxy_server_ssl_verify = on` with `lua_ssl_trusted_certificate` in kong.conf.",
    },
    target: Target::Kong,
    check: upstream_tls_unverified,
};

fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for service in &config.services {
            let node = &service.node;
            let url = node.get("url").and_then(Node::as_str).unwrap_or("");
            let protocol = node.get("protocol").and_then(Node::as_str).unwrap_or("");
            let scheme = url.split_once("://").map_or(protocol, |(s, _)| s);
            if !matches!(scheme, "https" | "tls" | "grpcs" | "wss") {
                continue;
            }
            let verify = node.get("tls_verify");
            if verify.and_then(Node::as_bool) == Some(true) {
                continue;
            }
            let pos = verify
                .or_else(|| node.get("url"))
                .or_else(|| node.get("protocol"))
                .map_or(node.pos, |n| n.pos);
            let message = match verify {
                Some(_) => format!("service `{}` turns `tls_verify` off", service.name),
                None => format!(
                    "service `{}` connects over {scheme} without `tls_verify: true`",
                    service.name
                ),
            };
            out.push(
                finding(&UPSTREAM_TLS_UNVERIFIED, document, pos, message)
                    .context(format!("service {}", service.name))
                    .build(),
            );
        }
    }
}

pub static JWT_WITHOUT_EXPIRY: Rule = Rule {
    meta: RuleMeta {
        id: "kong-jwt-without-expiry",
        title: "Kong `jwt` plugin does not check token expiry",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TOKEN-01",
        owasp: Owasp::Api2,
        rationale: "The `jwt` plugin verifies `exp` only when `claims_to_verify` lists it, so a \
            stolen or leaked token stays valid forever.",
        fix: "Set `claims_to_verify: [exp]` and `maximum_expiration` to the longest lifetime you \
            accept.",
    },
    target: Target::Kong,
    check: jwt_without_expiry,
};

fn jwt_without_expiry(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, config) in each_kong(workspace) {
        for plugin in config.plugins.iter().filter(|p| p.name == "jwt") {
            let claims = strings(plugin.config("claims_to_verify"));
            if claims.iter().any(|c| c == "exp") {
                continue;
            }
            let pos = plugin
                .config("claims_to_verify")
                .map_or_else(|| plugin.pos(), |n| n.pos);
            out.push(
                finding(
                    &JWT_WITHOUT_EXPIRY,
                    document,
                    pos,
                    "`jwt` accepts tokens without checking `exp`",
                )
                .context(scope_key(plugin))
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ROUTE_WITHOUT_AUTH,
    &AUTH_ANONYMOUS,
    &ROUTE_PLAINTEXT,
    &NO_RATE_LIMIT,
    &RATE_LIMIT_SPOOFABLE,
    &NO_BODY_LIMIT,
    &CORS_WILDCARD,
    &CREDENTIAL_IN_QUERY,
    &UPSTREAM_TLS_UNVERIFIED,
    &JWT_WITHOUT_EXPIRY,
];
