//! Kong node settings from kong.conf, `KONG_*` variables and Helm values:
//! listeners, trusted proxies, TLS, banners and logging.

use super::{Rule, Target, finding, is_loopback};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::kong::Scope;
use crate::audit::parsers::settings::{Setting, Settings};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

fn each_settings(workspace: &Workspace) -> impl Iterator<Item = (&Document, &Settings)> {
    workspace.each(|c| match c {
        Content::KongSettings(s) | Content::KongHelm(s, _) => Some(s),
        _ => None,
    })
}

/// Returns the addresses of a listen setting (`0.0.0.0:8001 ssl, 127.0.0.1:8444`)
/// that are not loopback; `off` has none.
fn public_listeners(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty() && *entry != "off")
        .filter_map(|entry| entry.split_whitespace().next())
        .filter(|address| {
            let host = address.rsplit_once(':').map_or(*address, |(h, _)| h);
            !is_loopback(host)
        })
        .map(str::to_string)
        .collect()
}

pub static ADMIN_LISTEN_PUBLIC: Rule = Rule {
    meta: RuleMeta {
        id: "kong-admin-listen-public",
        title: "Kong Admin API or Kong Manager listens beyond loopback",
        severity: Severity::Critical,
        confidence: Confidence::High,
        control: "GK-ADMIN-01",
        owasp: Owasp::Api8,
        rationale: "Kong's Admin API has no authentication in the open-source edition: whoever \
            reaches it can add routes, plugins and consumers, or read credentials. Kong's \
            documentation says never to expose it beyond a trusted network.",
        fix: "Set `admin_listen = 127.0.0.1:8444 ssl` (or `off` on data planes and DB-less nodes \
            that do not need it), and `admin_gui_listen = off` or a loopback address.",
    },
    target: Target::Kong,
    check: admin_listen_public,
};

fn admin_listen_public(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        for key in ["admin_listen", "admin_gui_listen"] {
            let Some(setting) = settings.get(key) else {
                continue;
            };
            for address in public_listeners(&setting.value) {
                let message = format!("`{key}` binds {address}, reachable beyond this host");
                out.push(
                    finding(&ADMIN_LISTEN_PUBLIC, document, setting.pos, message)
                        .value(address.clone())
                        .context(format!("{key} {address}"))
                        .build(),
                );
            }
        }
    }
    for (document, root) in workspace.each(|c| match c {
        Content::KongHelm(_, root) => Some(root),
        _ => None,
    }) {
        helm_admin_service(document, root, out);
    }
}

/// The chart exposes the Admin API as a Kubernetes Service when
/// `admin.enabled` is true; a LoadBalancer or NodePort puts it outside
/// the cluster, and a plain-HTTP ClusterIP opens it to every pod.
fn helm_admin_service(document: &Document, root: &Node, out: &mut Vec<Finding>) {
    let Some(admin) = root.get("admin") else {
        return;
    };
    if admin.get("enabled").and_then(Node::as_bool) != Some(true) {
        return;
    }
    let kind = admin
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("NodePort");
    let http = admin
        .get("http")
        .and_then(|h| h.get("enabled"))
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let pos = admin
        .get("type")
        .or_else(|| admin.get("enabled"))
        .map_or(admin.pos, |n| n.pos);
    let (severity, message) = match kind {
        "LoadBalancer" | "NodePort" => (
            Severity::Critical,
            format!("the chart exposes the Admin API through a {kind} Service"),
        ),
        _ if http => (
            Severity::Medium,
            "the chart serves the Admin API over plain HTTP to every pod in the cluster"
                .to_string(),
        ),
        _ => return,
    };
    out.push(
        finding(&ADMIN_LISTEN_PUBLIC, document, pos, message)
            .severity(severity)
            .value(kind)
            .context(format!("helm admin {kind}"))
            .build(),
    );
}

pub static STATUS_LISTEN_PUBLIC: Rule = Rule {
    meta: RuleMeta {
        id: "kong-status-listen-public",
        title: "Kong status API listens beyond loopback",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-ADMIN-01",
        owasp: Owasp::Api8,
        rationale: "The status API reports node health, configuration hash and metrics (with the \
            Prometheus plugin, every route and consumer name). Clients should not reach it.",
        fix: "Bind `status_listen` to loopback or to an address only the monitoring network \
            reaches, and keep it off public load balancers.",
    },
    target: Target::Kong,
    check: status_listen_public,
};

fn status_listen_public(workspace: &Workspace, out: &mut Vec<Finding>) {
    // In a pod the status listener must bind the pod address, because the
    // chart's readiness and liveness probes and Prometheus use it; there the
    // chart's Service type decides who reaches it.
    for (document, settings) in workspace.each(|c| match c {
        Content::KongSettings(s) => Some(s),
        _ => None,
    }) {
        let Some(setting) = settings.get("status_listen") else {
            continue;
        };
        for address in public_listeners(&setting.value) {
            let message = format!("`status_listen` binds {address}, reachable beyond this host");
            out.push(
                finding(&STATUS_LISTEN_PUBLIC, document, setting.pos, message)
                    .value(address.clone())
                    .context(address)
                    .build(),
            );
        }
    }
}

