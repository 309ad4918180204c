//! The control catalog (`catalog/controls.yaml`): the security controls that
//! blueprint files implement, with stable IDs.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::BlueprintError;
use super::source::SetFiles;

/// Path of the control catalog inside a blueprint set.
pub const CONTROLS_PATH: &str = "catalog/controls.yaml";

/// A security control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Stable ID, such as `GK-AUTHN-01`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Area the control belongs to.
    pub category: Category,
    /// What the control requires and why.
    pub description: String,
}

/// Area of a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Who the client is.
    Authentication,
    /// What the client may do.
    Authorization,
    /// Request rates and sizes.
    RateLimiting,
    /// Access and audit logs.
    Logging,
    /// TLS and encryption at rest.
    Encryption,
    /// Detecting and blocking attacks (WAF, anomaly rules).
    ThreatDetection,
    /// Knowing which APIs exist.
    Inventory,
    /// Lifetime and scope of tokens and keys.
    TokenManagement,
    /// Secure defaults of the gateway itself (admin interfaces, banners).
    Hardening,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    controls: Vec<Control>,
}

/// All controls of a blueprint set, in catalog order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The controls.
    pub controls: Vec<Control>,
}

impl Catalog {
    /// Loads the catalog; a set without one has no controls.
    pub fn load(files: &SetFiles) -> Result<Catalog, BlueprintError> {
        let Some(text) = files.get(CONTROLS_PATH) else {
            return Ok(Catalog::default());
        };
        let file: CatalogFile =
            serde_yaml::from_str(text).map_err(|e| BlueprintError::Manifest {
                file: CONTROLS_PATH.to_string(),
                message: e.to_string(),
            })?;
        let mut seen = std::collections::HashSet::new();
        for control in &file.controls {
            if !seen.insert(control.id.as_str()) {
                return Err(BlueprintError::Manifest {
                    file: CONTROLS_PATH.to_string(),
                    message: format!("control {} is defined twice", control.id),
                });
            }
        }
        Ok(Catalog {
            controls: file.controls,
        })
    }

    /// Returns true when the catalog defines `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.controls.iter().any(|c| c.id == id)
    }

    /// Returns the control with `id`.
    pub fn get(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// Returns the controls as a template value: a list in catalog order.
    pub fn to_context(&self) -> Json {
        serde_json::to_value(&self.controls).unwrap_or(Json::Null)
    }
}
