//! Secrets written in plain text in any configuration format.
//!
//! A value counts when its key names a secret (password, secret, token,
//! API key, private key, credential entries of Kong consumers) or when the
//! value has the shape of a known credential (private keys, cloud access
//! keys, tokens). References resolved at deploy time (`$VAR`, `${...}`,
//! `{vault://...}`, `var.x`) are not secrets.

use super::{Rule, Target, at_directive, finding};
use crate::answers::secrets::looks_like_secret;
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::hcl::literal;
use crate::audit::parsers::nginx::walk;
use crate::audit::parsers::xml::Element;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::{Node, Pos, Value};

pub static SECRET_IN_CONFIG: Rule = Rule {
    meta: RuleMeta {
        id: "secret-in-config",
        title: "Secret written in plain text in a configuration file",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-SEC-01",
        owasp: Owasp::Api8,
        rationale: "A password, key or token in a committed file is readable by everyone with \
            access to the repository, its history, CI logs and backups, and cannot be rotated \
            without a commit.",
        fix: "Reference the secret instead: Kong vault references (`{vault://env/NAME}`) or \
            `$ENV` substitution, Envoy SDS, NGINX includes outside the repository, Terraform \
            variables fed from a secret manager. Then rotate the exposed value.",
    },
    target: Target::Any,
    check: secret_in_config,
};

/// Key fragments that name a secret value.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "access_key",
    "client_secret",
    "bindpass",
    "credential",
];

/// Credential collections of Kong consumers and the field that holds the secret.
const KONG_CREDENTIALS: &[(&str, &str)] = &[
    ("keyauth_credentials", "key"),
    ("basicauth_credentials", "password"),
    ("jwt_secrets", "secret"),
    ("hmacauth_credentials", "secret"),
    ("oauth2_credentials", "client_secret"),
];

fn secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    let suffixes = [
        "_file",
        "_path",
        "_ref",
        "_name",
        "_names",
        "_arn",
        "_id",
        "_endpoint",
        "_url",
        "_uri",
        "_hint",
        "_type",
        "_param",
        "_ttl",
        "_length",
    ];
    let is_reference = suffixes.iter().any(|s| lower.ends_with(s)) || lower.contains("header");
    // Token buckets count requests (Envoy's `max_tokens`, `tokens_per_fill`).
    let is_count = lower == "max_tokens" || lower.starts_with("tokens_");
    SECRET_KEYS.iter().any(|k| lower.contains(k)) && !is_reference && !is_count
}

/// True when a value is a reference resolved at deploy time, or empty.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with("{vault://")
        || v.starts_with("{{")
        || v.starts_with("ref://")
        || v.starts_with("var.")
        || v.starts_with("data.")
        || v.starts_with("module.")
        || v.starts_with("env:")
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("secretKeyRef")
}

/// Returns a finding when `value` under `key` is a plain-text secret.
fn check_value(
    document: &Document,
    key: Option<&str>,
    value: &str,
    pos: Pos,
    out: &mut Vec<Finding>,
) {
    if is_reference(value)
        || value.contains("${")
        || value.contains("://") && looks_like_secret(value).is_none()
    {
        return;
    }
    let shape = looks_like_secret(value)
        .filter(|kind| !kind.contains("certificate") || value.contains("PRIVATE KEY"));
    let named = key.is_some_and(secret_key)
        && value.len() >= 3
        && !matches!(value, "true" | "false" | "null");
    if shape.is_none() && !named {
        return;
    }
    let what = shape.map_or_else(
        || format!("`{}` is set to a literal value", key.unwrap_or("")),
        |kind| format!("the value looks like {kind}"),
    );
    let context = format!(
        "{} {}",
        key.unwrap_or(""),
        crate::tree::digest(value.as_bytes())
    );
    out.push(
        finding(&SECRET_IN_CONFIG, document, pos, what)
            .secret_value(value)
            .context(context)
            .build(),
    );
}

