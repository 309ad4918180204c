//! Answer keys: dotted paths such as `services[0].path`, checked against the
//! JSON schema that schemars derives from the answers model.
//!
//! The schema is the single description of the keys: `--set` parsing, the
//! "did you mean" hints and the generated answers reference all read it, so
//! they cannot drift from the model.

use std::sync::LazyLock;

use serde_json::Value;

use super::model::Answers;
use super::validate::shown;

/// The JSON schema of an answers file.
pub static SCHEMA: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(schemars::schema_for!(Answers)).unwrap_or(Value::Null));

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Field(String),
    /// A list index.
    Index(usize),
}

/// The type of value a key takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Free text or a name.
    String,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// One of a fixed set of names.
    Choice(Vec<String>),
    /// A list whose items have the inner kind.
    List(Box<Kind>),
    /// A group of keys.
    Group,
}

/// A key path that is malformed or not in the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KeyError {
    /// What is wrong with the key, with a suggestion where one is close.
    pub message: String,
}

/// Parses `a.b[0].c` into segments.
pub fn parse_path(key: &str) -> Result<Vec<Segment>, KeyError> {
    let malformed = || KeyError {
        message: format!(
            "malformed key `{}`: use dotted names and list indexes, as in `services[0].path`",
            shown(key)
        ),
    };
    let mut segments = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(at) => part.split_at(at),
            None => (part, ""),
        };
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(malformed());
        }
        segments.push(Segment::Field(name.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(malformed)?;
            let index = rest[1..close].parse::<usize>().map_err(|_| malformed())?;
            segments.push(Segment::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(malformed());
            }
        }
    }
    Ok(segments)
}

/// Formats segments back into a dotted key.
pub fn format_path(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Returns the kind of value the key takes, or an error naming the nearest
/// valid key.
pub fn kind_of(segments: &[Segment]) -> Result<Kind, KeyError> {
    let mut node = resolve(&SCHEMA);
    let mut walked: Vec<Segment> = Vec::new();
    for segment in segments {
        match segment {
            Segment::Field(name) => {
                let properties = node.get("properties").and_then(Value::as_object);
                let Some(next) = properties.and_then(|p| p.get(name)) else {
                    let mut message = if walked.is_empty() {
                        format!("unknown answer key `{}`", shown(name))
                    } else {
                        format!(
                            "unknown answer key `{}` in `{}`",
                            shown(name),
                            format_path(&walked)
                        )
                    };
                    let names: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    if let Some(hint) = nearest(name, &names) {
                        message.push_str(&format!("; did you mean `{hint}`?"));
                    }
                    return Err(KeyError { message });
                };
                node = resolve(next);
            }
            Segment::Index(_) => {
                let Some(items) = node.get("items") else {
                    return Err(KeyError {
                        message: format!("`{}` is not a list", format_path(&walked)),
                    });
                };
                node = resolve(items);
            }
        }
        walked.push(segment.clone());
    }
    Ok(kind_of_schema(node))
}

/// Returns every leaf key of the schema with its description and default,
/// in schema order, for the generated reference.
pub fn reference() -> Vec<KeyDoc> {
    let mut out = Vec::new();
    walk_reference(resolve(&SCHEMA), String::new(), &mut out);
    out
}

/// Documentation of one answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDoc {
    /// Dotted key, with `[]` for list items.
    pub key: String,
    /// Kind of value.
    pub kind: Kind,
    /// Description from the model's doc comment.
    pub description: String,
    /// Default value as YAML flow text, if the key has one.
    pub default: Option<Value>,
}

