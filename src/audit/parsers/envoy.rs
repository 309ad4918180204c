//! Envoy v3 bootstrap configuration: detection, version check and the
//! traversal helpers rules share.
//!
//! Envoy reads proto-JSON, where `staticResources` and `static_resources`
//! name the same field; keys are normalised to snake_case on load so rules
//! match one spelling.

use crate::yaml::{Node, Value};

/// Top-level bootstrap fields; a document with one of them is Envoy's.
const BOOTSTRAP_KEYS: &[&str] = &[
    "static_resources",
    "dynamic_resources",
    "admin",
    "layered_runtime",
    "overload_manager",
    "cluster_manager",
];

/// Returns true when `root` (already normalised) is an Envoy bootstrap.
pub fn detect(root: &Node) -> bool {
    let keys: Vec<&str> = root
        .as_map()
        .map(|m| m.iter().filter_map(|(k, _)| k.as_scalar()).collect())
        .unwrap_or_default();
    keys.contains(&"static_resources")
        || keys.contains(&"dynamic_resources")
        || (keys.contains(&"admin")
            && keys
                .iter()
                .any(|k| BOOTSTRAP_KEYS.contains(k) && *k != "admin"))
}

/// Returns why a bootstrap uses the removed v2 API, if it does.
pub fn v2_marker(root: &Node) -> Option<String> {
    let mut found = None;
    visit(root, &mut |node| {
        if found.is_some() {
            return;
        }
        if let Some(map) = node.as_map() {
            for (key, value) in map {
                let text = value.as_scalar().unwrap_or("");
                let key = key.as_scalar().unwrap_or("");
                if key == "@type"
                    && (text.contains("envoy.api.v2")
                        || text.contains(".v2.") && !text.contains(".v3."))
                {
                    found = Some(format!("type {text} (line {})", value.pos.line));
                } else if key == "name"
                    && text == "envoy.http_connection_manager"
                    && node.get("config").is_some()
                {
                    found = Some(format!(
                        "filter {text} with a v2 `config` block (line {})",
                        value.pos.line
                    ));
                }
            }
        }
    });
    found
}

/// Calls `f` on every node, depth-first.
pub fn visit(node: &Node, f: &mut dyn FnMut(&Node)) {
    f(node);
    match &node.value {
        Value::Scalar(..) => {}
        Value::Seq(items) => items.iter().for_each(|n| visit(n, f)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| visit(v, f)),
    }
}

/// Rewrites camelCase mapping keys to snake_case, recursively. Keys that
/// are not plain identifiers (`@type`, filter names with dots) are kept.
pub fn normalize(node: Node) -> Node {
    let value = match node.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(normalize).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(mut key, value)| {
                    if let Value::Scalar(text, _) = &mut key.value
                        && text.chars().all(|c| c.is_ascii_alphanumeric())
                        && text.chars().any(|c| c.is_ascii_uppercase())
                        && text.starts_with(|c: char| c.is_ascii_lowercase())
                    {
                        *text = snake_case(text);
                    }
                    (key, normalize(value))
                })
                .collect(),
        ),
        scalar => scalar,
    };
    Node {
        pos: node.pos,
        value,
    }
}

fn snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Returns the items of a repeated field, accepting a mapping of items as
/// well (some hand-written configs key clusters by name).
pub fn list(node: Option<&Node>) -> Vec<&Node> {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().collect(),
        Some(Value::Map(entries)) if entries.iter().all(|(_, v)| v.as_map().is_some()) => {
            entries.iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    }
}

/// Returns the node at a dotted path of mapping keys.
pub fn at<'a>(node: &'a Node, path: &str) -> Option<&'a Node> {
    path.split('.').try_fold(node, |n, key| n.get(key))
}

/// A listener's HTTP connection manager with where it sits.
#[derive(Debug)]
pub struct Hcm<'a> {
    /// The listener.
    pub listener: &'a Node,
    /// The filter chain.
    pub chain: &'a Node,
    /// The `typed_config` of the HCM filter.
    pub config: &'a Node,
}

/// Returns the static listeners.
pub fn listeners(root: &Node) -> Vec<&Node> {
    list(at(root, "static_resources.listeners"))
}

/// Returns the static clusters.
pub fn clusters(root: &Node) -> Vec<&Node> {
    list(at(root, "static_resources.clusters"))
}

/// Returns every HTTP connection manager of every static listener.
pub fn http_managers(root: &Node) -> Vec<Hcm<'_>> {
    let mut out = Vec::new();
    for listener in listeners(root) {
        for chain in list(listener.get("filter_chains")) {
            for filter in list(chain.get("filters")) {
                let name = filter.get("name").and_then(Node::as_str).unwrap_or("");
                let type_url = at(filter, "typed_config.@type")
                    .and_then(Node::as_str)
                    .unwrap_or("");
                let is_hcm = name.ends_with("http_connection_manager")
                    || type_url.ends_with("v3.HttpConnectionManager");
                if is_hcm && let Some(config) = filter.get("typed_config") {
                    out.push(Hcm {
                        listener,
                        chain,
                        config,
                    });
                }
            }
        }
    }
    out
}

/// Returns the HTTP filters of a connection manager.
pub fn http_filters<'a>(hcm: &Hcm<'a>) -> Vec<&'a Node> {
    list(hcm.config.get("http_filters"))
}

/// Returns true when a filter's name or type URL contains `needle`.
pub fn filter_is(filter: &Node, needle: &str) -> bool {
    let name = filter.get("name").and_then(Node::as_str).unwrap_or("");
    let type_url = at(filter, "typed_config.@type")
        .and_then(Node::as_str)
        .unwrap_or("");
    name.contains(needle) || type_url.contains(needle)
}

/// Returns the virtual hosts of a connection manager's inline route config.
pub fn virtual_hosts<'a>(hcm: &Hcm<'a>) -> Vec<&'a Node> {
    list(at(hcm.config, "route_config.virtual_hosts"))
}

/// Returns true when the listener's filter chain terminates TLS.
pub fn chain_has_tls(chain: &Node) -> bool {
    chain.get("transport_socket").is_some_and(|socket| {
        let name = socket.get("name").and_then(Node::as_str).unwrap_or("");
        let type_url = at(socket, "typed_config.@type")
            .and_then(Node::as_str)
            .unwrap_or("");
        name.contains("tls") || type_url.contains("DownstreamTlsContext")
    }) || chain.get("tls_context").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_one};

    #[test]
    fn camel_case_keys_are_normalised() {
        let root = parse_one(
            "{\"staticResources\": {\"listeners\": []}, \"@type\": \"x\"}",
            Limits::default(),
        )
        .unwrap();
        let root = normalize(root);
        assert!(root.get("static_resources").is_some());
        assert!(root.get("@type").is_some());
        assert!(detect(&root));
    }
}
