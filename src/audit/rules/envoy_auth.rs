//! Envoy: authentication filters and what routes they cover.

use super::{Rule, Target, finding};
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

/// Filters that establish who the client is.
pub(super) const AUTH_FILTERS: &[&str] = &[
    "jwt_authn",
    "ext_authz",
    "oauth2",
    "basic_auth",
    "api_key_auth",
];

/// True when a filter authenticates requests. `jwt_authn` verifies tokens
/// only where `rules` or a per-route `requirement_name` ask for it.
pub(super) fn authenticates(filter: &Node) -> bool {
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
pub(super) fn route_disables_auth(route: &Node) -> bool {
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
pub(super) fn answers_itself(route: &Node) -> bool {
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

pub(super) fn route_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn ext_authz_fail_open(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn jwt_without_audience(workspace: &Workspace, out: &mut Vec<Finding>) {
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

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ROUTE_WITHOUT_AUTH,
    &EXT_AUTHZ_FAIL_OPEN,
    &JWT_WITHOUT_AUDIENCE,
];
