//! NGINX: upstream TLS, rate limits and body limits.

use super::nginx_auth::{Scope, each_nginx, locations, push};
use super::{Rule, Target};
use crate::audit::document::Workspace;
use crate::audit::parsers::nginx::walk;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

pub static UPSTREAM_TLS_UNVERIFIED: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-upstream-tls-unverified",
        title: "NGINX does not verify the upstream's TLS certificate",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "`proxy_ssl_verify` is off by default: NGINX encrypts traffic to an `https://` \
            upstream but accepts any certificate, so anyone on the path can impersonate it.",
        fix: "Set `proxy_ssl_verify on;`, `proxy_ssl_trusted_certificate` to the upstream's CA, \
            `proxy_ssl_name` and `proxy_ssl_server_name on;`.",
    },
    target: Target::Nginx,
    check: upstream_tls_unverified,
};

pub(super) fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            let (secure, verify) = match d.name.as_str() {
                "proxy_pass" => (d.arg(0).starts_with("https://"), "proxy_ssl_verify"),
                "grpc_pass" => (d.arg(0).starts_with("grpcs://"), "grpc_ssl_verify"),
                _ => return,
            };
            let scope = Scope::new(conf, parents, None);
            if !secure || scope.unknown() || scope.find(verify).is_some_and(|v| v.arg(0) == "on") {
                return;
            }
            push(
                out,
                &UPSTREAM_TLS_UNVERIFIED,
                conf,
                d,
                format!("`{}` to {} without `{verify} on`", d.name, d.arg(0)),
            );
        });
    }
}

pub static NO_RATE_LIMIT: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-no-rate-limit",
        title: "NGINX proxies a location without a rate limit",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "Without `limit_req` in scope, one client can send unlimited requests through \
            the location to its upstream.",
        fix: "Define `limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;` in `http` and \
            add `limit_req zone=api burst=20 nodelay;` to the server or location.",
    },
    target: Target::Nginx,
    check: no_rate_limit,
};

pub(super) fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        locations(conf, &mut |location, parents| {
            let proxies = location
                .children()
                .iter()
                .any(|d| matches!(d.name.as_str(), "proxy_pass" | "grpc_pass" | "fastcgi_pass"));
            let internal = location.children().iter().any(|d| d.name == "internal")
                || location.arg(0).starts_with('@');
            let scope = Scope::new(conf, parents, Some(location));
            if !proxies || internal || scope.unknown() || scope.find("limit_req").is_some() {
                return;
            }
            let path: Vec<&str> = location.args.iter().map(|a| a.text.as_str()).collect();
            push(
                out,
                &NO_RATE_LIMIT,
                conf,
                location,
                format!("location `{}` has no `limit_req`", path.join(" ")),
            );
        });
    }
}

pub static RATE_LIMIT_SPOOFABLE: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-rate-limit-spoofable-key",
        title: "NGINX rate limit or client address comes from a header the client controls",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-NET-01",
        owasp: Owasp::Api4,
        rationale: "A `limit_req_zone` keyed on `$http_x_forwarded_for` (or any `$http_` header) \
            gives each header value its own counter, and `set_real_ip_from 0.0.0.0/0` lets every \
            client choose `$remote_addr`; either way a client that changes the header is never \
            limited.",
        fix: "Key zones on `$binary_remote_addr` or an authenticated identity, and list only your \
            load balancers in `set_real_ip_from`.",
    },
    target: Target::Nginx,
    check: rate_limit_spoofable,
};

pub(super) fn rate_limit_spoofable(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| match d.name.as_str() {
            "limit_req_zone" | "limit_conn_zone" => {
                let key = d.arg(0);
                let spoofable =
                    key.contains("$http_") || key.contains("$proxy_add_x_forwarded_for");
                let authenticated =
                    key.contains("$http_authorization") || key.contains("$http_x_api_key");
                if spoofable && !authenticated {
                    push(
                        out,
                        &RATE_LIMIT_SPOOFABLE,
                        conf,
                        d,
                        format!("`{}` counts per `{key}`, which the client sets", d.name),
                    );
                }
            }
            "set_real_ip_from" if matches!(d.arg(0), "0.0.0.0/0" | "::/0") => {
                push(
                    out,
                    &RATE_LIMIT_SPOOFABLE,
                    conf,
                    d,
                    format!(
                        "`set_real_ip_from {}` lets every client choose its address",
                        d.arg(0)
                    ),
                );
            }
            _ => {}
        });
    }
}

pub static BODY_LIMIT_DISABLED: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-body-limit-disabled",
        title: "NGINX request body size is unlimited",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-RATE-03",
        owasp: Owasp::Api4,
        rationale: "`client_max_body_size 0` turns off the body size check (the default is 1m), so \
            one request can make NGINX buffer and forward a body of any size.",
        fix: "Set `client_max_body_size` to the largest body the API accepts.",
    },
    target: Target::Nginx,
    check: body_limit_disabled,
};

pub(super) fn body_limit_disabled(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            // Internal locations serve subrequests, whose bodies come from
            // NGINX itself rather than from a client.
            let internal = parents
                .last()
                .is_some_and(|p| p.children().iter().any(|c| c.name == "internal"));
            if d.name == "client_max_body_size"
                && matches!(d.arg(0), "0" | "0k" | "0m")
                && !internal
            {
                push(
                    out,
                    &BODY_LIMIT_DISABLED,
                    conf,
                    d,
                    "`client_max_body_size 0` disables the limit".to_string(),
                );
            }
        });
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &UPSTREAM_TLS_UNVERIFIED,
    &NO_RATE_LIMIT,
    &RATE_LIMIT_SPOOFABLE,
    &BODY_LIMIT_DISABLED,
];
