//! API inventory: gateway routes compared with the OpenAPI documents in
//! the same workspace. Routes no document describes are shadow APIs;
//! documented operations no route serves are zombie (or forgotten) APIs.

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::nginx::walk;
use crate::audit::parsers::openapi::{METHODS, Operation, template_matches};
use crate::audit::parsers::{envoy, kong};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::{Node, Pos};

/// A route the gateway serves.
struct GatewayRoute<'a> {
    document: &'a Document,
    pos: Pos,
    path: String,
    /// Exact path match rather than a prefix.
    exact: bool,
    /// Allowed methods, uppercase; None means every method.
    methods: Option<Vec<String>>,
    methods_pos: Option<Pos>,
}

impl GatewayRoute<'_> {
    fn covers(&self, path: &str) -> bool {
        if self.exact {
            return self.path == path || template_matches(path, &self.path);
        }
        let prefix = self.path.trim_end_matches('/');
        prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/"))
    }

    fn allows(&self, method: &str) -> bool {
        self.methods
            .as_ref()
            .is_none_or(|m| m.iter().any(|x| x == method || x == "ANY"))
    }
}

fn collect_routes(workspace: &Workspace) -> Vec<GatewayRoute<'_>> {
    let mut routes = Vec::new();
    for document in &workspace.documents {
        match &document.content {
            Content::Kong(config) => kong_routes(document, config, &mut routes),
            Content::Envoy(root) => envoy_routes(document, root, &mut routes),
            Content::Nginx(conf) => nginx_routes(document, conf, &mut routes),
            _ => {}
        }
    }
    routes
}

fn kong_routes<'a>(
    document: &'a Document,
    config: &'a kong::KongConfig,
    out: &mut Vec<GatewayRoute<'a>>,
) {
    for route in &config.routes {
        let methods_node = route.node.get("methods");
        let methods = methods_node.map(|_| {
            kong::strings(methods_node)
                .iter()
                .map(|m| m.to_ascii_uppercase())
                .collect()
        });
        for path in route
            .node
            .get("paths")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let Some(text) = path.as_str().filter(|p| !p.starts_with('~')) else {
                continue;
            };
            out.push(GatewayRoute {
                document,
                pos: path.pos,
                path: text.to_string(),
                exact: false,
                methods: methods.clone(),
                methods_pos: methods_node.map(|n| n.pos),
            });
        }
    }
}

fn envoy_routes<'a>(document: &'a Document, root: &'a Node, out: &mut Vec<GatewayRoute<'a>>) {
    for hcm in envoy::http_managers(root) {
        for vhost in envoy::virtual_hosts(&hcm) {
            for route in envoy::list(vhost.get("routes")) {
                let Some(m) = route.get("match") else {
                    continue;
                };
                let (node, exact) = match (m.get("prefix"), m.get("path")) {
                    (Some(p), _) => (p, false),
                    (None, Some(p)) => (p, true),
                    _ => continue,
                };
                let method = envoy::list(m.get("headers"))
                    .into_iter()
                    .find(|h| h.get("name").and_then(Node::as_str) == Some(":method"));
                let exact_method = method
                    .and_then(|h| {
                        envoy::at(h, "string_match.exact").or_else(|| h.get("exact_match"))
                    })
                    .and_then(Node::as_str);
                out.push(GatewayRoute {
                    document,
                    pos: node.pos,
                    path: node.as_str().unwrap_or("").to_string(),
                    exact,
                    methods: exact_method.map(|m| vec![m.to_ascii_uppercase()]),
                    methods_pos: method.map(|h| h.pos),
                });
            }
        }
    }
}

fn nginx_routes<'a>(
    document: &'a Document,
    conf: &'a crate::audit::parsers::nginx::NginxConf,
    out: &mut Vec<GatewayRoute<'a>>,
) {
    walk(&conf.directives, &mut |d, _| {
        if d.name != "location"
            || !d
                .children()
                .iter()
                .any(|c| c.name == "proxy_pass" || c.name == "grpc_pass")
        {
            return;
        }
        let (exact, path) = match d.arg(0) {
            "=" => (true, d.arg(1)),
            "^~" => (false, d.arg(1)),
            "~" | "~*" => return,
            other if other.starts_with('@') => return,
            other => (false, other),
        };
        let limit = d.children().iter().find(|c| c.name == "limit_except");
        let methods = limit.map(|l| {
            let mut allowed: Vec<String> =
                l.args.iter().map(|a| a.text.to_ascii_uppercase()).collect();
            if allowed.iter().any(|m| m == "GET") {
                allowed.push("HEAD".to_string());
            }
            allowed
        });
        out.push(GatewayRoute {
            document,
            pos: d.pos,
            path: path.to_string(),
            exact,
            methods,
            methods_pos: limit.map(|l| l.pos),
        });
    });
}

