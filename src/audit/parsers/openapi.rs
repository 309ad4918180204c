//! OpenAPI 3 documents: the operations they declare, with positions.

use crate::yaml::{Node, Pos};

/// HTTP methods that name operations in a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One documented operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Path template as written, such as `/pets/{id}`.
    pub path: String,
    /// Uppercase method.
    pub method: String,
    /// Where the method key is.
    pub pos: Pos,
    /// Whether the operation (or the document) requires security.
    pub secured: bool,
    /// For an operation with a REST API integration
    /// (`x-amazon-apigateway-integration`), whether its request validator
    /// checks the body or the parameters; `None` for other operations.
    pub request_validated: Option<bool>,
}

/// An OpenAPI document's operations and base paths.
#[derive(Debug, Clone, Default)]
pub struct OpenApi {
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// Path parts of the `servers` URLs (`/v1`), empty when none.
    pub base_paths: Vec<String>,
}

/// Returns the version when `root` is an OpenAPI document: `openapi: 3.x`
/// for supported documents, or `swagger: 2.0`.
pub fn version(root: &Node) -> Option<String> {
    root.get("openapi")
        .or_else(|| root.get("swagger"))
        .and_then(|v| v.as_scalar())
        .map(str::to_string)
}

/// API Gateway's path item key for an operation that takes every method.
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// Returns the uppercase method a path item key names, with `ANY` for API
/// Gateway's any-method operation, or `None` for other keys.
fn operation_method(key: &str) -> Option<String> {
    if METHODS.contains(&key) {
        Some(key.to_ascii_uppercase())
    } else {
        (key == ANY_METHOD).then(|| "ANY".to_string())
    }
}

/// Reads the operations of a document.
pub fn parse(root: &Node) -> OpenApi {
    let global_security = has_requirements(root.get("security"));
    let validators = root.get("x-amazon-apigateway-request-validators");
    let default_validator = root.get("x-amazon-apigateway-request-validator");
    let mut operations = Vec::new();
    for (path, item) in root.get("paths").and_then(Node::as_map).unwrap_or(&[]) {
        let Some(path) = path.as_scalar() else {
            continue;
        };
        for (method, operation) in item.as_map().unwrap_or(&[]) {
            let Some(name) = method.as_scalar().and_then(operation_method) else {
                continue;
            };
            let secured = match operation.get("security") {
                Some(list) => has_requirements(Some(list)),
                None => global_security,
            };
            // HTTP APIs require `payloadFormatVersion` and have no request
            // validators; only a REST API's operation can name one.
            let request_validated = operation
                .get("x-amazon-apigateway-integration")
                .filter(|integration| integration.get("payloadFormatVersion").is_none())
                .map(|_| {
                    let chosen = operation
                        .get("x-amazon-apigateway-request-validator")
                        .or(default_validator);
                    validates(validators, chosen)
                });
            operations.push(Operation {
                path: path.to_string(),
                method: name,
                pos: method.pos,
                secured,
                request_validated,
            });
        }
    }
    let base_paths = root
        .get("servers")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| s.get("url").and_then(Node::as_str))
        .map(server_path)
        .collect();
    OpenApi {
        operations,
        base_paths,
    }
}

/// True when the validator named by `chosen` is defined in `validators`
/// (`x-amazon-apigateway-request-validators`) and checks the body or the
/// parameters. API Gateway validates nothing without a named validator.
fn validates(validators: Option<&Node>, chosen: Option<&Node>) -> bool {
    let Some(validator) = chosen
        .and_then(Node::as_str)
        .and_then(|name| validators?.get(name))
    else {
        return false;
    };
    let checks = |key: &str| validator.get(key).and_then(Node::as_bool) == Some(true);
    checks("validateRequestBody") || checks("validateRequestParameters")
}

/// True when a security requirement list holds a non-empty requirement; an
/// empty object `{}` in the list makes security optional.
fn has_requirements(list: Option<&Node>) -> bool {
    let Some(items) = list.and_then(Node::as_seq) else {
        return false;
    };
    !items.is_empty()
        && items
            .iter()
            .all(|r| r.as_map().is_some_and(|m| !m.is_empty()))
}

fn server_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        rest.find('/').map_or("", |i| &rest[i..])
    } else {
        rest
    };
    path.trim_end_matches('/').to_string()
}

/// True when `request` (a concrete or prefix path) matches the template
/// `template`, where `{x}` matches one segment.
pub fn template_matches(template: &str, request: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let r: Vec<&str> = request.trim_end_matches('/').split('/').collect();
    t.len() == r.len()
        && t.iter()
            .zip(&r)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_method_is_an_operation() {
        let root = crate::yaml::parse_one(
            "paths:\n  /a:\n    x-amazon-apigateway-any-method: {}\n    summary: x\n    get: {}\n",
            crate::yaml::Limits::default(),
        )
        .unwrap();
        let methods: Vec<String> = parse(&root)
            .operations
            .into_iter()
            .map(|o| o.method)
            .collect();
        assert_eq!(methods, ["ANY", "GET"]);
    }

    #[test]
    fn server_paths_and_templates() {
        assert_eq!(server_path("https://api.example.com/v1/"), "/v1");
        assert_eq!(server_path("/"), "");
        assert!(template_matches("/pets/{id}", "/pets/42"));
        assert!(!template_matches("/pets/{id}", "/pets"));
    }
}
