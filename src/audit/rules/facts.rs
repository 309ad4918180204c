//! Security facts of gateway files, for blueprint conformance: what each
//! route, listener or resource enforces, keyed so that the pristine render
//! and the edited file can be compared fact by fact.

use std::collections::BTreeSet;

use crate::audit::document::Content;
use crate::audit::parsers::kong::{AUTH_PLUGINS, KongConfig, strings};
use crate::audit::parsers::openapi::OpenApi;
use crate::audit::parsers::settings::Settings;
use crate::yaml::{Node, Pos};

/// The kind of change that weakens a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Authentication on a route: weakened when it disappears.
    Auth,
    /// A control that is on: weakened when it disappears or turns off.
    Control,
    /// A limit: weakened when it rises.
    Limit,
    /// A minimum TLS version: weakened when it falls.
    TlsMin,
    /// An allowlist: weakened when it gains members.
    Allowed,
}

/// The value of a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// On or off.
    Flag(bool),
    /// A number.
    Number(f64),
    /// Members of an allowlist.
    Set(BTreeSet<String>),
}

/// One fact about one scope of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Unique key within the file.
    pub key: String,
    /// The route, service or resource it belongs to ("" for the file).
    pub scope: String,
    /// Human-readable subject, such as "route `orders`: rate-limiting".
    pub label: String,
    /// The control it implements.
    pub control: &'static str,
    /// The kind of change that weakens it.
    pub kind: Kind,
    /// Its value.
    pub value: Value,
    /// Its position in the file.
    pub pos: Pos,
}

/// The facts of a file and the scopes it contains.
#[derive(Debug, Default)]
pub struct Facts {
    /// Facts in file order.
    pub facts: Vec<Fact>,
    /// Scopes present, with where each starts.
    pub scopes: Vec<(String, Pos)>,
}

impl Facts {
    pub(super) fn add(
        &mut self,
        scope: &str,
        subject: &str,
        control: &'static str,
        kind: Kind,
        value: Value,
        pos: Pos,
    ) {
        let label = if scope.is_empty() {
            subject.to_string()
        } else {
            format!("{scope}: {subject}")
        };
        self.facts.push(Fact {
            key: format!("{scope}\u{0}{subject}"),
            scope: scope.to_string(),
            label,
            control,
            kind,
            value,
            pos,
        });
    }

    /// Returns where a scope starts, if the file still has it.
    pub fn scope_pos(&self, scope: &str) -> Option<Pos> {
        self.scopes
            .iter()
            .find(|(s, _)| s == scope)
            .map(|(_, p)| *p)
    }
}

/// Extracts the facts of a parsed file.
pub fn extract(content: &Content) -> Facts {
    let mut facts = Facts::default();
    facts.scopes.push((String::new(), Pos { line: 1, col: 1 }));
    match content {
        Content::Kong(config) => kong(config, &mut facts),
        Content::KongSettings(settings) => kong_settings(settings, &mut facts),
        Content::KongHelm(settings, _) => kong_settings(settings, &mut facts),
        Content::Terraform(tf) => super::facts_terraform::terraform(tf, &mut facts),
        Content::Nginx(conf) => super::facts_nginx::nginx(conf, &mut facts),
        Content::Envoy(root) => super::facts_envoy::envoy(root, &mut facts),
        Content::Apigee(root) => super::facts_apigee::apigee(root, &mut facts),
        Content::OpenApi(api) => openapi(api, &mut facts),
    }
    facts
}

/// Facts of an OpenAPI document: whether each operation requires security
/// and, for API Gateway operations, whether a request validator checks it.
fn openapi(api: &OpenApi, facts: &mut Facts) {
    for operation in &api.operations {
        let scope = format!("operation `{} {}`", operation.method, operation.path);
        facts.scopes.push((scope.clone(), operation.pos));
        facts.add(
            &scope,
            "security requirement",
            "GK-AUTHN-01",
            Kind::Auth,
            Value::Flag(operation.secured),
            operation.pos,
        );
        if let Some(validated) = operation.request_validated {
            facts.add(
                &scope,
                "request validator",
                "GK-INPUT-01",
                Kind::Control,
                Value::Flag(validated),
                operation.pos,
            );
        }
    }
}

