//! Format detection: which parser reads a file, by name first and content
//! second. Unknown files are skipped; known formats in versions gatekit
//! does not read are skipped with a reason.

use std::path::Path;

use super::ParseError;
use super::document::{Content, Document};
use super::parsers::{envoy, hcl, kong, nginx, openapi, settings, xml};
use super::source::SourceFile;
use crate::yaml::{self, Limits, Node};

/// What became of a file.
#[derive(Debug)]
pub enum Loaded {
    /// Parsed.
    Document(Box<Document>),
    /// Not a gateway format gatekit knows.
    Unknown,
    /// A known format gatekit does not read, with the reason.
    Unsupported(String),
    /// A supported format that does not parse.
    Invalid(ParseError),
}

/// Limits for YAML and JSON input: generous for real configurations (a
/// Kong file with 10,000 routes and three plugins each has about 550,000
/// nodes) and small enough that an alias bomb fails within a few hundred
/// megabytes.
pub const YAML_LIMITS: Limits = Limits {
    max_bytes: 32 * 1024 * 1024,
    max_depth: 64,
    max_nodes: 4_000_000,
    max_aliases: 10_000,
};

/// Reads and classifies one file.
pub fn load(source: SourceFile, disk_path: &Path, root: &Path) -> Loaded {
    let name = disk_path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e).to_string();
    let result = match extension.as_str() {
        "yaml" | "yml" | "json" => structured(&source),
        "tf" => hcl::parse(&source)
            .map(|t| Some(Content::Terraform(t)))
            .map_err(Problem::from),
        "xml" => apigee(&source, disk_path),
        "env" => env_file(&source),
        "cfg" if is_haproxy(&source.text) => {
            return Loaded::Unsupported("HAProxy configuration is not supported".to_string());
        }
        "conf" | "nginx" | "cfg" => conf(&source, &name, disk_path, root),
        _ if name == ".env" || name.starts_with("kong.conf") => env_or_conf(&source, &name),
        _ => Ok(None),
    };
    match result {
        Ok(Some(content)) => Loaded::Document(Box::new(Document {
            source,
            disk_path: disk_path.to_path_buf(),
            content,
        })),
        Ok(None) => Loaded::Unknown,
        Err(Unsupported(reason)) => Loaded::Unsupported(reason),
        Err(Invalid(error)) => Loaded::Invalid(error),
    }
}

enum Problem {
    Unsupported(String),
    Invalid(ParseError),
}
use Problem::{Invalid, Unsupported};

impl From<ParseError> for Problem {
    fn from(error: ParseError) -> Self {
        Invalid(error)
    }
}

fn structured(source: &SourceFile) -> Result<Option<Content>, Problem> {
    let docs = yaml::parse(&source.text, YAML_LIMITS).map_err(|e| ParseError {
        path: source.path.clone(),
        pos: e.pos,
        message: format!("invalid YAML or JSON: {}", e.message),
    })?;
    // Multi-document files (Kubernetes manifests) are read document by
    // document; the first recognised gateway document decides the format.
    let mut env = settings::Settings::default();
    for doc in &docs {
        if let Some(content) = classify(doc)? {
            return Ok(Some(content));
        }
        env.items.extend(settings::from_env_yaml(doc).items);
    }
    Ok((!env.items.is_empty()).then_some(Content::KongSettings(env)))
}

fn classify(doc: &Node) -> Result<Option<Content>, Problem> {
    if kong::detect(doc) {
        return Ok(Some(Content::Kong(kong::KongConfig::from_root(doc))));
    }
    if let Some(version) = openapi::version(doc) {
        if version.starts_with('3') {
            return Ok(Some(Content::OpenApi(openapi::parse(doc))));
        }
        return Err(Unsupported(format!(
            "OpenAPI (Swagger) version {version} is not supported; gatekit reads OpenAPI 3"
        )));
    }
    let normalised = envoy::normalize(doc.clone());
    if envoy::detect(&normalised) {
        if let Some(marker) = envoy::v2_marker(&normalised) {
            return Err(Unsupported(format!(
                "Envoy v2 configuration ({marker}) is not supported; gatekit reads the v3 API"
            )));
        }
        return Ok(Some(Content::Envoy(normalised)));
    }
    if is_kong_helm(doc) {
        return Ok(Some(Content::KongHelm(
            settings::from_helm_env(doc),
            doc.clone(),
        )));
    }
    Ok(None)
}

/// Kong's chart values have `admin`, `proxy` and `env` blocks, or an image
/// from a `kong` repository.
fn is_kong_helm(doc: &Node) -> bool {
    let image = doc
        .get("image")
        .and_then(|i| i.get("repository"))
        .and_then(Node::as_str)
        .unwrap_or("");
    let repo_is_kong = image
        .rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with("kong"));
    let shaped = doc.get("admin").and_then(Node::as_map).is_some()
        && doc.get("proxy").and_then(Node::as_map).is_some();
    repo_is_kong || (shaped && doc.get("env").is_some())
}

fn apigee(source: &SourceFile, disk_path: &Path) -> Result<Option<Content>, Problem> {
    let in_bundle = disk_path.components().any(|c| c.as_os_str() == "apiproxy");
    let root_hint = ["<ProxyEndpoint", "<TargetEndpoint", "<APIProxy"];
    if !in_bundle && !root_hint.iter().any(|h| source.text.contains(h)) {
        return Ok(None);
    }
    Ok(Some(Content::Apigee(xml::parse(source)?)))
}

fn env_file(source: &SourceFile) -> Result<Option<Content>, Problem> {
    let found = settings::parse_env_file(source);
    Ok((!found.items.is_empty()).then_some(Content::KongSettings(found)))
}

fn env_or_conf(source: &SourceFile, name: &str) -> Result<Option<Content>, Problem> {
    if name.starts_with("kong.conf") {
        return Ok(Some(Content::KongSettings(settings::parse_conf(source))));
    }
    env_file(source)
}

fn conf(
    source: &SourceFile,
    name: &str,
    disk_path: &Path,
    root: &Path,
) -> Result<Option<Content>, Problem> {
    if name.contains("kong") && looks_like_key_value(&source.text) {
        return Ok(Some(Content::KongSettings(settings::parse_conf(source))));
    }
    if is_haproxy(&source.text) {
        return Err(Unsupported(
            "HAProxy configuration is not supported".to_string(),
        ));
    }
    if looks_like_key_value(&source.text) && !source.text.contains('{') {
        return Ok(Some(Content::KongSettings(settings::parse_conf(source))));
    }
    Ok(Some(Content::Nginx(nginx::parse(source, disk_path, root)?)))
}

/// True when every non-comment line is `key = value`.
fn looks_like_key_value(text: &str) -> bool {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    if lines.peek().is_none() {
        return true;
    }
    lines.all(|l| {
        l.split_once('=').is_some_and(|(k, _)| {
            k.trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// HAProxy sections start at column 0 with a section keyword.
fn is_haproxy(text: &str) -> bool {
    let sections = text
        .lines()
        .filter(|l| {
            let word = l.split_whitespace().next().unwrap_or("");
            !l.starts_with([' ', '\t'])
                && matches!(
                    word,
                    "global" | "defaults" | "frontend" | "backend" | "listen"
                )
        })
        .count();
    sections >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_and_haproxy_shapes() {
        assert!(looks_like_key_value("# c\nadmin_listen = off\n"));
        assert!(!looks_like_key_value("server { listen 80; }\n"));
        assert!(is_haproxy(
            "global\n  daemon\ndefaults\n  mode http\nfrontend f\n  bind :80\n"
        ));
    }
}
