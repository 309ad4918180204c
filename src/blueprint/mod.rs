//! Blueprint sets: where they come from, their manifests, and how they are
//! rendered, escaped and checked.

pub mod catalog;
pub mod escape;
pub mod git;
pub mod manifest;
pub mod paths;
pub mod render;
pub mod source;
pub mod verify;

use crate::answers::Vendor;
pub use escape::Format;
pub use manifest::Blueprints;
pub use source::{Origin, SetFiles, SourceSpec};

/// Errors in a blueprint set or while rendering it.
#[derive(Debug, thiserror::Error)]
pub enum BlueprintError {
    /// The set could not be read.
    #[error("{0}")]
    Source(String),
    /// The source would be fetched over a transport that can be tampered with.
    #[error("{0}")]
    InsecureSource(String),
    /// `set.yaml`, a manifest or the catalog is invalid.
    #[error("blueprint {file}: {message}")]
    Manifest {
        /// File in the set.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A git ref that cannot be resolved or read.
    #[error("blueprint repository {url}, ref {git_ref}: {message}")]
    GitRef {
        /// Repository URL, without credentials.
        url: String,
        /// The ref.
        git_ref: String,
        /// What is wrong.
        message: String,
    },
    /// The set needs a newer gatekit.
    #[error("blueprint set {set} needs gatekit {needed} or newer; this is gatekit {}. Upgrade gatekit", env!("CARGO_PKG_VERSION"))]
    TooOld {
        /// Set name.
        set: String,
        /// Minimum version.
        needed: String,
    },
    /// The set has no blueprint for the vendor.
    #[error("the blueprint set has no blueprint for vendor {}; it has {}", vendor.as_str(), list_vendors(available))]
    NoVendor {
        /// Requested vendor.
        vendor: Vendor,
        /// Vendors the set has.
        available: Vec<Vendor>,
    },
    /// The vendor's blueprint does not support the environment.
    #[error("the {} blueprint does not support environment {environment}; it supports {supported}", vendor.as_str())]
    Environment {
        /// Vendor.
        vendor: Vendor,
        /// Requested environment.
        environment: String,
        /// Supported environments.
        supported: String,
    },
    /// A template failed to render.
    #[error("template {template}: {message}")]
    Template {
        /// Template name.
        template: String,
        /// Tera's message.
        message: String,
    },
    /// An output path is unsafe.
    #[error(
        "blueprint {manifest}, template {template}: output path {path:?} is rejected: {reason}"
    )]
    Path {
        /// Manifest name.
        manifest: String,
        /// Template.
        template: String,
        /// Rendered path.
        path: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A rendered file does not parse.
    #[error("generated file {path} is not valid {}: {message} (this is a bug in the blueprint)", format.as_str())]
    Verify {
        /// Output path.
        path: String,
        /// Format.
        format: Format,
        /// Parser message.
        message: String,
    },
}

fn list_vendors(vendors: &[Vendor]) -> String {
    let names: Vec<&str> = vendors.iter().map(|v| v.as_str()).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}