/// Kong plugins whose removal weakens a control, with that control.
const KONG_PLUGIN_CONTROLS: &[(&str, &str)] = &[
    ("rate-limiting", "GK-RATE-01"),
    ("rate-limiting-advanced", "GK-RATE-01"),
    ("request-size-limiting", "GK-RATE-03"),
    ("cors", "GK-CORS-01"),
    ("acl", "GK-AUTHZ-02"),
    ("ip-restriction", "GK-AUTHZ-02"),
    ("response-transformer", "GK-HDR-01"),
    ("http-log", "GK-LOG-01"),
    ("file-log", "GK-LOG-01"),
    ("tcp-log", "GK-LOG-01"),
    ("prometheus", "GK-LOG-02"),
    ("bot-detection", "GK-WAF-01"),
];

const RATE_WINDOWS: &[&str] = &["second", "minute", "hour", "day", "month", "year"];

fn kong(config: &KongConfig, facts: &mut Facts) {
    for (index, route) in config.routes.iter().enumerate() {
        let scope = format!("route `{}`", route.name);
        let pos = route.node.get("name").map_or(route.node.pos, |n| n.pos);
        facts.scopes.push((scope.clone(), pos));
        let plugins: Vec<_> = config.route_plugins(index).collect();
        let auth = plugins
            .iter()
            .find(|p| AUTH_PLUGINS.contains(&p.name.as_str()));
        facts.add(
            &scope,
            "authentication",
            "GK-AUTHN-01",
            Kind::Auth,
            Value::Flag(auth.is_some()),
            auth.map_or(pos, |p| p.pos()),
        );
        for plugin in &plugins {
            kong_plugin(&scope, plugin, facts);
        }
        let protocols = route.node.get("protocols");
        let https_only = protocols.is_some() && !strings(protocols).iter().any(|p| p == "http");
        facts.add(
            &scope,
            "HTTPS only",
            "GK-TLS-02",
            Kind::Control,
            Value::Flag(https_only),
            protocols.map_or(pos, |n| n.pos),
        );
        if let Some(methods) = route.node.get("methods") {
            let set = strings(Some(methods))
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect();
            facts.add(
                &scope,
                "methods",
                "GK-AUTHZ-01",
                Kind::Allowed,
                Value::Set(set),
                methods.pos,
            );
        }
    }
    for service in &config.services {
        let scope = format!("service `{}`", service.name);
        facts.scopes.push((scope.clone(), service.node.pos));
        if let Some(verify) = service.node.get("tls_verify") {
            facts.add(
                &scope,
                "tls_verify",
                "GK-TLS-03",
                Kind::Control,
                Value::Flag(verify.as_bool() == Some(true)),
                verify.pos,
            );
        }
    }
}