fn walk_reference(node: &Value, prefix: String, out: &mut Vec<KeyDoc>) {
    let Some(properties) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    let defaults = node.get("default");
    for (name, raw) in properties {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let child = resolve(raw);
        let description = raw
            .get("description")
            .or_else(|| child.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let default = raw
            .get("default")
            .or_else(|| defaults.and_then(|d| d.get(name)))
            .cloned();
        let kind = kind_of_schema(child);
        out.push(KeyDoc {
            key: key.clone(),
            kind: kind.clone(),
            description,
            default,
        });
        match kind {
            Kind::Group => walk_reference(child, key, out),
            Kind::List(inner) if *inner == Kind::Group => {
                if let Some(items) = child.get("items") {
                    walk_reference(resolve(items), format!("{key}[]"), out);
                }
            }
            _ => {}
        }
    }
}

fn kind_of_schema(node: &Value) -> Kind {
    if let Some(choices) = choices(node) {
        return Kind::Choice(choices);
    }
    match node.get("type").and_then(Value::as_str) {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("boolean") => Kind::Boolean,
        Some("array") => {
            let inner = node
                .get("items")
                .map(resolve)
                .map_or(Kind::String, kind_of_schema);
            Kind::List(Box::new(inner))
        }
        _ => Kind::Group,
    }
}

fn choices(node: &Value) -> Option<Vec<String>> {
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        );
    }
    let variants = node.get("oneOf").and_then(Value::as_array)?;
    let consts: Vec<String> = variants
        .iter()
        .filter_map(|v| {
            v.get("const")
                .or_else(|| v.get("enum").and_then(|e| e.get(0)))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    (consts.len() == variants.len()).then_some(consts)
}

/// Follows a `$ref` into the schema's `$defs`.
fn resolve(node: &Value) -> &Value {
    let mut node = node;
    for _ in 0..8 {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let name = target.trim_start_matches("#/$defs/");
        match SCHEMA.get("$defs").and_then(|d| d.get(name)) {
            Some(found) => node = found,
            None => break,
        }
    }
    node
}

/// Returns the candidate closest to `name`, if it is close enough to be a
/// likely typo.
pub fn nearest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), *c))
        .filter(|(distance, c)| *distance <= 2.max(c.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// Writes the answers reference in Markdown, from the schema.
pub fn reference_markdown() -> String {
    let required = super::load::REQUIRED;
    let mut out = format!(
        "# Answers reference\n\n\
         Every key an answers file may set, with its type, default and meaning. This page is \
         generated from gatekit's answers model, and the test suite fails when it is out of \
         date.\n\n\
         Keys are written as in `--set`: dotted, with `[]` for the items of a list \
         (`--set services[0].path=/orders`). Without `--defaults`, these keys must come from \
         the answers file, `--set` or a prompt: {}. Each service listed must also set `name`, \
         `upstream` and `path`, since their defaults describe the example service. Every other \
         key falls back to its default.\n",
        required
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let docs = reference();
    let (general, grouped): (Vec<&KeyDoc>, Vec<&KeyDoc>) = docs.iter().partition(|d| {
        !d.key.contains(['.', '[']) && d.kind != Kind::Group && !is_list_of_groups(d)
    });
    out.push_str("\n## General\n\n");
    table(&mut out, &general);
    let mut index = 0;
    while index < grouped.len() {
        let head = grouped[index];
        let top = head.key.split(['.', '[']).next().unwrap_or_default();
        let section: Vec<&KeyDoc> = grouped[index..]
            .iter()
            .take_while(|d| d.key.split(['.', '[']).next() == Some(top))
            .copied()
            .collect();
        index += section.len();
        out.push_str(&format!("\n## `{top}`\n\n{}\n\n", cell(&head.description)));
        let rows: Vec<&KeyDoc> = section.into_iter().filter(|d| d.key != top).collect();
        table(&mut out, &rows);
    }
    out
}

fn is_list_of_groups(doc: &KeyDoc) -> bool {
    matches!(&doc.kind, Kind::List(inner) if **inner == Kind::Group)
}

fn table(out: &mut String, rows: &[&KeyDoc]) {
    out.push_str("| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n");
    for doc in rows {
        if doc.kind == Kind::Group {
            continue;
        }
        let default = doc
            .default
            .as_ref()
            .map(|v| format!("`{v}`"))
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            doc.key,
            kind_name(&doc.kind),
            default,
            cell(&doc.description)
        ));
    }
}

fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::String => "text".to_string(),
        Kind::Integer => "integer".to_string(),
        Kind::Boolean => "`true` or `false`".to_string(),
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::List(inner) => format!("list of {}", kind_name(inner)),
        Kind::Group => "group".to_string(),
    }
}

/// Makes a description fit one table cell.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(key: &str) -> Result<Kind, KeyError> {
        kind_of(&parse_path(key).unwrap())
    }

    #[test]
    fn parses_dotted_keys_with_indexes() {
        assert_eq!(
            parse_path("services[2].methods[0]").unwrap(),
            vec![
                Segment::Field("services".into()),
                Segment::Index(2),
                Segment::Field("methods".into()),
                Segment::Index(0)
            ]
        );
        assert!(parse_path("services[x]").is_err());
        assert!(parse_path("a..b").is_err());
    }

    #[test]
    fn kinds_come_from_the_schema() {
        assert_eq!(kind("rate_limit.per_second").unwrap(), Kind::Integer);
        assert_eq!(kind("services[0].public").unwrap(), Kind::Boolean);
        assert_eq!(kind("services[0].path").unwrap(), Kind::String);
        assert_eq!(
            kind("environment").unwrap(),
            Kind::Choice(vec!["on-prem".into(), "cloud".into(), "hybrid".into()])
        );
        assert_eq!(
            kind("tls.min_version").unwrap(),
            Kind::Choice(vec!["1.2".into(), "1.3".into()])
        );
        assert_eq!(
            kind("tls.domains").unwrap(),
            Kind::List(Box::new(Kind::String))
        );
    }

    #[test]
    fn unknown_key_suggests_nearest() {
        let err = kind("rate_limit.per_secnd").unwrap_err();
        assert!(
            err.message.contains("did you mean `per_second`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn reference_lists_nested_and_list_keys() {
        let keys: Vec<String> = reference().into_iter().map(|d| d.key).collect();
        assert!(
            keys.contains(&"services[].upstream".to_string()),
            "{keys:?}"
        );
        assert!(keys.contains(&"auth.jwt.audiences".to_string()));
    }
}
