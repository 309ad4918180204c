//! The committed allowlist of provider features newer than the offline
//! schema: arguments added after it was taken, and resources it does not
//! list. Each entry names the provider version and the registry page that
//! defines it, and is a failure when no rendered repository uses it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::problem::{Kind, Problem};
use super::schema::{Node, Schema, provider_of};
use super::versions::Version;

/// The allowlist file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Where the file was read from, for messages.
    #[serde(skip)]
    pub path: String,
    pub entries: Vec<Entry>,
}

/// One allowlisted resource, or names added to a listed one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Resource or data source type, such as `aws_lb`.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub data_source: bool,
    /// Dotted path of nested blocks the names are added to; empty for the
    /// resource itself.
    #[serde(default)]
    pub block: String,
    /// The provider version whose documentation defines the names. Every
    /// folder that uses the entry must require at least this version.
    pub version: String,
    /// The registry page at that version.
    pub doc: String,
    /// The names, in the schema's node format. For a resource the schema
    /// does not list, the whole resource.
    pub adds: Node,
}

impl Entry {
    /// `resource.TYPE` or `data.TYPE`, with the block path, for messages.
    pub fn label(&self) -> String {
        let kind = if self.data_source { "data" } else { "resource" };
        let mut label = format!("{kind}.{}", self.type_name);
        if !self.block.is_empty() {
            label = format!("{label} block {}", self.block);
        }
        label
    }

    /// Returns every name the entry adds, or `""` for an entry that defines a
    /// resource.
    pub fn names(&self, schema: &Schema) -> Vec<String> {
        if self.defines_resource(schema) {
            return vec![String::new()];
        }
        let adds = &self.adds;
        let mut names: Vec<String> = adds.arguments.keys().cloned().collect();
        names.extend(adds.blocks.keys().cloned());
        names.extend(adds.attributes.iter().cloned());
        names
    }

    /// True when the schema does not list the type, so the entry defines it.
    pub fn defines_resource(&self, schema: &Schema) -> bool {
        let provider = provider_of(&self.type_name);
        schema
            .node(provider, self.data_source, &self.type_name)
            .is_none()
    }

    pub fn parsed_version(&self) -> Option<Version> {
        Version::parse(&self.version)
    }
}

/// Entry index and added name (`""` for a whole resource) of each
/// allowlist use, and the folders that used each entry.
#[derive(Debug, Default, Clone)]
pub struct Usage {
    pub names: BTreeSet<(usize, String)>,
    pub dirs: BTreeMap<String, BTreeSet<usize>>,
}

impl Usage {
    pub fn record(&mut self, dir: &str, entry: usize, name: &str) {
        self.names.insert((entry, name.to_string()));
        self.dirs.entry(dir.to_string()).or_default().insert(entry);
    }

    pub fn merge(&mut self, other: &Usage) {
        self.names.extend(other.names.iter().cloned());
        for (dir, entries) in &other.dirs {
            self.dirs
                .entry(dir.clone())
                .or_default()
                .extend(entries.iter().copied());
        }
    }
}

impl Allowlist {
    /// Reads the allowlist, panicking with the path and the reason.
    pub fn load(path: &Path) -> Allowlist {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let de = serde_yaml::Deserializer::from_str(&text);
        let mut allowlist: Allowlist = serde_path_to_error::deserialize(de)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        allowlist.path = path.display().to_string();
        allowlist
    }

    /// Reports each added name that no checked tree used.
    pub fn unused(&self, schema: &Schema, usage: &Usage) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            for name in entry.names(schema) {
                if usage.names.contains(&(index, name.clone())) {
                    continue;
                }
                let subject = if name.is_empty() {
                    "the resource".to_string()
                } else {
                    format!("`{name}`")
                };
                problems.push(Problem::new(
                    Kind::AllowlistUnused,
                    &self.path,
                    entry.label(),
                    format!("no generated Terraform uses {subject}; remove it from the allowlist"),
                ));
            }
        }
        problems
    }
}
