//! Envoy: who may reach what. Admin interface, authentication filters,
//! listeners without TLS, path and header normalisation, CORS.

use super::{Rule, Target, finding, is_loopback};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::envoy::{self, Hcm, at, filter_is, list};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub(super) fn each_envoy(workspace: &Workspace) -> impl Iterator<Item = (&Document, &Node)> {
    workspace.each(|c| match c {
        Content::Envoy(root) => Some(root),
        _ => None,
    })
}

fn str_at<'a>(node: &'a Node, path: &str) -> Option<&'a str> {
    at(node, path).and_then(Node::as_str)
}

pub static ADMIN_PUBLIC: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-admin-public",
        title: "Envoy admin interface listens beyond loopback",
        severity: Severity::Critical,
        confidence: Confidence::High,
        control: "GK-ADMIN-01",
        owasp: Owasp::Api8,
        rationale: "Envoy's admin interface has no authentication and can shut the proxy down, \
            change log levels and dump configuration including certificates. Envoy's \
            documentation says to expose it only on a secure network.",
        fix: "Bind `admin.address.socket_address.address` to `127.0.0.1`, or use a Unix socket \
            (`admin.address.pipe.path`).",
    },
    target: Target::Envoy,
    check: admin_public,
};

fn admin_public(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        let Some(address) = at(root, "admin.address.socket_address.address") else {
            continue;
        };
        let host = address.as_scalar().unwrap_or("");
        if is_loopback(host) {
            continue;
        }
        let message = format!("the admin interface binds {host}");
        out.push(
            finding(&ADMIN_PUBLIC, document, address.pos, message)
                .value(host)
                .context("admin")
                .build(),
        );
    }
}

/// Filters that establish who the client is.
const AUTH_FILTERS: &[&str] = &[
    "jwt_authn",
    "ext_authz",
    "oauth2",
    "basic_auth",
    "api_key_auth",
];

/// True when a filter authenticates requests. `jwt_authn` verifies tokens
/// only where `rules` or a per-route `requirement_name` ask for it.
fn authenticates(filter: &Node) -> bool {
    if !AUTH_FILTERS.iter().any(|name| filter_is(filter, name)) {
        return false;
    }
    if filter_is(filter, "jwt_authn") {
        let config = filter.get("typed_config");
        return config
            .is_some_and(|c| c.get("rules").is_some() || c.get("requirement_map").is_some());
    }
    true
}

/// True when a route turns an authentication filter off for itself.
fn route_disables_auth(route: &Node) -> bool {
    route
        .get("typed_per_filter_config")
        .and_then(Node::as_map)
        .is_some_and(|configs| {
            configs.iter().any(|(name, config)| {
                let name = name.as_scalar().unwrap_or("");
                AUTH_FILTERS.iter().any(|f| name.contains(f))
                    && config.get("disabled").and_then(Node::as_bool) == Some(true)
            })
        })
}

/// True when a route never reaches an upstream (redirect or direct response).
fn answers_itself(route: &Node) -> bool {
    route.get("redirect").is_some() || route.get("direct_response").is_some()
}

pub static ROUTE_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-route-without-auth",
        title: "Envoy route is served without authentication",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "Envoy forwards requests without checking credentials unless an authentication \
            filter (`jwt_authn` with rules, `ext_authz`, `oauth2`) runs in the connection \
            manager and the route does not disable it.",
        fix: "Add `envoy.filters.http.jwt_authn` with `rules` (or `ext_authz`) before the router, \
            and do not set `disabled: true` for it in the route's `typed_per_filter_config` \
            unless the route is meant to be public.",
    },
    target: Target::Envoy,
    check: route_without_auth,
};

fn route_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let protected = envoy::http_filters(&hcm).iter().any(|f| authenticates(f));
            for_each_route(&hcm, &mut |vhost, route| {
                if answers_itself(route) || (protected && !route_disables_auth(route)) {
                    return;
                }
                let path = route_path(route);
                let pos = route.get("match").map_or(route.pos, |m| m.pos);
                let message = if protected {
                    format!("route `{path}` in virtual host `{vhost}` disables authentication")
                } else {
                    format!("route `{path}` in virtual host `{vhost}` has no authentication filter")
                };
                out.push(
                    finding(&ROUTE_WITHOUT_AUTH, document, pos, message)
                        .context(format!("{vhost} {path}"))
                        .build(),
                );
            });
        }
    }
}

/// Calls `visit` with each virtual host name and route.
pub(super) fn for_each_route<'a>(hcm: &Hcm<'a>, visit: &mut dyn FnMut(&str, &'a Node)) {
    for vhost in envoy::virtual_hosts(hcm) {
        let name = vhost.get("name").and_then(Node::as_str).unwrap_or("");
        for route in list(vhost.get("routes")) {
            visit(name, route);
        }
    }
}

