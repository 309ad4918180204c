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
    let body = serde_yaml::to_string(&document).unwrap_or_default();
    format!("{HEADER}{body}")
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
