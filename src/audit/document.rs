//! Parsed files: each audited file becomes one document of a known format.

use std::path::PathBuf;

use super::parsers::hcl::Terraform;
use super::parsers::kong::KongConfig;
use super::parsers::nginx::NginxConf;
use super::parsers::openapi::OpenApi;
use super::parsers::settings::Settings;
use super::parsers::xml::Element;
use super::source::SourceFile;
use crate::yaml::Node;

/// The content of a file in its format's model.
#[derive(Debug, Clone)]
pub enum Content {
    /// Kong declarative configuration.
    Kong(KongConfig),
    /// `kong.conf`, a `.env` file or a manifest with `KONG_*` variables.
    KongSettings(Settings),
    /// Kong Helm chart values: the `env` settings and the whole document.
    KongHelm(Settings, Node),
    /// Envoy v3 bootstrap, keys normalised to snake_case.
    Envoy(Node),
    /// NGINX configuration with includes expanded.
    Nginx(NginxConf),
    /// Terraform resources.
    Terraform(Terraform),
    /// One XML file of an Apigee proxy bundle.
    Apigee(Element),
    /// OpenAPI 3 document.
    OpenApi(OpenApi),
}

impl Content {
    /// Returns the format's name, for messages.
    pub fn format_name(&self) -> &'static str {
        match self {
            Content::Kong(_) => "Kong declarative configuration",
            Content::KongSettings(_) => "Kong settings",
            Content::KongHelm(..) => "Kong Helm values",
            Content::Envoy(_) => "Envoy bootstrap",
            Content::Nginx(_) => "NGINX configuration",
            Content::Terraform(_) => "Terraform",
            Content::Apigee(_) => "Apigee proxy bundle XML",
            Content::OpenApi(_) => "OpenAPI document",
        }
    }
}

/// One audited file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The text and its display path.
    pub source: SourceFile,
    /// Where it is on disk.
    pub disk_path: PathBuf,
    /// The parsed content.
    pub content: Content,
}

/// All documents of one run, for rules that look across files.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Documents in path order.
    pub documents: Vec<Document>,
    /// Audited folders, for rules that read more than the documents
    /// (blueprint conformance).
    pub roots: Vec<PathBuf>,
}

impl Workspace {
    /// Returns the documents whose content matches `pick`.
    pub fn each<'a, T: 'a>(
        &'a self,
        pick: impl Fn(&'a Content) -> Option<T> + 'a,
    ) -> impl Iterator<Item = (&'a Document, T)> + 'a {
        self.documents
            .iter()
            .filter_map(move |d| pick(&d.content).map(|t| (d, t)))
    }
}
