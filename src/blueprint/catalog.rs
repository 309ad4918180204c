//! The catalog of a blueprint set: the security controls that blueprint
//! files implement (`catalog/controls.yaml`) and the threats they mitigate
//! (`catalog/threats.yaml`), with stable IDs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::BlueprintError;
use super::source::SetFiles;

/// Path of the control catalog inside a blueprint set.
pub const CONTROLS_PATH: &str = "catalog/controls.yaml";

/// Path of the threat catalog inside a blueprint set.
pub const THREATS_PATH: &str = "catalog/threats.yaml";

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
    /// Per vendor name (`kong`, `envoy`...), what verifies the control or
    /// why nothing does. Keys stay strings so that a set may describe a
    /// vendor this gatekit does not know yet; the catalog checks flag names
    /// that are not vendors.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub verification: BTreeMap<String, Verification>,
}

/// How a control is verified for one vendor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// Audit rule IDs that verify the control in configuration files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Probe check IDs that verify the control on a running gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// Why the vendor's blueprint does not implement the control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    /// Why no gatekit rule or check verifies the control yet, and what does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

/// A threat against the gateway and the controls that mitigate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    /// Stable ID, such as `T-TOKEN-REPLAY`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Severity when the controls are missing: `high`, `medium` or `low`.
    pub severity: Severity,
    /// STRIDE category.
    pub stride: Stride,
    /// OWASP API Security Top 10 (2023) categories, such as `API2:2023`.
    pub owasp: Vec<String>,
    /// What happens and why it matters.
    pub description: String,
    /// Concrete attacks.
    pub attacks: Vec<String>,
    /// Control IDs that mitigate the threat.
    pub controls: Vec<String>,
    /// What stays open with every control in place.
    pub residual: String,
    /// The element of a repository's data flow diagram the threat happens on.
    #[serde(default)]
    pub element: Element,
}

/// An element of the data flow diagram that a threat happens on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Element {
    /// The gateway process that handles client requests.
    #[default]
    Gateway,
    /// The flow that brings client requests to the gateway.
    ClientFlow,
    /// The flows from the gateway to the backend services.
    UpstreamFlow,
    /// The admin and status interfaces; the gateway for managed services,
    /// which have none in the diagram.
    Admin,
    /// The access logs and metrics.
    Logs,
    /// The CI pipeline that changes the repository and deploys it.
    Ci,
}

/// Severity of a threat when its controls are missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Severity {
    /// Returns the word Threat Dragon uses.
    pub fn title(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }
}

/// STRIDE category of a threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stride {
    /// Pretending to be someone else.
    Spoofing,
    /// Changing data or code.
    Tampering,
    /// Denying an action without a trace to disprove it.
    Repudiation,
    /// Exposing data to someone not allowed to see it.
    InformationDisclosure,
    /// Making the service unavailable.
    DenialOfService,
    /// Gaining rights one should not have.
    ElevationOfPrivilege,
}

impl Stride {
    /// Returns the category as Threat Dragon and most references name it.
    pub fn title(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information disclosure",
            Stride::DenialOfService => "Denial of service",
            Stride::ElevationOfPrivilege => "Elevation of privilege",
        }
    }
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThreatsFile {
    threats: Vec<Threat>,
}

/// All controls and threats of a blueprint set, in catalog order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The controls.
    pub controls: Vec<Control>,
    /// The threats; empty for a set without `catalog/threats.yaml`.
    pub threats: Vec<Threat>,
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
        let threats = match files.get(THREATS_PATH) {
            None => Vec::new(),
            Some(text) => {
                let file: ThreatsFile =
                    serde_yaml::from_str(text).map_err(|e| BlueprintError::Manifest {
                        file: THREATS_PATH.to_string(),
                        message: e.to_string(),
                    })?;
                let mut seen = std::collections::HashSet::new();
                for threat in &file.threats {
                    if !seen.insert(threat.id.as_str()) {
                        return Err(BlueprintError::Manifest {
                            file: THREATS_PATH.to_string(),
                            message: format!("threat {} is defined twice", threat.id),
                        });
                    }
                }
                file.threats
            }
        };
        Ok(Catalog {
            controls: file.controls,
            threats,
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

    /// Returns the threat with `id`.
    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id == id)
    }

    /// Returns the controls as a template value: a list in catalog order.
    pub fn to_context(&self) -> Json {
        serde_json::to_value(&self.controls).unwrap_or(Json::Null)
    }
}
