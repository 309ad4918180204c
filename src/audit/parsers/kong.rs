//! Kong declarative configuration (DB-less `kong.yml`, decK files) as
//! services, routes and plugins, with each plugin's scope resolved.

use std::collections::HashMap;

use crate::yaml::{Node, Pos};

/// A service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Name, or `#N` for an unnamed one.
    pub name: String,
    /// The service mapping.
    pub node: Node,
}

/// A route.
#[derive(Debug, Clone)]
pub struct Route {
    /// Name, or `#N` for an unnamed one.
    pub name: String,
    /// The route mapping.
    pub node: Node,
    /// Index of its service in [`KongConfig::services`].
    pub service: Option<usize>,
}

/// Where a plugin applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every request.
    Global,
    /// Every route of a service.
    Service(usize),
    /// One route.
    Route(usize),
    /// Requests of one consumer.
    Consumer,
}

/// A plugin instance.
#[derive(Debug, Clone)]
pub struct Plugin {
    /// Plugin name, such as `rate-limiting`.
    pub name: String,
    /// The plugin mapping.
    pub node: Node,
    /// Where it applies.
    pub scope: Scope,
}

impl Plugin {
    /// Returns `config.<key>`.
    pub fn config(&self, key: &str) -> Option<&Node> {
        self.node.get("config")?.get(key)
    }

    /// Returns where the plugin is declared.
    pub fn pos(&self) -> Pos {
        self.node.get("name").map_or(self.node.pos, |n| n.pos)
    }
}

/// A declarative configuration.
#[derive(Debug, Clone, Default)]
pub struct KongConfig {
    /// Services in file order.
    pub services: Vec<Service>,
    /// Routes, nested ones first in service order, then top-level ones.
    pub routes: Vec<Route>,
    /// Enabled plugins.
    pub plugins: Vec<Plugin>,
    /// The `consumers` entries.
    pub consumers: Vec<Node>,
    /// Plugin indexes by scope, so finding a route's plugins does not scan
    /// every plugin of a large file.
    global: Vec<usize>,
    by_service: Vec<Vec<usize>>,
    by_route: Vec<Vec<usize>>,
    service_names: HashMap<String, usize>,
    route_names: HashMap<String, usize>,
}

/// Plugins that authenticate a request.
pub const AUTH_PLUGINS: &[&str] = &[
    "key-auth",
    "key-auth-enc",
    "jwt",
    "basic-auth",
    "hmac-auth",
    "oauth2",
    "oauth2-introspection",
    "openid-connect",
    "ldap-auth",
    "ldap-auth-advanced",
    "mtls-auth",
    "vault-auth",
    "saml",
];

/// Returns true when `root` looks like a Kong declarative configuration.
pub fn detect(root: &Node) -> bool {
    if root.get("_format_version").is_some() || root.get("_konnect").is_some() {
        return true;
    }
    let Some(services) = root.get("services").and_then(Node::as_seq) else {
        return false;
    };
    services
        .iter()
        .any(|s| s.get("routes").is_some() && (s.get("url").is_some() || s.get("host").is_some()))
}

impl KongConfig {
    /// Builds the model from a parsed document.
    pub fn from_root(root: &Node) -> KongConfig {
        let mut config = KongConfig::default();
        for service in items(root, "services") {
            config.add_service(service);
        }
        for route in items(root, "routes") {
            let service = route
                .get("service")
                .and_then(reference)
                .and_then(|name| config.service_index(&name));
            config.add_route(route, service);
        }
        for plugin in items(root, "plugins") {
            let scope = config.scope_of(plugin);
            config.add_plugin(plugin, scope);
        }
        for consumer in items(root, "consumers") {
            for plugin in items(consumer, "plugins") {
                config.add_plugin(plugin, Scope::Consumer);
            }
            config.consumers.push(consumer.clone());
        }
        config.index_plugins();
        config
    }

    fn add_service(&mut self, service: &Node) {
        let index = self.services.len();
        let name = name_of(service, index);
        self.service_names.entry(name.clone()).or_insert(index);
        self.services.push(Service {
            name,
            node: shallow(service, &["routes", "plugins"]),
        });
        for plugin in items(service, "plugins") {
            self.add_plugin(plugin, Scope::Service(index));
        }
        for route in items(service, "routes") {
            self.add_route(route, Some(index));
        }
    }

    fn add_route(&mut self, route: &Node, service: Option<usize>) {
        let index = self.routes.len();
        let name = name_of(route, index);
        self.route_names.entry(name.clone()).or_insert(index);
        self.routes.push(Route {
            name,
            node: shallow(route, &["plugins"]),
            service,
        });
        for plugin in items(route, "plugins") {
            self.add_plugin(plugin, Scope::Route(index));
        }
    }