/// Returns the route's path match as written.
pub(super) fn route_path(route: &Node) -> String {
    let m = route.get("match");
    let get = |k: &str| m.and_then(|m| m.get(k)).and_then(Node::as_str);
    get("prefix")
        .or_else(|| get("path"))
        .or_else(|| {
            m.and_then(|m| at(m, "safe_regex.regex"))
                .and_then(Node::as_str)
        })
        .or_else(|| get("path_separated_prefix"))
        .unwrap_or("")
        .to_string()
}

pub static EXT_AUTHZ_FAIL_OPEN: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-ext-authz-fail-open",
        title: "Envoy lets requests through when the authorization service fails",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "With `failure_mode_allow: true`, an `ext_authz` timeout or error admits the \
            request, so an attacker who can slow or break the authorization service gets in.",
        fix: "Leave `failure_mode_allow` false (the default) so failures are denied with 403.",
    },
    target: Target::Envoy,
    check: ext_authz_fail_open,
};

fn ext_authz_fail_open(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            for filter in envoy::http_filters(&hcm)
                .into_iter()
                .filter(|f| filter_is(f, "ext_authz"))
            {
                let Some(flag) = at(filter, "typed_config.failure_mode_allow") else {
                    continue;
                };
                if flag.as_bool() == Some(true) {
                    out.push(
                        finding(
                            &EXT_AUTHZ_FAIL_OPEN,
                            document,
                            flag.pos,
                            "`ext_authz` has `failure_mode_allow: true`",
                        )
                        .context(format!("ext_authz {}", flag.pos.line))
                        .build(),
                    );
                }
            }
        }
    }
}

pub static JWT_WITHOUT_AUDIENCE: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-jwt-without-audience",
        title: "Envoy JWT provider does not check the audience",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-AUTHN-02",
        owasp: Owasp::Api2,
        rationale: "A `jwt_authn` provider without `audiences` accepts any token the issuer signed, \
            including tokens minted for other APIs of the same identity provider.",
        fix: "List this API's audiences in `providers.<name>.audiences`.",
    },
    target: Target::Envoy,
    check: jwt_without_audience,
};

fn jwt_without_audience(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            for filter in envoy::http_filters(&hcm)
                .into_iter()
                .filter(|f| filter_is(f, "jwt_authn"))
            {
                let providers = at(filter, "typed_config.providers")
                    .and_then(Node::as_map)
                    .unwrap_or(&[]);
                for (name, provider) in providers {
                    if provider
                        .get("audiences")
                        .and_then(Node::as_seq)
                        .is_some_and(|a| !a.is_empty())
                    {
                        continue;
                    }
                    let name = name.as_scalar().unwrap_or("");
                    let message = format!("provider `{name}` accepts tokens for any audience");
                    out.push(
                        finding(&JWT_WITHOUT_AUDIENCE, document, provider.pos, message)
                            .context(format!("provider {name}"))
                            .build(),
                    );
                }
            }
        }
    }
}

pub static PLAINTEXT_LISTENER: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-plaintext-listener",
        title: "Envoy serves HTTP in plain text without redirecting",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-02",
        owasp: Owasp::Api8,
        rationale: "A listener on a non-loopback address whose filter chain has no TLS transport \
            socket serves requests in plain text; unless every virtual host requires TLS or \
            redirects, credentials and data cross the network readable.",
        fix: "Add a `DownstreamTlsContext` transport socket, or make the plain listener only \
            redirect (`require_tls: ALL` or `redirect.https_redirect: true` on every route).",
    },
    target: Target::Envoy,
    check: plaintext_listener,
};

fn plaintext_listener(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let address = at(hcm.listener, "address.socket_address.address");
            let host = address.and_then(Node::as_scalar).unwrap_or("");
            if envoy::chain_has_tls(hcm.chain) || is_loopback(host) || redirects_only(&hcm) {
                continue;
            }
            let port = str_at(hcm.listener, "address.socket_address.port_value").unwrap_or("");
            let pos = address.map_or(hcm.listener.pos, |a| a.pos);
            let message = format!("listener {host}:{port} serves HTTP without TLS");
            out.push(
                finding(&PLAINTEXT_LISTENER, document, pos, message)
                    .context(format!("listener {host}:{port} {}", hcm.config.pos.line))
                    .build(),
            );
        }
    }
}