fn kong_plugin(scope: &str, plugin: &crate::audit::parsers::kong::Plugin, facts: &mut Facts) {
    if let Some((_, control)) = KONG_PLUGIN_CONTROLS
        .iter()
        .find(|(name, _)| *name == plugin.name)
    {
        facts.add(
            scope,
            &plugin.name,
            control,
            Kind::Control,
            Value::Flag(true),
            plugin.pos(),
        );
    }
    match plugin.name.as_str() {
        "rate-limiting" | "rate-limiting-advanced" => {
            for window in RATE_WINDOWS {
                if let Some(limit) = plugin.config(window).and_then(number) {
                    let node = plugin.config(window).map_or(plugin.pos(), |n| n.pos);
                    facts.add(
                        scope,
                        &format!("{} per {window}", plugin.name),
                        "GK-RATE-01",
                        Kind::Limit,
                        Value::Number(limit),
                        node,
                    );
                }
            }
        }
        "request-size-limiting" => {
            let size = plugin
                .config("allowed_payload_size")
                .and_then(number)
                .unwrap_or(128.0);
            let unit = plugin
                .config("size_unit")
                .and_then(Node::as_str)
                .unwrap_or("megabytes");
            let factor = match unit {
                "bytes" => 1.0,
                "kilobytes" => 1024.0,
                _ => 1024.0 * 1024.0,
            };
            let pos = plugin
                .config("allowed_payload_size")
                .map_or(plugin.pos(), |n| n.pos);
            facts.add(
                scope,
                "request body limit in bytes",
                "GK-RATE-03",
                Kind::Limit,
                Value::Number(size * factor),
                pos,
            );
        }
        "cors" => {
            let origins: BTreeSet<String> = strings(plugin.config("origins")).into_iter().collect();
            let origins = if origins.is_empty() {
                BTreeSet::from(["*".to_string()])
            } else {
                origins
            };
            let pos = plugin.config("origins").map_or(plugin.pos(), |n| n.pos);
            facts.add(
                scope,
                "CORS origins",
                "GK-CORS-01",
                Kind::Allowed,
                Value::Set(origins),
                pos,
            );
        }
        _ => {}
    }
}

pub(super) fn number(node: &Node) -> Option<f64> {
    node.as_scalar().and_then(|s| s.parse().ok())
}

fn kong_settings(settings: &Settings, facts: &mut Facts) {
    let Some(first) = settings.items.first() else {
        return;
    };
    let suite = settings.get("ssl_cipher_suite");
    let minimum = match suite.map(|s| s.value.as_str()) {
        Some("modern") => 1.3,
        Some("old") => 1.0,
        Some("custom") => settings
            .get("ssl_protocols")
            .map_or(1.2, |p| lowest_protocol(&p.value)),
        _ => 1.2,
    };
    let pos = suite.map_or(first.pos, |s| s.pos);
    facts.add(
        "",
        "minimum TLS version",
        "GK-TLS-01",
        Kind::TlsMin,
        Value::Number(minimum),
        pos,
    );
    if let Some(admin) = settings.get("admin_listen") {
        let local = admin.value.split(',').all(|entry| {
            let address = entry.split_whitespace().next().unwrap_or("");
            address == "off"
                || address.is_empty()
                || super::is_loopback(address.rsplit_once(':').map_or(address, |(h, _)| h))
        });
        facts.add(
            "",
            "Admin API on loopback only",
            "GK-ADMIN-01",
            Kind::Control,
            Value::Flag(local),
            admin.pos,
        );
    }
    if let Some(trusted) = settings.get("trusted_ips") {
        let set = trusted
            .value
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        facts.add(
            "",
            "trusted proxies",
            "GK-NET-01",
            Kind::Allowed,
            Value::Set(set),
            trusted.pos,
        );
    }
    if let Some(headers) = settings.get("headers") {
        let hidden = !headers.value.contains("server_tokens");
        facts.add(
            "",
            "version headers hidden",
            "GK-HDR-01",
            Kind::Control,
            Value::Flag(hidden),
            headers.pos,
        );
    }
}

/// Returns the lowest protocol of an `ssl_protocols` value (Kong's setting
/// and the NGINX directive share the syntax) as a number: `SSLv3` is 0.3,
/// `TLSv1` 1.0.
pub(super) fn lowest_protocol(protocols: &str) -> f64 {
    protocols
        .split_whitespace()
        .filter_map(|p| match p {
            "SSLv2" => Some(0.2),
            "SSLv3" => Some(0.3),
            "TLSv1" => Some(1.0),
            "TLSv1.1" => Some(1.1),
            "TLSv1.2" => Some(1.2),
            "TLSv1.3" => Some(1.3),
            _ => None,
        })
        .fold(f64::INFINITY, f64::min)
        .min(1.3)
}
