//! NGINX: banners, upstream TLS, limits and logging.

use super::nginx_access::{Scope, each_nginx, locations};
use super::{Rule, Target, at_directive};
use crate::audit::parsers::nginx::{Directive, NginxConf, walk};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

fn push(
    out: &mut Vec<Finding>,
    rule: &'static Rule,
    conf: &NginxConf,
    d: &Directive,
    message: String,
) {
    let args: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    let context = format!("{} {} {message}", d.name, args.join(" "));
    out.push(
        Finding::builder(&rule.meta)
            .at(at_directive(conf, d), message)
            .context(context)
            .build(),
    );
}

pub static SERVER_TOKENS: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-server-tokens",
        title: "NGINX sends its version in the Server header",
        severity: Severity::Low,
        confidence: Confidence::High,
        control: "GK-HDR-01",
        owasp: Owasp::Api8,
        rationale: "`server_tokens` is on by default, so every response and error page names the \
            NGINX version, telling attackers which advisories apply.",
        fix: "Set `server_tokens off;` in the `http` block.",
    },
    target: Target::Nginx,
    check: server_tokens,
};

fn server_tokens(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            if d.name == "server_tokens" && d.arg(0) != "off" {
                push(
                    out,
                    &SERVER_TOKENS,
                    conf,
                    d,
                    format!("`server_tokens {}`", d.arg(0)),
                );
            }
            if d.name == "http" {
                let scope = Scope::new(conf, parents, Some(d));
                if scope.find("server_tokens").is_none() && !scope.unknown() {
                    push(
                        out,
                        &SERVER_TOKENS,
                        conf,
                        d,
                        "`server_tokens` is not set, so it defaults to on".to_string(),
                    );
                }
            }
        });
    }
}

use crate::audit::document::Workspace;

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

fn upstream_tls_unverified(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn no_rate_limit(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn rate_limit_spoofable(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn body_limit_disabled(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub static ACCESS_LOG_OFF: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-access-log-off",
        title: "NGINX access log is off for a whole server",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "`access_log off` in `http` or `server` leaves no record of who called the API, \
            so abuse and incidents cannot be investigated. (Turning it off for a health-check \
            location is fine.)",
        fix: "Keep `access_log` on in `http` and `server`, preferably with a JSON `log_format`.",
    },
    target: Target::Nginx,
    check: access_log_off,
};

fn access_log_off(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            let level = parents.last().map_or("main", |p| p.name.as_str());
            if d.name == "access_log"
                && d.arg(0) == "off"
                && matches!(level, "http" | "server" | "main")
            {
                push(
                    out,
                    &ACCESS_LOG_OFF,
                    conf,
                    d,
                    format!("`access_log off` in `{level}`"),
                );
            }
        });
    }
}

/// Variables that hold credentials.
const CREDENTIAL_VARIABLES: &[&str] = &[
    "$http_authorization",
    "$http_proxy_authorization",
    "$http_cookie",
    "$cookie_",
    "$http_x_api_key",
    "$http_apikey",
    "$arg_api_key",
    "$arg_apikey",
    "$arg_access_token",
    "$arg_token",
];

pub static LOG_CREDENTIALS: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-log-credentials",
        title: "NGINX log format records credentials",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "A `log_format` with `$http_authorization`, cookies or API keys copies live \
            credentials into log storage, where more people and systems can read them.",
        fix: "Remove credential variables from `log_format`; log `$request_id` or the \
            authenticated user instead.",
    },
    target: Target::Nginx,
    check: log_credentials,
};

fn log_credentials(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| {
            if d.name != "log_format" {
                return;
            }
            let format: String = d
                .args
                .iter()
                .skip(1)
                .map(|a| a.text.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            let found: Vec<&str> = CREDENTIAL_VARIABLES
                .iter()
                .copied()
                .filter(|v| format.contains(v))
                .collect();
            if !found.is_empty() {
                push(
                    out,
                    &LOG_CREDENTIALS,
                    conf,
                    d,
                    format!("log format `{}` records {}", d.arg(0), found.join(", ")),
                );
            }
        });
    }
}

pub static DEBUG_LOG: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-debug-log",
        title: "NGINX error log is at debug level",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "At `debug` level NGINX logs request headers, including `Authorization` and \
            cookies, and the volume hides real errors.",
        fix: "Use `warn` or `error` for `error_log` in production.",
    },
    target: Target::Nginx,
    check: debug_log,
};

fn debug_log(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| {
            if d.name == "error_log" && d.arg(1) == "debug" {
                push(
                    out,
                    &DEBUG_LOG,
                    conf,
                    d,
                    format!("`error_log {} debug`", d.arg(0)),
                );
            }
        });
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &SERVER_TOKENS,
    &UPSTREAM_TLS_UNVERIFIED,
    &NO_RATE_LIMIT,
    &RATE_LIMIT_SPOOFABLE,
    &BODY_LIMIT_DISABLED,
    &ACCESS_LOG_OFF,
    &LOG_CREDENTIALS,
    &DEBUG_LOG,
];
