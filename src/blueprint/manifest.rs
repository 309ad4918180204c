//! Blueprint set metadata and manifests.
//!
//! `set.yaml` names the set, its version, the oldest gatekit that can render
//! it and the manifests it contains. Each manifest lists the files it
//! renders: template, output path, format, the condition on answers and the
//! control IDs the file implements.

use serde::{Deserialize, Serialize};

use super::BlueprintError;
use super::catalog::Catalog;
use super::escape::Format;
use super::source::SetFiles;
use crate::answers::{Environment, Vendor};

/// `set.yaml`: the blueprint set's own metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetMeta {
    /// Set name, for messages.
    pub name: String,
    /// Set version, recorded in generated repositories.
    pub version: String,
    /// Oldest gatekit version that can render this set.
    pub min_gatekit: String,
    /// Manifest files, relative to the set root, in render order.
    pub manifests: Vec<String>,
}

/// One manifest: a group of files rendered together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest name, unique in the set.
    pub name: String,
    /// Human-readable title.
    pub title: String,
    /// The vendor this manifest belongs to; none for shared manifests.
    #[serde(default)]
    pub vendor: Option<Vendor>,
    /// Environments a vendor manifest supports.
    #[serde(default)]
    pub environments: Vec<Environment>,
    /// Validators and CI jobs that check the files of this manifest.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Files the manifest renders.
    pub files: Vec<FileEntry>,
    /// Folder of the manifest, relative to the set root (filled on load).
    #[serde(skip)]
    pub dir: String,
}

/// A validator or CI job and the files it checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// What runs, as a reader knows it (`decK file validate`, `checkov`).
    pub tool: String,
    /// CI job that runs it.
    pub job: String,
    /// Output path prefixes it covers.
    pub paths: Vec<String>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Template path, relative to the manifest's folder.
    pub template: String,
    /// Output path; may contain Tera expressions such as `{{ item }}`.
    pub path: String,
    /// Format, which selects escaping and the parser that checks the result.
    pub format: Format,
    /// Tera expression on the answers; the file is rendered when it is true.
    #[serde(default)]
    pub when: Option<String>,
    /// Dotted key of a list in the template context; the file is rendered
    /// once per item, with the item as `item`.
    #[serde(default)]
    pub each: Option<String>,
    /// Control IDs from the catalog that this file implements.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Whether the file is written executable.
    #[serde(default)]
    pub executable: bool,
}

/// The parsed set: metadata, every manifest and the catalog.
#[derive(Debug, Clone)]
pub struct Blueprints {
    /// The raw files.
    pub files: SetFiles,
    /// `set.yaml`.
    pub meta: SetMeta,
    /// Manifests in `set.yaml` order.
    pub manifests: Vec<Manifest>,
    /// Controls and threats from `catalog/`.
    pub catalog: Catalog,
}

impl Blueprints {
    /// Parses `set.yaml`, every manifest it lists and the catalog. The
    /// catalog is parsed on a second thread: it is as large as all the
    /// manifests together, and neither needs the other.
    pub fn parse(files: SetFiles) -> Result<Blueprints, BlueprintError> {
        let meta: SetMeta = parse_yaml(&files, "set.yaml")?;
        check_min_version(&meta)?;
        let (manifests, catalog) = std::thread::scope(|scope| {
            let catalog = scope.spawn(|| Catalog::load(&files));
            let manifests = parse_manifests(&files, &meta);
            let catalog = catalog
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (manifests, catalog)
        });
        Ok(Blueprints {
            manifests: manifests?,
            catalog: catalog?,
            files,
            meta,
        })
    }

    /// Returns the manifest of a vendor, if the set has one.
    pub fn vendor_manifest(&self, vendor: Vendor) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.vendor == Some(vendor))
    }
}

/// Parses the manifests `set.yaml` lists, checking that their templates
/// exist and their names are unique.
fn parse_manifests(files: &SetFiles, meta: &SetMeta) -> Result<Vec<Manifest>, BlueprintError> {
    let mut manifests = Vec::new();
    for path in &meta.manifests {
        let mut manifest: Manifest = parse_yaml(files, path)?;
        manifest.dir = path
            .rsplit_once('/')
            .map_or(String::new(), |(dir, _)| dir.to_string());
        for entry in &manifest.files {
            let template = manifest.template_path(entry);
            if files.get(&template).is_none() {
                return Err(BlueprintError::Manifest {
                    file: path.clone(),
                    message: format!("template {template} not found"),
                });
            }
        }
        if manifests.iter().any(|m: &Manifest| m.name == manifest.name) {
            return Err(BlueprintError::Manifest {
                file: path.clone(),
                message: format!("manifest name {} is used twice", manifest.name),
            });
        }
        manifests.push(manifest);
    }
    Ok(manifests)
}

impl Manifest {
    /// Returns the set-relative path of an entry's template. A template may
    /// name a shared one in another folder, such as `../common/x.tera`. A
    /// path that climbs above the set root is kept as written, so that it
    /// is reported as not found.
    pub fn template_path(&self, entry: &FileEntry) -> String {
        if self.dir.is_empty() {
            entry.template.clone()
        } else {
            resolve_dots(&format!("{}/{}", self.dir, entry.template))
        }
    }
}

/// Removes `..` segments from a `/`-separated relative path.
fn resolve_dots(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        if segment == ".." {
            if parts.pop().is_none() {
                return path.to_string();
            }
        } else {
            parts.push(segment);
        }
    }
    parts.join("/")
}

fn parse_yaml<T: serde::de::DeserializeOwned>(
    files: &SetFiles,
    path: &str,
) -> Result<T, BlueprintError> {
    let text = files.get(path).ok_or_else(|| BlueprintError::Manifest {
        file: path.to_string(),
        message: "file not found in the blueprint set".to_string(),
    })?;
    serde_yaml::from_str(text).map_err(|err| BlueprintError::Manifest {
        file: path.to_string(),
        message: err.to_string(),
    })
}

fn check_min_version(meta: &SetMeta) -> Result<(), BlueprintError> {
    let own = env!("CARGO_PKG_VERSION");
    let needed = parse_version(&meta.min_gatekit).ok_or_else(|| BlueprintError::Manifest {
        file: "set.yaml".to_string(),
        message: format!(
            "min_gatekit {:?} is not a version such as 1.2.0",
            meta.min_gatekit
        ),
    })?;
    if parse_version(own).is_some_and(|own| own < needed) {
        return Err(BlueprintError::TooOld {
            set: meta.name.clone(),
            needed: meta.min_gatekit.clone(),
        });
    }
    Ok(())
}

/// Parses `MAJOR.MINOR.PATCH` into a comparable tuple.
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let version = (
        parts.next()??,
        parts.next().unwrap_or(Some(0))?,
        parts.next().unwrap_or(Some(0))?,
    );
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::resolve_dots;

    #[test]
    fn dots_resolve_inside_the_set() {
        assert_eq!(resolve_dots("kong/../common/a.tera"), "common/a.tera");
        assert_eq!(resolve_dots("kong/a.tera"), "kong/a.tera");
        assert_eq!(resolve_dots("kong/../../a.tera"), "kong/../../a.tera");
    }
}
