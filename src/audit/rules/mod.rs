//! The rule registry and helpers shared by rule families.
//!
//! Each family file declares its rules as statics and lists them in its
//! `RULES`; [`registry`] concatenates the families. A rule is its metadata
//! (the ID is the docs anchor, the suppression token and the SARIF
//! `ruleId`) plus a check over the whole workspace.

pub mod apigee;
pub mod aws;
pub mod aws_traffic;
pub mod conformance;
pub mod envoy_access;
pub mod envoy_traffic;
pub mod facts;
pub mod inventory;
pub mod kong_routes;
pub mod kong_settings;
pub mod meta;
pub mod nginx_access;
pub mod nginx_traffic;
pub mod openapi;
pub mod secrets;

use super::document::Document;
use super::parsers::nginx::{Directive, NginxConf};
use crate::finding::{Finding, Location, RuleMeta};
use crate::yaml::Pos;

/// Where a rule's findings may come from, for fixtures and docs.
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
    /// What the rule is.
    pub meta: RuleMeta,
    /// What it reads.
    pub target: Target,
    /// Adds the rule's findings for a workspace.
    pub check: fn(&super::document::Workspace, &mut Vec<Finding>),
}

/// Returns every rule, in a stable order.
pub fn registry() -> Vec<&'static Rule> {
    [
        kong_routes::RULES,
        kong_settings::RULES,
        envoy_access::RULES,
        envoy_traffic::RULES,
        nginx_access::RULES,
        nginx_traffic::RULES,
        aws::RULES,
        apigee::RULES,
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

/// Returns a location in a document.
pub fn at(document: &Document, pos: Pos) -> Location {
    Location::file(document.source.path.clone(), pos.line, pos.col)
}

/// Returns the location of an NGINX directive, in the file that holds it.
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
