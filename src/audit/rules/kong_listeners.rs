//! Kong node settings from kong.conf, `KONG_*` variables and Helm values:
//! listeners, trusted proxies and the database connection.

use super::{Rule, Target, finding, is_loopback};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::settings::{Setting, Settings};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub(super) fn each_settings(workspace: &Workspace) -> impl Iterator<Item = (&Document, &Settings)> {
    workspace.each(|c| match c {
        Content::KongSettings(s) | Content::KongHelm(s, _) => Some(s),
        _ => None,
    })
}

/// Returns the addresses of a listen setting (`0.0.0.0:8001 ssl, 127.0.0.1:8444`)
/// that are not loopback; `off` has none.
pub(super) fn public_listeners(value: &str) -> Vec<String> {
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

pub(super) fn admin_listen_public(workspace: &Workspace, out: &mut Vec<Finding>) {
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
/// `admin.enabled` is true. A LoadBalancer or NodePort Service puts it
/// outside the cluster, and a plain-HTTP ClusterIP opens it to every pod.
pub(super) fn helm_admin_service(document: &Document, root: &Node, out: &mut Vec<Finding>) {
    let Some(admin) = root.get("admin") else {
        return;
    };
    if admin.get("enabled").and_then(Node::as_bool) != Some(true) {
        return;
    }
    let explicit = admin.get("type").and_then(Node::as_str);
    let kind = explicit.unwrap_or("NodePort");
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
        "LoadBalancer" | "NodePort" if explicit.is_none() => (
            Severity::Critical,
            "`admin.enabled` without `admin.type` creates a NodePort Service (the chart's default), reachable on every node's address".to_string(),
        ),
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

pub(super) fn status_listen_public(workspace: &Workspace, out: &mut Vec<Finding>) {
    // In a pod the status listener must bind the pod address, because the
    // chart's probes and Prometheus use it. There the chart's Service type
    // decides who reaches it, so only kong.conf and variables are checked.
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

pub(super) fn trusted_ips_open(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn database_tls_off(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn is_off(setting: &Setting) -> bool {
    matches!(setting.value.as_str(), "off" | "false" | "no" | "0")
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ADMIN_LISTEN_PUBLIC,
    &STATUS_LISTEN_PUBLIC,
    &TRUSTED_IPS_OPEN,
    &DATABASE_TLS_OFF,
];
