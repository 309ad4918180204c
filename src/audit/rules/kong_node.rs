//! Kong node settings: TLS, banners and logging.

use super::kong_listeners::each_settings;
use super::weak_ciphers;
use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::kong::Scope;
use crate::audit::parsers::settings::Settings;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

pub static WEAK_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "kong-weak-tls",
        title: "Kong allows TLS below 1.2 or weak ciphers",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and weak cipher suites allow \
            downgrade and decryption attacks. Kong uses `ssl_protocols` and `ssl_ciphers` only \
            when `ssl_cipher_suite = custom`; the `old` profile enables TLS 1.0.",
        fix: "Use `ssl_cipher_suite = intermediate` (TLS 1.2 and 1.3) or `modern` (TLS 1.3).",
    },
    target: Target::Kong,
    check: weak_tls,
};

pub(super) fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        let suite = settings.get("ssl_cipher_suite");
        if let Some(setting) = suite.filter(|s| s.value == "old") {
            out.push(
                finding(
                    &WEAK_TLS,
                    document,
                    setting.pos,
                    "`ssl_cipher_suite = old` enables TLS 1.0 and 1.1 and legacy ciphers",
                )
                .value("old")
                .context("ssl_cipher_suite")
                .build(),
            );
        }
        if suite.is_none_or(|s| s.value != "custom") {
            continue;
        }
        weak_custom(document, settings, out);
    }
}

pub(super) fn weak_custom(document: &Document, settings: &Settings, out: &mut Vec<Finding>) {
    if let Some(setting) = settings.get("ssl_protocols") {
        let old: Vec<&str> = setting
            .value
            .split_whitespace()
            .filter(|p| matches!(*p, "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1"))
            .collect();
        if !old.is_empty() {
            let message = format!("`ssl_protocols` enables {}", old.join(" and "));
            out.push(
                finding(&WEAK_TLS, document, setting.pos, message)
                    .value(setting.value.clone())
                    .context("ssl_protocols")
                    .build(),
            );
        }
    }
    if let Some(setting) = settings.get("ssl_ciphers") {
        let weak = weak_ciphers(&setting.value);
        if !weak.is_empty() {
            let message = format!("`ssl_ciphers` enables weak suites: {}", weak.join(", "));
            out.push(
                finding(&WEAK_TLS, document, setting.pos, message)
                    .value(weak.join(":"))
                    .context("ssl_ciphers")
                    .build(),
            );
        }
    }
}

pub static SERVER_TOKENS: Rule = Rule {
    meta: RuleMeta {
        id: "kong-server-tokens",
        title: "Kong sends its version in response headers",
        severity: Severity::Low,
        confidence: Confidence::High,
        control: "GK-HDR-01",
        owasp: Owasp::Api8,
        rationale: "By default Kong adds `Server: kong/<version>` and `Via` headers, telling \
            attackers which advisories apply. The `headers` setting controls them.",
        fix: "Set `headers = off` (or keep only `X-Kong-Request-Id`).",
    },
    target: Target::Kong,
    check: server_tokens,
};

pub(super) fn server_tokens(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        match settings.get("headers") {
            Some(setting) => {
                let leaks =
                    setting.value.split(',').map(str::trim).any(|h| {
                        matches!(h, "server_tokens" | "latency_tokens" | "Server" | "Via")
                    });
                if leaks {
                    out.push(
                        finding(
                            &SERVER_TOKENS,
                            document,
                            setting.pos,
                            "`headers` includes the server version tokens",
                        )
                        .value(setting.value.clone())
                        .context("headers")
                        .build(),
                    );
                }
            }
            None if is_node_config(settings) => {
                let first = &settings.items[0];
                out.push(
                    finding(
                        &SERVER_TOKENS,
                        document,
                        first.pos,
                        "`headers` is not set, so Kong sends `Server: kong/<version>` by default",
                    )
                    .context("headers unset")
                    .build(),
                );
            }
            None => {}
        }
    }
}

/// True when the settings configure a Kong node's proxy (not only, say, a
/// database password), so defaults that apply to every node matter.
pub(super) fn is_node_config(settings: &Settings) -> bool {
    let proxies = settings
        .get("proxy_listen")
        .is_none_or(|s| s.value != "off")
        && settings
            .get("role")
            .is_none_or(|s| s.value != "control_plane");
    proxies
        && settings.items.iter().any(|s| {
            matches!(
                s.key.as_str(),
                "proxy_listen" | "database" | "role" | "declarative_config"
            )
        })
}

pub static DEBUG_LOGGING: Rule = Rule {
    meta: RuleMeta {
        id: "kong-debug-logging",
        title: "Kong logs at debug level",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "At `log_level = debug` Kong and its plugins write request details, upstream \
            responses and plugin internals to the error log, which can include tokens and \
            personal data, and the volume hides real errors.",
        fix: "Use `log_level = notice` (the default) or `warn` in production.",
    },
    target: Target::Kong,
    check: debug_logging,
};

pub(super) fn debug_logging(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        if let Some(setting) = settings.get("log_level").filter(|s| s.value == "debug") {
            out.push(
                finding(
                    &DEBUG_LOGGING,
                    document,
                    setting.pos,
                    "`log_level` is `debug`",
                )
                .value("debug")
                .context("log_level")
                .build(),
            );
        }
    }
}

/// Plugins that log every request, so the NGINX access log may be off.
pub(super) const LOG_PLUGINS: &[&str] = &[
    "file-log",
    "http-log",
    "tcp-log",
    "udp-log",
    "syslog",
    "loggly",
    "datadog",
    "kafka-log",
    "opentelemetry",
];

pub static ACCESS_LOG_OFF: Rule = Rule {
    meta: RuleMeta {
        id: "kong-access-log-off",
        title: "Kong proxy access log is off",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "Without the proxy access log there is no record of who called which route, \
            so abuse and incidents cannot be investigated.",
        fix: "Keep `proxy_access_log` at its default (`logs/access.log`, or `/dev/stdout` in \
            containers), or log every request with a global logging plugin (`file-log`, \
            `http-log`) in the declarative configuration audited with it.",
    },
    target: Target::Kong,
    check: access_log_off,
};

pub(super) fn access_log_off(workspace: &Workspace, out: &mut Vec<Finding>) {
    let plugin_logs = workspace.documents.iter().any(|d| match &d.content {
        Content::Kong(config) => config
            .plugins
            .iter()
            .any(|p| p.scope == Scope::Global && LOG_PLUGINS.contains(&p.name.as_str())),
        _ => false,
    });
    if plugin_logs {
        return;
    }
    for (document, settings) in each_settings(workspace) {
        if let Some(setting) = settings
            .get("proxy_access_log")
            .filter(|s| s.value == "off")
        {
            out.push(
                finding(
                    &ACCESS_LOG_OFF,
                    document,
                    setting.pos,
                    "`proxy_access_log` is `off`",
                )
                .value("off")
                .context("proxy_access_log")
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[&WEAK_TLS, &SERVER_TOKENS, &DEBUG_LOGGING, &ACCESS_LOG_OFF];
