//! Threats and controls as one model.
//!
//! The blueprint set contains three kinds of facts, each written once: the
//! threats and the controls that mitigate them (`catalog/threats.yaml`),
//! what verifies each control per vendor (`catalog/controls.yaml`), and
//! which file implements a control (the manifests). This module joins them
//! into the threat, control, file, rule and check matrix, checks that the
//! facts agree with each other and with the audit rules and probe checks of
//! this build ([`check`]), and writes the result as Markdown, JSON or an
//! OWASP Threat Dragon model ([`export`]).

pub mod check;
pub mod dfd;
pub mod export;

use serde::Serialize;

use crate::answers::{Answers, Environment, Vendor};
use crate::audit::rules::{self, Target};
use crate::blueprint::Blueprints;
use crate::blueprint::catalog::{Catalog, Control, Threat, Verification};
use crate::blueprint::render::Planned;

/// An audit rule or probe check of this build, reduced to what the catalog
/// checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Rule or check ID.
    pub id: String,
    /// The control its metadata names.
    pub control: String,
    /// The only vendor whose files it reads; `None` for every vendor.
    pub vendor: Option<Vendor>,
}

/// Lists every audit rule of this build.
pub fn audit_rules() -> Vec<Known> {
    rules::registry()
        .into_iter()
        .map(|rule| Known {
            id: rule.meta.id.to_string(),
            control: rule.meta.control.to_string(),
            vendor: match rule.target {
                Target::Kong => Some(Vendor::Kong),
                Target::Envoy => Some(Vendor::Envoy),
                Target::Nginx => Some(Vendor::Nginx),
                Target::Aws => Some(Vendor::Aws),
                Target::Apigee => Some(Vendor::Apigee),
                Target::OpenApi | Target::Any => None,
            },
        })
        .collect()
}

/// Lists every probe check, for the catalog check.
pub fn probe_checks() -> Vec<Known> {
    crate::probe::checks::metas()
        .into_iter()
        .map(|meta| Known {
            id: meta.id.to_string(),
            control: meta.control.to_string(),
            vendor: None,
        })
        .collect()
}

/// The subject of a model: one generated repository, or the whole catalog
/// for some vendors.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// One repository: its answers and the files its render produced.
    Repo {
        /// The answers.
        answers: &'a Answers,
        /// The rendered files with the controls each implements.
        plan: &'a [Planned],
    },
    /// The catalog: files are the manifests' output paths, for these vendors.
    Catalog {
        /// The vendors to show.
        vendors: &'a [Vendor],
    },
}

/// The joined model that every export writes.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The repository described, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<RepoInfo>,
    /// Threats in catalog order.
    pub threats: Vec<ThreatView>,
    /// Every OWASP API Security Top 10 (2023) category and the threats that
    /// cover it.
    pub owasp: Vec<OwaspView>,
}

/// The repository a model describes.
#[derive(Debug, Clone, Serialize)]
pub struct RepoInfo {
    /// Project name.
    pub project: String,
    /// Vendor.
    pub vendor: Vendor,
    /// Environment.
    pub environment: Environment,
}

/// A threat with its controls.
#[derive(Debug, Clone, Serialize)]
pub struct ThreatView {
    /// The threat as the catalog defines it.
    #[serde(flatten)]
    pub threat: Threat,
    /// `mitigated` when every control is implemented for each vendor shown,
    /// `partial` otherwise.
    pub status: Status,
    /// Its controls, each with the vendors shown.
    #[serde(rename = "mitigations")]
    pub control_views: Vec<ControlView>,
}

/// Whether a threat's controls are all in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every control is implemented.
    Mitigated,
    /// Some control is not applicable or not rendered for these answers.
    Partial,
}

/// A control as one threat's mitigation.
#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    /// Control ID.
    pub id: String,
    /// Control title.
    pub title: String,
    /// Per vendor shown: files, rules and checks.
    pub vendors: Vec<VendorView>,
}

/// One vendor's implementation and verification of one control.
#[derive(Debug, Clone, Serialize)]
pub struct VendorView {
    /// Vendor.
    pub vendor: Vendor,
    /// Output paths of the files that implement the control.
    pub files: Vec<String>,
    /// The rules and checks that verify it, or the reasons none do.
    #[serde(flatten)]
    pub verification: Verification,
}