fn secret_in_config(workspace: &Workspace, out: &mut Vec<Finding>) {
    for document in &workspace.documents {
        match &document.content {
            Content::Kong(config) => {
                for consumer in &config.consumers {
                    kong_credentials(document, consumer, out);
                }
                for plugin in &config.plugins {
                    tree(document, &plugin.node, None, out);
                }
                for service in &config.services {
                    tree(document, &service.node, None, out);
                }
            }
            Content::Envoy(root) => tree(document, root, None, out),
            Content::KongHelm(_, root) => helm_tree(document, root, None, out),
            Content::KongSettings(settings) => {
                for setting in &settings.items {
                    check_value(
                        document,
                        Some(&setting.key),
                        &setting.value,
                        setting.pos,
                        out,
                    );
                }
            }
            Content::Terraform(tf) => {
                for resource in &tf.resources {
                    hcl_tree(document, &resource.body, None, out);
                }
            }
            Content::Nginx(conf) => nginx(document, conf, out),
            Content::Apigee(root) => xml(document, root, out),
            Content::OpenApi(_) => {}
        }
    }
}

fn kong_credentials(document: &Document, consumer: &Node, out: &mut Vec<Finding>) {
    for (collection, field) in KONG_CREDENTIALS {
        for credential in consumer
            .get(collection)
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(value) = credential.get(field).filter(|v| v.as_scalar().is_some()) {
                let text = value.as_scalar().unwrap_or("");
                if !is_reference(text) {
                    let message = format!(
                        "consumer credential `{collection}.{field}` is written in the file"
                    );
                    out.push(
                        finding(&SECRET_IN_CONFIG, document, value.pos, message)
                            .secret_value(text)
                            .context(format!(
                                "{collection} {}",
                                crate::tree::digest(text.as_bytes())
                            ))
                            .build(),
                    );
                }
            }
        }
    }
}

fn tree(document: &Document, node: &Node, key: Option<&str>, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Scalar(text, _) => check_value(document, key, text, node.pos, out),
        Value::Seq(items) => items.iter().for_each(|item| tree(document, item, key, out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                let name = k.as_scalar();
                // `inline_string` under a secret-named key (Envoy's
                // `private_key: {inline_string: ...}`) inherits that name.
                let inherited = match name {
                    Some("inline_string" | "inline_bytes" | "value") => key.or(name),
                    other => other,
                };
                tree(document, v, inherited, out);
            }
        }
    }
}

/// Helm values name Kubernetes Secrets in keys that end in `secret`,
/// `secrets` or `secretName`; their values are names, not secret material.
fn helm_tree(document: &Document, node: &Node, key: Option<&str>, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Scalar(text, _) => {
            let lower = key.unwrap_or("").to_ascii_lowercase();
            let names_a_secret = lower.ends_with("secret")
                || lower.ends_with("secrets")
                || lower.ends_with("secretname")
                || lower.ends_with("secretvolumes");
            if names_a_secret && looks_like_secret(text).is_none() {
                return;
            }
            check_value(document, key, text, node.pos, out);
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|item| helm_tree(document, item, key, out)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|(k, v)| helm_tree(document, v, k.as_scalar(), out)),
    }
}

fn hcl_tree(document: &Document, node: &Node, key: Option<&str>, out: &mut Vec<Finding>) {
    match &node.value {
        Value::Scalar(..) => {
            if let Some(text) = literal(node) {
                check_value(document, key, text, node.pos, out);
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|item| hcl_tree(document, item, key, out)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|(k, v)| hcl_tree(document, v, k.as_scalar(), out)),
    }
}

fn nginx(
    document: &Document,
    conf: &crate::audit::parsers::nginx::NginxConf,
    out: &mut Vec<Finding>,
) {
    walk(&conf.directives, &mut |d, _| {
        let (key, value) = match d.name.as_str() {
            "set" => (d.arg(0).trim_start_matches('$'), d.args.get(1)),
            "proxy_set_header" | "add_header" | "grpc_set_header" => (d.arg(0), d.args.get(1)),
            _ => return,
        };
        let Some(value) = value else {
            return;
        };
        let authorization = key.eq_ignore_ascii_case("authorization") && !value.text.contains('$');
        if secret_key(key) || authorization || looks_like_secret(&value.text).is_some() {
            let mut found = Vec::new();
            let name = if authorization { "password" } else { key };
            check_value(document, Some(name), &value.text, value.pos, &mut found);
            for mut f in found {
                f.location = at_directive(conf, d);
                f.location.column = Some(value.pos.col);
                f.location.line = Some(value.pos.line);
                out.push(f);
            }
        }
    });
}

fn xml(document: &Document, element: &Element, out: &mut Vec<Finding>) {
    for child in &element.children {
        if child.children.is_empty() && !child.text.is_empty() && !child.text.starts_with('{') {
            check_value(document, Some(&child.name), &child.text, child.pos, out);
        }
        xml(document, child, out);
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[&SECRET_IN_CONFIG];
