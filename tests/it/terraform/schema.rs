//! The offline provider schema: argument, block and attribute names of the
//! resources gatekit emits, read from the shared `terraform-resources.json`.
//! The allowlist uses the same node format for what the file lacks.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// The local name of Terraform's built-in provider, which needs no
/// `required_providers` entry.
pub const BUILTIN_PROVIDER: &str = "terraform";

/// The major AWS provider version the `v6_changes` overlay describes. The
/// checker applies the overlay, so generated AWS code must target it.
pub const AWS_OVERLAY_MAJOR: u64 = 6;

/// The whole file.
#[derive(Debug, Deserialize)]
pub struct Schema {
    pub format: Format,
    pub providers: BTreeMap<String, Provider>,
}

/// The `format` key; only the version is read, to reject a layout this
/// checker does not know.
#[derive(Debug, Deserialize)]
pub struct Format {
    pub version: u64,
}

/// One provider. Keys that only document provenance are not read.
#[derive(Debug, Deserialize)]
pub struct Provider {
    /// Registry source, such as `hashicorp/aws`.
    pub source: String,
    pub version: String,
    pub resources: BTreeMap<String, Node>,
    pub data_sources: BTreeMap<String, Node>,
    #[serde(default)]
    pub v6_overlay: Option<serde_json::Value>,
}

impl Provider {
    /// The major version whose names this schema describes.
    /// The version for messages, such as `5.46.0 with the 6.0 changes`.
    pub fn describe(&self) -> String {
        let version = self.version.split_whitespace().next().unwrap_or_default();
        match self.v6_overlay {
            Some(_) => format!("{version} with the {AWS_OVERLAY_MAJOR}.0 changes"),
            None => version.to_string(),
        }
    }

    pub fn major(&self) -> u64 {
        if self.v6_overlay.is_some() {
            return AWS_OVERLAY_MAJOR;
        }
        self.version
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("provider version `{}` has no major", self.version))
    }
}

/// A resource, data source or nested block.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    #[serde(default)]
    pub arguments: BTreeMap<String, Argument>,
    #[serde(default)]
    pub blocks: BTreeMap<String, Node>,
    /// Computed names that may be referenced but not set.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Computed attribute path to the names inside it (resources only).
    #[serde(default)]
    pub nested_attributes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub v6_changes: Option<V6Changes>,
    #[serde(default)]
    pub google_beta_only_arguments: Vec<String>,
    /// Names that are attributes and must not be written as blocks.
    #[serde(default)]
    pub not_blocks: Vec<String>,
    /// How the provider implements the resource; informational.
    #[serde(default, rename = "implementation")]
    _implementation: Option<IgnoredAny>,
    /// For blocks: at least one must be present.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min_items: Option<usize>,
    #[serde(default)]
    pub max_items: Option<usize>,
    /// `set` or `single`; a list when absent.
    #[serde(default)]
    pub nesting: Option<String>,
    /// A dotted path from the resource root to the block with the same
    /// content.
    #[serde(default, rename = "$ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    /// `attribute-as-blocks`: the block may also be written as an argument.
    #[serde(default)]
    pub config_mode: Option<String>,
    /// Arguments a non-empty block of this kind must set.
    #[serde(default)]
    pub required_to_manage: Vec<String>,
}

