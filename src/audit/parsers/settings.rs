//! Kong settings as `key = value` pairs, from `kong.conf`, from `KONG_*`
//! environment variables (in `.env` files, Kubernetes manifests, Compose
//! files) and from the `env:` block of Kong's Helm chart values.
//!
//! Every source is normalised to kong.conf names (`admin_listen`), so one
//! set of rules reads them all.

use crate::audit::source::SourceFile;
use crate::yaml::{Node, Pos};

/// One Kong setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// kong.conf name, lowercase.
    pub key: String,
    /// Value with quotes and trailing comments removed.
    pub value: String,
    /// Where the value starts.
    pub pos: Pos,
}

/// Kong settings found in one file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Settings in file order.
    pub items: Vec<Setting>,
}

impl Settings {
    /// Returns the last setting named `key` (later ones win, as in Kong).
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.items.iter().rev().find(|s| s.key == key)
    }
}

/// Parses kong.conf text. Comment lines and blank lines are skipped; `\#`
/// is a literal `#`, as in Kong's own reader.
pub fn parse_conf(source: &SourceFile) -> Settings {
    let mut items = Vec::new();
    for (index, line) in source.text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let Some((key, rest)) = trimmed.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = strip_comment(rest).trim().to_string();
        let offset = line.len() - rest.trim_start().len();
        items.push(Setting {
            key: key.to_ascii_lowercase(),
            value,
            pos: Pos {
                line: index + 1,
                col: line[..offset.min(line.len())].chars().count() + 1,
            },
        });
    }
    Settings { items }
}

fn strip_comment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'#') => {
                out.push('#');
                chars.next();
            }
            '#' => break,
            c => out.push(c),
        }
    }
    out
}

/// Parses `KEY=value` lines of a `.env` file, keeping `KONG_*` variables.
pub fn parse_env_file(source: &SourceFile) -> Settings {
    let mut items = Vec::new();
    for (index, line) in source.text.lines().enumerate() {
        let trimmed = line.trim_start().trim_start_matches("export ");
        let Some((name, value)) = trimmed.split_once('=') else {
            continue;
        };
        if let Some(key) = env_to_key(name.trim()) {
            let value = value
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string();
            let col = line.find('=').map_or(1, |i| i + 2);
            items.push(Setting {
                key,
                value,
                pos: Pos {
                    line: index + 1,
                    col,
                },
            });
        }
    }
    Settings { items }
}

/// Converts `KONG_ADMIN_LISTEN` to `admin_listen`.
pub fn env_to_key(name: &str) -> Option<String> {
    let rest = name.strip_prefix("KONG_")?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    valid.then(|| rest.to_ascii_lowercase())
}

/// Collects `KONG_*` variables anywhere in a YAML document: mapping keys
/// (`KONG_ADMIN_LISTEN: ...`, as in Compose) and `name`/`value` pairs (as in
/// Kubernetes container `env` lists).
pub fn from_env_yaml(root: &Node) -> Settings {
    let mut items = Vec::new();
    collect_env(root, &mut items);
    Settings { items }
}

fn collect_env(node: &Node, out: &mut Vec<Setting>) {
    if let Some(seq) = node.as_seq() {
        for item in seq {
            collect_env(item, out);
        }
        return;
    }
    let Some(entries) = node.as_map() else {
        return;
    };
    let name = node.get("name").and_then(Node::as_str);
    if let (Some(key), Some(value)) = (name.and_then(env_to_key), node.get("value")) {
        out.push(setting(key, value));
    }
    for (key, value) in entries {
        match key.as_scalar().and_then(env_to_key) {
            Some(name) => out.push(setting(name, value)),
            None => collect_env(value, out),
        }
    }
}

/// Reads the `env:` block of Kong Helm chart values: keys are kong.conf
/// names without the `KONG_` prefix, which the chart adds.
pub fn from_helm_env(root: &Node) -> Settings {
    let mut items = Vec::new();
    if let Some(env) = root.get("env").and_then(Node::as_map) {
        for (key, value) in env {
            let Some(name) = key.as_scalar() else {
                continue;
            };
            let name = name.to_ascii_lowercase().replace('-', "_");
            items.push(setting(name, value));
        }
    }
    Settings { items }
}

fn setting(key: String, value: &Node) -> Setting {
    let text = match value.as_scalar() {
        Some(text) => text.to_string(),
        // `valueFrom: secretKeyRef` and similar read the value elsewhere.
        None => String::new(),
    };
    Setting {
        key,
        value: text,
        pos: value.pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_values_comments_and_escapes() {
        let source = SourceFile::new(
            "kong.conf",
            "# admin_listen = 0.0.0.0:8001\nadmin_listen = 127.0.0.1:8001 # loopback\npg_password = foo\\#bar  # x\n"
                .to_string(),
        );
        let settings = parse_conf(&source);
        assert_eq!(settings.items.len(), 2);
        assert_eq!(
            settings.get("admin_listen").unwrap().value,
            "127.0.0.1:8001"
        );
        assert_eq!(
            settings.get("admin_listen").unwrap().pos,
            Pos { line: 2, col: 16 }
        );
        assert_eq!(settings.get("pg_password").unwrap().value, "foo#bar");
    }

    #[test]
    fn env_names_map_to_keys() {
        assert_eq!(
            env_to_key("KONG_ADMIN_LISTEN").as_deref(),
            Some("admin_listen")
        );
        assert_eq!(env_to_key("ADMIN_LISTEN"), None);
    }
}