    fn add_plugin(&mut self, plugin: &Node, scope: Scope) {
        let enabled = plugin
            .get("enabled")
            .and_then(Node::as_bool)
            .unwrap_or(true);
        let Some(name) = plugin.get("name").and_then(Node::as_str) else {
            return;
        };
        if enabled {
            self.plugins.push(Plugin {
                name: name.to_string(),
                node: plugin.clone(),
                scope,
            });
        }
    }

    fn scope_of(&self, plugin: &Node) -> Scope {
        if let Some(route) = plugin.get("route").and_then(reference)
            && let Some(&index) = self.route_names.get(&route)
        {
            return Scope::Route(index);
        }
        if let Some(service) = plugin.get("service").and_then(reference)
            && let Some(index) = self.service_index(&service)
        {
            return Scope::Service(index);
        }
        if plugin.get("consumer").is_some() {
            return Scope::Consumer;
        }
        Scope::Global
    }

    fn service_index(&self, name: &str) -> Option<usize> {
        self.service_names.get(name).copied()
    }

    /// Returns the plugins that run for requests on route `index`, whatever
    /// the consumer: route, service and global plugins.
    pub fn route_plugins(&self, index: usize) -> impl Iterator<Item = &Plugin> {
        let service = self.routes[index]
            .service
            .and_then(|s| self.by_service.get(s))
            .map_or(&[][..], Vec::as_slice);
        let route = self.by_route.get(index).map_or(&[][..], Vec::as_slice);
        route
            .iter()
            .chain(service)
            .chain(&self.global)
            .map(|&i| &self.plugins[i])
    }

    /// Builds the scope indexes once every plugin is known.
    fn index_plugins(&mut self) {
        self.by_service = vec![Vec::new(); self.services.len()];
        self.by_route = vec![Vec::new(); self.routes.len()];
        for (i, plugin) in self.plugins.iter().enumerate() {
            match plugin.scope {
                Scope::Global => self.global.push(i),
                Scope::Service(s) => self.by_service[s].push(i),
                Scope::Route(r) => self.by_route[r].push(i),
                Scope::Consumer => {}
            }
        }
    }

    /// Returns the first plugin named `name` that runs on route `index`.
    pub fn route_plugin(&self, index: usize, name: &str) -> Option<&Plugin> {
        self.route_plugins(index).find(|p| p.name == name)
    }

    /// Returns the service of route `index`.
    pub fn service_of(&self, index: usize) -> Option<&Service> {
        self.routes[index].service.map(|s| &self.services[s])
    }
}

/// Copies a mapping without the listed keys, whose entities the model
/// keeps separately, so a large file is not held in memory twice over.
fn shallow(node: &Node, without: &[&str]) -> Node {
    let Some(entries) = node.as_map() else {
        return node.clone();
    };
    let kept = entries
        .iter()
        .filter(|(k, _)| !k.as_scalar().is_some_and(|k| without.contains(&k)))
        .cloned()
        .collect();
    Node {
        pos: node.pos,
        value: crate::yaml::Value::Map(kept),
    }
}

fn items<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

fn name_of(node: &Node, index: usize) -> String {
    node.get("name")
        .and_then(Node::as_str)
        .map_or_else(|| format!("#{}", index + 1), str::to_string)
}

/// Reads a foreign reference: a name or ID string, or `{name: ...}`/`{id: ...}`.
fn reference(node: &Node) -> Option<String> {
    if let Some(text) = node.as_str() {
        return Some(text.to_string());
    }
    node.get("name")
        .or_else(|| node.get("id"))
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// Returns the strings of a sequence node.
pub fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_one};

    #[test]
    fn plugins_resolve_to_routes() {
        let text = "_format_version: '3.0'\nservices:\n  - name: s\n    url: https://x\n    plugins:\n      - name: rate-limiting\n    routes:\n      - name: r\n        paths: [/a]\nroutes:\n  - name: t\n    service: s\nplugins:\n  - name: key-auth\n    route: t\n  - name: cors\n    enabled: false\n";
        let root = parse_one(text, Limits::default()).unwrap();
        let config = KongConfig::from_root(&root);
        assert_eq!(config.routes.len(), 2);
        assert!(config.route_plugin(0, "rate-limiting").is_some());
        assert!(config.route_plugin(0, "key-auth").is_none());
        assert!(config.route_plugin(1, "key-auth").is_some());
        assert!(config.route_plugin(1, "rate-limiting").is_some());
        assert!(config.plugins.iter().all(|p| p.name != "cors"));
    }
}
