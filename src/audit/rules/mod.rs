//! The rule registry and helpers shared by rule families.
//!
//! Each family file declares its rules as statics and lists them in its
//! `RULES`; [`registry`] concatenates the families. A rule is its metadata
//! (the ID is the docs anchor, the suppression token and the SARIF
//! `ruleId`) plus a check over the whole workspace.

pub mod apigee_proxy;
pub mod apigee_target;
pub mod aws;
pub mod aws_traffic;
pub mod conformance;
pub mod envoy_auth;
pub mod envoy_limits;
pub mod envoy_listener;
pub mod envoy_logs;
pub mod facts;
pub mod facts_apigee;
pub mod facts_envoy;
pub mod facts_nginx;
pub mod facts_terraform;
pub mod inventory;
pub mod kong_auth;
pub mod kong_limits;
pub mod kong_listeners;
pub mod kong_node;
pub mod meta;
pub mod nginx_auth;
pub mod nginx_limits;
pub mod nginx_logs;
pub mod nginx_tls;
pub mod openapi;
pub mod secrets;

use super::document::Document;
use super::parsers::nginx::{Directive, NginxConf};
use crate::finding::{Finding, Location, RuleMeta};
use crate::yaml::Pos;

/// The formats a rule reads, for fixtures and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Kong declarative configuration, settings or Helm values.
    Kong,
    /// Envoy v3 bootstrap.
    Envoy,
    /// NGINX configuration.
    Nginx,
    /// Terraform for AWS API Gateway.
    Aws,
    /// Apigee proxy bundles.
    Apigee,
    /// OpenAPI documents.
    OpenApi,
    /// Any format.
    Any,
}

/// A rule: metadata and a check.
#[derive(Debug)]
pub struct Rule {
    /// The rule's metadata.
    pub meta: RuleMeta,
    /// The formats it reads.
    pub target: Target,
    /// Adds the rule's findings for a workspace.
    pub check: fn(&super::document::Workspace, &mut Vec<Finding>),
}

/// Returns every rule, in a stable order.
pub fn registry() -> Vec<&'static Rule> {
    [
        kong_auth::RULES,
        kong_limits::RULES,
        kong_listeners::RULES,
        kong_node::RULES,
        envoy_auth::RULES,
        envoy_listener::RULES,
        envoy_limits::RULES,
        envoy_logs::RULES,
        nginx_auth::RULES,
        nginx_tls::RULES,
        nginx_limits::RULES,
        nginx_logs::RULES,
        aws::RULES,
        apigee_proxy::RULES,
        apigee_target::RULES,
        openapi::RULES,
        secrets::RULES,
        inventory::RULES,
        conformance::RULES,
        meta::RULES,
    ]
    .concat()
}

/// Returns the rule with `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    registry().into_iter().find(|r| r.meta.id == id)
}

/// Returns the message for a rule ID that names no rule, with the nearest
/// rule ID when one is close enough to be a likely typo.
pub fn unknown_rule(id: &str) -> String {
    let ids: Vec<&str> = registry().iter().map(|r| r.meta.id).collect();
    match crate::answers::keys::nearest(id, &ids) {
        Some(hint) => format!("unknown rule `{id}`; did you mean `{hint}`?"),
        None => format!("unknown rule `{id}`; `gatekit audit --list-rules` lists the rule IDs"),
    }
}

/// Returns a location in a document.
pub fn at(document: &Document, pos: Pos) -> Location {
    Location::file(document.source.path.clone(), pos.line, pos.col)
}

/// Returns the location of an NGINX directive, in the file that contains it.
pub fn at_directive(conf: &NginxConf, directive: &Directive) -> Location {
    let path = conf.files.get(directive.file).cloned().unwrap_or_default();
    Location::file(path, directive.pos.line, directive.pos.col)
}

/// Starts a finding for `rule` at `pos` in `document`.
pub fn finding(
    rule: &'static Rule,
    document: &Document,
    pos: Pos,
    message: impl Into<String>,
) -> crate::finding::FindingBuilder {
    Finding::builder(&rule.meta).at(at(document, pos), message)
}

/// True for addresses that only the local host can reach.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.starts_with("127.")
        || host == "::1"
        || host.starts_with("unix:")
        || host.starts_with('/')
}

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
