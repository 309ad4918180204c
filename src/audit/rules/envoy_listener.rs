//! Envoy listeners: the admin interface, TLS on client listeners, and
//! path and header normalisation.

use super::envoy_auth::{AUTH_FILTERS, authenticates, each_envoy, for_each_route};
use super::{Rule, Target, finding, is_loopback};
use crate::audit::document::Workspace;
use crate::audit::parsers::envoy::{self, Hcm, at, filter_is, list};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub(super) fn scalar_at<'a>(node: &'a Node, path: &str) -> Option<&'a str> {
    at(node, path).and_then(Node::as_scalar)
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

pub(super) fn admin_public(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn plaintext_listener(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, root) in each_envoy(workspace) {
        for hcm in envoy::http_managers(root) {
            let address = at(hcm.listener, "address.socket_address.address");
            let host = address.and_then(Node::as_scalar).unwrap_or("");
            if envoy::chain_has_tls(hcm.chain) || is_loopback(host) || redirects_only(&hcm) {
                continue;
            }
            let port = scalar_at(hcm.listener, "address.socket_address.port_value").unwrap_or("");
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

pub(super) fn redirects_only(hcm: &Hcm<'_>) -> bool {
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

pub(super) fn path_normalization_off(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn path_based_authorization(hcm: &Hcm<'_>) -> bool {
    let filters = envoy::http_filters(hcm);
    let filter_based = filters.iter().any(|f| {
        filter_is(f, "rbac")
            || filter_is(f, "ext_authz")
            || (filter_is(f, "jwt_authn") && authenticates(f))
    });
    let mut per_route = false;
    for_each_route(hcm, &mut |_, route| {
        // Per-route settings of an authentication or RBAC filter make the
        // decision depend on which route the path matched.
        per_route |= route
            .get("typed_per_filter_config")
            .and_then(Node::as_map)
            .is_some_and(|configs| {
                configs.iter().any(|(name, _)| {
                    let name = name.as_scalar().unwrap_or("");
                    name.contains("rbac") || AUTH_FILTERS.iter().any(|f| name.contains(f))
                })
            });
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

pub(super) fn headers_with_underscores(workspace: &Workspace, out: &mut Vec<Finding>) {
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
    &PLAINTEXT_LISTENER,
    &PATH_NORMALIZATION_OFF,
    &HEADERS_WITH_UNDERSCORES,
];
