//! NGINX: banners and logging.

use super::nginx_auth::{Scope, each_nginx, push};
use super::{Rule, Target};
use crate::audit::document::Workspace;
use crate::audit::parsers::nginx::walk;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

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

pub(super) fn server_tokens(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn access_log_off(workspace: &Workspace, out: &mut Vec<Finding>) {
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
pub(super) const CREDENTIAL_VARIABLES: &[&str] = &[
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

pub(super) fn log_credentials(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn debug_log(workspace: &Workspace, out: &mut Vec<Finding>) {
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
    &ACCESS_LOG_OFF,
    &LOG_CREDENTIALS,
    &DEBUG_LOG,
];
