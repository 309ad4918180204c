//! `.gatekit/answers.yaml`: the answers a repository was generated from,
//! with the gatekit version, the blueprint source and a digest of every
//! generated file.
//!
//! The file is also a valid answers file: `--answers` reads the answers and
//! the `record` block, and `update` uses the digests to tell which files the
//! user changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::answers::Answers;
use crate::blueprint::Origin;
use crate::tree::{File, Tree};

/// Where the record lives in a generated repository.
pub const RECORD_PATH: &str = ".gatekit/answers.yaml";

/// The `record` block of `.gatekit/answers.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// gatekit version that wrote the repository.
    pub gatekit_version: String,
    /// Blueprint set the repository was rendered from.
    pub blueprints: Origin,
    /// `sha256:` digest of every generated file except this one, by path.
    pub files: BTreeMap<String, String>,
}

impl Record {
    /// Builds the record for a rendered tree.
    pub fn new(origin: &Origin, tree: &Tree) -> Record {
        Record {
            gatekit_version: env!("CARGO_PKG_VERSION").to_string(),
            blueprints: origin.clone(),
            files: tree
                .files
                .iter()
                .filter(|(path, _)| path.as_str() != RECORD_PATH)
                .map(|(path, file)| (path.clone(), file.digest()))
                .collect(),
        }
    }
}

const HEADER: &str = "\
# Written by gatekit: the answers this repository was generated from.
# Change answers with `gatekit update --set key=value` rather than by hand,
# so that the generated files follow. The record block lets `gatekit update`
# tell your edits apart from generated content.
";

/// Writes the record file's text.
pub fn to_text(answers: &Answers, record: &Record) -> String {
    let mut document = serde_json::to_value(answers).unwrap_or(Json::Null);
    if let Some(map) = document.as_object_mut() {
        map.insert(
            "record".to_string(),
            serde_json::to_value(record).unwrap_or(Json::Null),
        );
    }
    let mut body = String::from(HEADER);
    emit(&document, 0, &mut body);
    body
}

/// Writes a JSON value as block-style YAML with two-space indentation and
/// indented sequences. Strings are always double-quoted, so that no YAML 1.1
/// reader turns `yes` or `0755` into something else.
fn emit(value: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) => {
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(&key_text(key));
                out.push(':');
                emit_child(item, indent, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Json::Object(map) if !map.is_empty() => {
                        // The first key goes on the dash line, the rest align with it.
                        let mut nested = String::new();
                        emit(item, indent + 2, &mut nested);
                        out.push(' ');
                        out.push_str(nested.trim_start());
                    }
                    _ => emit_child(item, indent, out),
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn emit_child(item: &Json, indent: usize, out: &mut String) {
    match item {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            emit(item, indent + 2, out);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            emit(item, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

/// Writes a mapping key bare when no YAML reader could mistake it for
/// another type, and quoted otherwise.
fn key_text(key: &str) -> String {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '.')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        key.to_string()
    } else {
        scalar(&Json::String(key.to_string()))
    }
}

fn scalar(value: &Json) -> String {
    match value {
        Json::String(text) => crate::blueprint::escape::quote(crate::blueprint::Format::Yaml, text)
            .unwrap_or_else(|_| format!("{text:?}")),
        Json::Object(_) => "{}".to_string(),
        Json::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

/// Adds the record file to a rendered tree.
pub fn add_to(tree: &mut Tree, answers: &Answers, origin: &Origin) {
    let record = Record::new(origin, tree);
    tree.files.insert(
        RECORD_PATH.to_string(),
        File {
            bytes: to_text(answers, &record).into_bytes(),
            executable: false,
        },
    );
}