fn redirects_only(hcm: &Hcm<'_>) -> bool {
    let hosts = envoy::virtual_hosts(hcm);
    !hosts.is_empty()
        && hosts.iter().all(|vhost| {
            vhost.get("require_tls").and_then(Node::as_str) == Some("ALL")
                || list(vhost.get("routes"))
                    .iter()
                    .all(|r| at(r, "redirect.https_redirect").and_then(Node::as_bool) == Some(true))
        })
}

pub static PATH_NORMALIZATION_OFF: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-path-normalization-off",
        title: "Envoy routes and authorizes on unnormalised paths",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-AUTHZ-03",
        owasp: Owasp::Api5,
        rationale: "When authorization depends on the path (RBAC, `jwt_authn` rules, per-route \
            filter settings, an `ext_authz` service), `//admin`, `/a/../admin` or `%2Fadmin` can \
            match a different rule than the upstream later serves. Envoy leaves paths as sent \
            unless `normalize_path`, `merge_slashes` and `path_with_escaped_slashes_action` say \
            otherwise.",
        fix: "Set `normalize_path: true`, `merge_slashes: true` and \
            `path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT` (or `REJECT_REQUEST`) on \
            the connection manager.",
    },
    target: Target::Envoy,
    check: path_normalization_off,
};

fn path_normalization_off(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            if !path_based_authorization(&hcm) {
                continue;
            }
            let config = hcm.config;
            for key in ["normalize_path", "merge_slashes"] {
                let node = config.get(key);
                if node.and_then(Node::as_bool) != Some(true) {
                    let pos = node.map_or(config.pos, |n| n.pos);
                    out.push(
                        finding(
                            &PATH_NORMALIZATION_OFF,
                            document,
                            pos,
                            format!("`{key}` is not true"),
                        )
                        .context(format!("{key} {}", config.pos.line))
                        .build(),
                    );
                }
            }
            let action = config.get("path_with_escaped_slashes_action");
            let value = action
                .and_then(Node::as_str)
                .unwrap_or("IMPLEMENTATION_SPECIFIC_DEFAULT");
            if !matches!(value, "REJECT_REQUEST" | "UNESCAPE_AND_REDIRECT") {
                let pos = action.map_or(config.pos, |n| n.pos);
                let message = format!(
                    "`path_with_escaped_slashes_action` is {value}, so `%2F` and `%5C` reach routing unchanged"
                );
                out.push(
                    finding(&PATH_NORMALIZATION_OFF, document, pos, message)
                        .value(value)
                        .context(format!("escaped {}", config.pos.line))
                        .build(),
                );
            }
        }
    }
}

fn path_based_authorization(hcm: &Hcm<'_>) -> bool {
    let filters = envoy::http_filters(hcm);
    let filter_based = filters.iter().any(|f| {
        filter_is(f, "rbac")
            || filter_is(f, "ext_authz")
            || (filter_is(f, "jwt_authn") && authenticates(f))
    });
    let mut per_route = false;
    for_each_route(hcm, &mut |_, route| {
        per_route |= route.get("typed_per_filter_config").is_some();
    });
    filter_based || per_route
}

pub static HEADERS_WITH_UNDERSCORES: Rule = Rule {
    meta: RuleMeta {
        id: "envoy-headers-with-underscores",
        title: "Envoy accepts header names with underscores",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-AUTHZ-03",
        owasp: Owasp::Api8,
        rationale: "Some upstreams (CGI-style frameworks, NGINX with `underscores_in_headers`) \
            treat `X_User` and `X-User` alike, so a client can smuggle a header the gateway \
            sets or strips. Envoy allows underscores by default.",
        fix: "Set `common_http_protocol_options.headers_with_underscores_action: REJECT_REQUEST` \
            (or `DROP_HEADER`).",
    },
    target: Target::Envoy,
    check: headers_with_underscores,
};

fn headers_with_underscores(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let action = at(
                hcm.config,
                "common_http_protocol_options.headers_with_underscores_action",
            );
            let value = action.and_then(Node::as_str).unwrap_or("ALLOW");
            if value != "ALLOW" {
                continue;
            }
            let pos = action.map_or(hcm.config.pos, |n| n.pos);
            out.push(
                finding(
                    &HEADERS_WITH_UNDERSCORES,
                    document,
                    pos,
                    "header names with underscores are accepted",
                )
                .context(format!("hcm {}", hcm.config.pos.line))
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ADMIN_PUBLIC,
    &ROUTE_WITHOUT_AUTH,
    &EXT_AUTHZ_FAIL_OPEN,
    &JWT_WITHOUT_AUDIENCE,
    &PLAINTEXT_LISTENER,
    &PATH_NORMALIZATION_OFF,
    &HEADERS_WITH_UNDERSCORES,
];