pub static TRUSTED_IPS_OPEN: Rule = Rule {
    meta: RuleMeta {
        id: "kong-trusted-ips-open",
        title: "Kong trusts X-Forwarded-For from every address",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-NET-01",
        owasp: Owasp::Api4,
        rationale: "`trusted_ips` names the proxies whose `X-Forwarded-*` and `X-Real-IP` headers \
            Kong believes. With `0.0.0.0/0` or `::/0` every client can claim any address, \
            dodging IP rate limits and `ip-restriction`.",
        fix: "Set `trusted_ips` to the CIDR ranges of your load balancers only.",
    },
    target: Target::Kong,
    check: trusted_ips_open,
};

fn trusted_ips_open(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        let Some(setting) = settings.get("trusted_ips") else {
            continue;
        };
        let open: Vec<&str> = setting
            .value
            .split(',')
            .map(str::trim)
            .filter(|v| matches!(*v, "0.0.0.0/0" | "::/0" | "0.0.0.0"))
            .collect();
        if open.is_empty() {
            continue;
        }
        let message = format!(
            "`trusted_ips` includes {}, so any client can set its own address",
            open.join(" and ")
        );
        out.push(
            finding(&TRUSTED_IPS_OPEN, document, setting.pos, message)
                .value(setting.value.clone())
                .context("trusted_ips")
                .build(),
        );
    }
}

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

/// Cipher name parts that mark a broken or export-grade suite.
pub const WEAK_CIPHER_PARTS: &[&str] = &[
    "RC4", "DES", "MD5", "NULL", "EXPORT", "EXP-", "aNULL", "eNULL", "PSK", "SEED", "IDEA", "3DES",
];

/// Returns the weak entries of an OpenSSL cipher list.
pub fn weak_ciphers(list: &str) -> Vec<String> {
    list.split([':', ' ', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.starts_with('!') && !c.starts_with('-'))
        .filter(|c| WEAK_CIPHER_PARTS.iter().any(|w| c.contains(w)))
        .map(str::to_string)
        .collect()
}

fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
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

fn weak_custom(document: &Document, settings: &Settings, out: &mut Vec<Finding>) {
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

fn server_tokens(workspace: &Workspace, out: &mut Vec<Finding>) {
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
fn is_node_config(settings: &Settings) -> bool {
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

fn debug_logging(workspace: &Workspace, out: &mut Vec<Finding>) {
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

/// Plugins that log every request, so the NGINX access log may be off.
const LOG_PLUGINS: &[&str] = &[
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

fn access_log_off(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub static DATABASE_TLS_OFF: Rule = Rule {
    meta: RuleMeta {
        id: "kong-database-tls-off",
        title: "Kong connects to PostgreSQL without verified TLS",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-04",
        owasp: Owasp::Api8,
        rationale: "The database holds every route, plugin and credential. `pg_ssl` is off by \
            default, and without `pg_ssl_verify` a machine in the path can read or alter the \
            configuration Kong loads.",
        fix: "Set `pg_ssl = on`, `pg_ssl_verify = on` and `lua_ssl_trusted_certificate` to the \
            database CA, or run DB-less.",
    },
    target: Target::Kong,
    check: database_tls_off,
};

fn database_tls_off(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, settings) in each_settings(workspace) {
        let postgres = settings
            .get("database")
            .is_some_and(|s| s.value == "postgres");
        for key in ["pg_ssl", "pg_ssl_verify"] {
            match settings.get(key) {
                Some(setting) if is_off(setting) => {
                    out.push(
                        finding(
                            &DATABASE_TLS_OFF,
                            document,
                            setting.pos,
                            format!("`{key}` is off"),
                        )
                        .value(setting.value.clone())
                        .context(key)
                        .build(),
                    );
                }
                None if postgres && key == "pg_ssl" => {
                    let pos = settings
                        .get("database")
                        .map_or(settings.items[0].pos, |s| s.pos);
                    out.push(
                        finding(
                            &DATABASE_TLS_OFF,
                            document,
                            pos,
                            "`database = postgres` without `pg_ssl = on` connects in plain text",
                        )
                        .context("pg_ssl unset")
                        .build(),
                    );
                }
                _ => {}
            }
        }
    }
}

fn is_off(setting: &Setting) -> bool {
    matches!(setting.value.as_str(), "off" | "false" | "no" | "0")
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ADMIN_LISTEN_PUBLIC,
    &STATUS_LISTEN_PUBLIC,
    &TRUSTED_IPS_OPEN,
    &WEAK_TLS,
    &SERVER_TOKENS,
    &DEBUG_LOGGING,
    &ACCESS_LOG_OFF,
    &DATABASE_TLS_OFF,
];
