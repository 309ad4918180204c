//! Kong declarative configuration: authentication, credentials, transport
//! and upstream TLS on each route and service.

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::kong::{AUTH_PLUGINS, KongConfig, Plugin, strings};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub(super) fn each_kong(workspace: &Workspace) -> impl Iterator<Item = (&Document, &KongConfig)> {
    workspace.each(|c| match c {
        Content::Kong(k) => Some(k),
        _ => None,
    })
}

/// True when a route responds to every request itself (`request-termination`)
/// and so never reaches an upstream.
pub(super) fn terminated(config: &KongConfig, route: usize) -> bool {
    config.route_plugin(route, "request-termination").is_some()
}

pub(super) fn scope_key(plugin: &Plugin) -> String {
    format!("{} {:?} {}", plugin.name, plugin.scope, plugin.pos().line)
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

pub(super) fn route_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn auth_anonymous(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn route_plaintext(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn credential_in_query(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn jwt_without_expiry(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
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

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ROUTE_WITHOUT_AUTH,
    &AUTH_ANONYMOUS,
    &ROUTE_PLAINTEXT,
    &CREDENTIAL_IN_QUERY,
    &JWT_WITHOUT_EXPIRY,
    &UPSTREAM_TLS_UNVERIFIED,
];