/// Documented operations with their full paths (server base path added).
fn collect_operations(workspace: &Workspace) -> Vec<(&Document, &Operation, Vec<String>)> {
    let mut out = Vec::new();
    for (document, api) in workspace.each(|c| match c {
        Content::OpenApi(api) => Some(api),
        _ => None,
    }) {
        let bases = if api.base_paths.is_empty() {
            vec![String::new()]
        } else {
            api.base_paths.clone()
        };
        for operation in &api.operations {
            let full = bases
                .iter()
                .map(|b| format!("{b}{}", operation.path))
                .collect();
            out.push((document, operation, full));
        }
    }
    out
}

pub static SHADOW_ROUTE: Rule = Rule {
    meta: RuleMeta {
        id: "inventory-shadow-route",
        title: "Gateway route is not described by any OpenAPI document",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-INV-01",
        owasp: Owasp::Api9,
        rationale: "A route that no API description covers is a shadow API: nobody reviews its \
            contract, its owners may not know it is exposed, and it escapes the security testing \
            that runs against the documents.",
        fix: "Document the route's operations in the OpenAPI document, or remove the route.",
    },
    target: Target::OpenApi,
    check: shadow_route,
};

fn shadow_route(workspace: &Workspace, out: &mut Vec<Finding>) {
    let operations = collect_operations(workspace);
    if operations.is_empty() {
        return;
    }
    for route in collect_routes(workspace) {
        let documented = operations
            .iter()
            .any(|(_, _, paths)| paths.iter().any(|p| route.covers(p)));
        if !documented {
            let message = format!(
                "route `{}` serves paths that no OpenAPI document describes",
                route.path
            );
            out.push(
                finding(&SHADOW_ROUTE, route.document, route.pos, message)
                    .context(route.path.clone())
                    .build(),
            );
        }
    }
}

pub static ZOMBIE_OPERATION: Rule = Rule {
    meta: RuleMeta {
        id: "inventory-zombie-operation",
        title: "Documented operation is served by no gateway route",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-INV-01",
        owasp: Owasp::Api9,
        rationale: "An operation that the document still lists but no route serves is a zombie or \
            forgotten API: clients and tests rely on a contract that the gateway no longer \
            enforces, and an old deployment may still answer it.",
        fix: "Remove the operation from the document (or mark it `deprecated`), or add the route.",
    },
    target: Target::OpenApi,
    check: zombie_operation,
};

fn zombie_operation(workspace: &Workspace, out: &mut Vec<Finding>) {
    let routes = collect_routes(workspace);
    if routes.is_empty() {
        return;
    }
    for (document, operation, paths) in collect_operations(workspace) {
        let served = routes.iter().any(|r| {
            // An API Gateway any-method operation is served by a route
            // that takes any of its methods.
            (operation.method == "ANY" || r.allows(&operation.method))
                && paths.iter().any(|p| r.covers(p))
        });
        if !served {
            let message = format!(
                "`{} {}` is documented but no gateway route serves it",
                operation.method, operation.path
            );
            out.push(
                finding(&ZOMBIE_OPERATION, document, operation.pos, message)
                    .context(format!("{} {}", operation.method, operation.path))
                    .build(),
            );
        }
    }
}

pub static METHODS_WIDER: Rule = Rule {
    meta: RuleMeta {
        id: "inventory-methods-wider",
        title: "Gateway route allows methods the OpenAPI document does not",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-AUTHZ-01",
        owasp: Owasp::Api5,
        rationale: "A route that accepts more methods than its documented operations forwards \
            `DELETE`, `PUT` or `TRACE` requests to an upstream that may implement them without \
            the review the documented operations got.",
        fix: "List only the documented methods on the route (`methods` in Kong, a `:method` \
            header match in Envoy, `limit_except` in NGINX).",
    },
    target: Target::OpenApi,
    check: methods_wider,
};

fn methods_wider(workspace: &Workspace, out: &mut Vec<Finding>) {
    let operations = collect_operations(workspace);
    if operations.is_empty() {
        return;
    }
    for route in collect_routes(workspace) {
        let documented: Vec<&str> = operations
            .iter()
            .filter(|(_, _, paths)| paths.iter().any(|p| route.covers(p)))
            .map(|(_, op, _)| op.method.as_str())
            .collect();
        if documented.is_empty() || documented.contains(&"ANY") {
            continue;
        }
        let allowed: Vec<String> = match &route.methods {
            Some(m) => m.clone(),
            None => METHODS.iter().map(|m| m.to_ascii_uppercase()).collect(),
        };
        let extra: Vec<&str> = allowed
            .iter()
            .map(String::as_str)
            .filter(|m| {
                !documented.contains(m)
                    && *m != "OPTIONS"
                    && !(*m == "HEAD" && documented.contains(&"GET"))
            })
            .collect();
        if extra.is_empty() {
            continue;
        }
        let message = format!(
            "route `{}` allows {} beyond the documented {}",
            route.path,
            extra.join(", "),
            documented.join(", ")
        );
        out.push(
            finding(
                &METHODS_WIDER,
                route.document,
                route.methods_pos.unwrap_or(route.pos),
                message,
            )
            .context(format!("{} methods", route.path))
            .build(),
        );
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[&SHADOW_ROUTE, &ZOMBIE_OPERATION, &METHODS_WIDER];