/// An argument of a resource or block.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argument {
    #[serde(default)]
    pub required: bool,
    /// The value type; informational, and absent for some arguments.
    #[serde(default, rename = "type")]
    _value_type: Option<IgnoredAny>,
    /// Strings, numbers or booleans.
    #[serde(default)]
    pub allowed_values: Option<Vec<serde_json::Value>>,
    /// `false` when `allowed_values` lists examples, not every value.
    #[serde(default)]
    pub allowed_values_exhaustive: Option<bool>,
    #[serde(default)]
    pub range: Option<[f64; 2]>,
    #[serde(default)]
    pub min_items: Option<usize>,
    #[serde(default)]
    pub max_items: Option<usize>,
    /// Other argument to the literal values that make this one required.
    #[serde(default)]
    pub required_if: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub required_for_modes: Vec<String>,
    /// Keys of an object-typed argument written `name = { ... }`.
    #[serde(default)]
    pub nested_attributes: Option<BTreeMap<String, Argument>>,
    #[serde(default)]
    pub deprecated: bool,
    /// Whether the provider never stores the value; no check depends on it.
    #[serde(default, rename = "write_only")]
    _write_only: Option<IgnoredAny>,
    /// Whether the provider's docs omit the argument; informational.
    #[serde(default, rename = "undocumented")]
    _undocumented: Option<IgnoredAny>,
}

impl Argument {
    /// The values a literal must be one of, as text, when the list is
    /// exhaustive.
    pub fn enforced_values(&self) -> Option<Vec<String>> {
        if self.allowed_values_exhaustive == Some(false) {
            return None;
        }
        let values = self.allowed_values.as_ref()?;
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Some(values.iter().map(text).collect())
    }
}

/// Names the AWS 6.0 release added or removed on a resource.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V6Changes {
    #[serde(default)]
    pub added_arguments: Vec<String>,
    #[serde(default)]
    pub removed_arguments: Vec<String>,
    #[serde(default)]
    pub added_attributes: Vec<String>,
    #[serde(default)]
    pub removed_attributes: Vec<String>,
    /// Computed attributes that became settable arguments; each is also
    /// in `added_arguments`.
    #[serde(default, rename = "attribute_to_argument")]
    _attribute_to_argument: Option<IgnoredAny>,
}

impl Schema {
    /// Reads and parses the schema file, panicking with the reason.
    pub fn load(path: &Path) -> Schema {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut de = serde_json::Deserializer::from_str(&text);
        let mut schema: Schema = serde_path_to_error::deserialize(&mut de)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            schema.format.version,
            1,
            "{}: unknown format version",
            path.display()
        );
        schema
            .providers
            .insert(BUILTIN_PROVIDER.to_string(), builtin_provider());
        schema
    }

    /// Looks up a resource (`data` false) or data source of a provider.
    pub fn node(&self, provider: &str, data: bool, type_name: &str) -> Option<&Node> {
        let provider = self.providers.get(provider)?;
        let map = if data {
            &provider.data_sources
        } else {
            &provider.resources
        };
        map.get(type_name)
    }
}

impl Node {
    /// Follows a `$ref` from `root`, the resource the block belongs to.
    pub fn resolve<'a>(&'a self, root: &'a Node) -> &'a Node {
        let Some(path) = &self.reference else {
            return self;
        };
        let mut node = root;
        for name in path.split('.') {
            node = node
                .blocks
                .get(name)
                .unwrap_or_else(|| panic!("$ref `{path}` names no block"))
                .resolve(root);
        }
        node
    }
}

/// Returns the provider local name of a resource type: the part before the first
/// `_`, as Terraform infers it.
pub fn provider_of(type_name: &str) -> &str {
    type_name.split_once('_').map_or(type_name, |(p, _)| p)
}

/// Terraform's built-in provider, whose only resource is `terraform_data`
/// (Terraform 1.4 and later: arguments `input` and `triggers_replace`,
/// attributes `id` and `output`).
fn builtin_provider() -> Provider {
    let terraform_data = serde_json::json!({
        "arguments": {"input": {}, "triggers_replace": {}},
        "attributes": ["id", "output"],
    });
    Provider {
        source: "terraform.io/builtin/terraform".to_string(),
        version: "1.4.0".to_string(),
        resources: BTreeMap::from([(
            "terraform_data".to_string(),
            serde_json::from_value(terraform_data).expect("valid node"),
        )]),
        data_sources: BTreeMap::new(),
        v6_overlay: None,
    }
}