impl VendorView {
    /// Returns true when some file implements the control.
    pub fn implemented(&self) -> bool {
        !self.files.is_empty()
    }
}

/// One OWASP category and the threats that cover it.
#[derive(Debug, Clone, Serialize)]
pub struct OwaspView {
    /// Category ID, such as `API1:2023`.
    pub id: &'static str,
    /// Category title.
    pub title: &'static str,
    /// IDs of the threats mapped to it.
    pub threats: Vec<String>,
}

/// The OWASP API Security Top 10 (2023) categories.
pub const OWASP: [(&str, &str); 10] = [
    ("API1:2023", "Broken Object Level Authorization"),
    ("API2:2023", "Broken Authentication"),
    ("API3:2023", "Broken Object Property Level Authorization"),
    ("API4:2023", "Unrestricted Resource Consumption"),
    ("API5:2023", "Broken Function Level Authorization"),
    (
        "API6:2023",
        "Unrestricted Access to Sensitive Business Flows",
    ),
    ("API7:2023", "Server Side Request Forgery"),
    ("API8:2023", "Security Misconfiguration"),
    ("API9:2023", "Improper Inventory Management"),
    ("API10:2023", "Unsafe Consumption of APIs"),
];

/// Output paths of the files that implement `control` for `vendor`,
/// declared by the vendor's manifest and the shared ones, whatever the
/// answers.
pub fn declared_files(blueprints: &Blueprints, control: &str, vendor: Vendor) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for manifest in &blueprints.manifests {
        if manifest.vendor.is_some_and(|v| v != vendor) {
            continue;
        }
        for entry in &manifest.files {
            if entry.controls.iter().any(|c| c == control) && !out.contains(&entry.path) {
                out.push(entry.path.clone());
            }
        }
    }
    out
}

/// Joins catalog, manifests and scope into the model.
pub fn model(blueprints: &Blueprints, catalog: &Catalog, scope: Scope<'_>) -> Model {
    let vendors: Vec<Vendor> = match scope {
        Scope::Repo { answers, .. } => vec![answers.vendor],
        Scope::Catalog { vendors } => vendors.to_vec(),
    };
    let files_for = |control: &str, vendor: Vendor| -> Vec<String> {
        match scope {
            Scope::Repo { plan, .. } => plan
                .iter()
                .filter(|p| p.controls.iter().any(|c| c == control))
                .map(|p| p.path.clone())
                .collect(),
            Scope::Catalog { .. } => declared_files(blueprints, control, vendor),
        }
    };
    let threats = catalog
        .threats
        .iter()
        .map(|threat| {
            let control_views: Vec<ControlView> = threat
                .controls
                .iter()
                .map(|id| {
                    let control = catalog.get(id);
                    ControlView {
                        id: id.clone(),
                        title: control.map(|c| c.title.clone()).unwrap_or_default(),
                        vendors: vendors
                            .iter()
                            .map(|&vendor| VendorView {
                                vendor,
                                files: files_for(id, vendor),
                                verification: verification(control, vendor),
                            })
                            .collect(),
                    }
                })
                .collect();
            let complete = control_views
                .iter()
                .all(|c| c.vendors.iter().all(VendorView::implemented));
            ThreatView {
                threat: threat.clone(),
                status: if complete {
                    Status::Mitigated
                } else {
                    Status::Partial
                },
                control_views,
            }
        })
        .collect();
    let owasp = OWASP
        .iter()
        .map(|&(id, title)| OwaspView {
            id,
            title,
            threats: catalog
                .threats
                .iter()
                .filter(|t| t.owasp.iter().any(|o| o == id))
                .map(|t| t.id.clone())
                .collect(),
        })
        .collect();
    let repo = match scope {
        Scope::Repo { answers, .. } => Some(RepoInfo {
            project: answers.project.clone(),
            vendor: answers.vendor,
            environment: answers.environment,
        }),
        Scope::Catalog { .. } => None,
    };
    Model {
        repo,
        threats,
        owasp,
    }
}

fn verification(control: Option<&Control>, vendor: Vendor) -> Verification {
    control
        .and_then(|c| c.verification.get(vendor.as_str()))
        .cloned()
        .unwrap_or_default()
}
