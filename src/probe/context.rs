//! What the checks know about the gateway: the target, the routes and
//! controls from the answers, and the credential for authenticated
//! requests.

use crate::answers::{Answers, AuthMode, Vendor};

use super::credential::Credential;
use super::http::Header;
use super::limits::RateModel;
use super::target::Target;

/// A route from the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Service name.
    pub name: String,
    /// Path prefix, starting with `/`.
    pub path: String,
    /// Methods the route accepts, uppercase.
    pub methods: Vec<String>,
    /// Whether it is reachable without authentication.
    pub public: bool,
}

impl Route {
    /// The first method the route accepts, `GET` when it lists none.
    pub fn first_method(&self) -> &str {
        self.methods.first().map_or("GET", String::as_str)
    }

    /// Whether the route accepts a method that carries a body.
    pub fn takes_body(&self) -> Option<&str> {
        self.methods
            .iter()
            .map(String::as_str)
            .find(|m| matches!(*m, "POST" | "PUT" | "PATCH"))
    }
}

/// Everything a check reads.
#[derive(Debug, Clone)]
pub struct Context {
    /// The target URL.
    pub target: Target,
    /// Answers, when `--answers` was given.
    pub answers: Option<Answers>,
    /// Routes from the answers, in answers order.
    pub routes: Vec<Route>,
    /// The credential for authenticated requests.
    pub credential: Option<Credential>,
    /// The plaintext port.
    pub http_port: u16,
    /// The admin ports.
    pub admin_ports: Vec<u16>,
    /// A random token of this run, used to mark requests and made-up values.
    pub nonce: String,
}

/// Most routes a check that sends one request per route covers, so a large
/// answers file cannot turn one check into hundreds of requests.
pub const MAX_ROUTES: usize = 5;

impl Context {
    /// Builds the context; routes come from the answers' services.
    pub fn new(
        target: Target,
        answers: Option<Answers>,
        credential: Option<Credential>,
        http_port: u16,
        admin_ports: Vec<u16>,
        nonce: String,
    ) -> Context {
        let routes = answers
            .as_ref()
            .map(|a| {
                a.services
                    .iter()
                    .map(|s| Route {
                        name: s.name.clone(),
                        path: s.path.clone(),
                        methods: s.methods.iter().map(|m| m.to_ascii_uppercase()).collect(),
                        public: s.public,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Context {
            target,
            answers,
            routes,
            credential,
            http_port,
            admin_ports,
            nonce,
        }
    }

    /// Routes that require authentication, at most [`MAX_ROUTES`].
    pub fn protected(&self) -> Vec<&Route> {
        self.routes
            .iter()
            .filter(|r| !r.public)
            .take(MAX_ROUTES)
            .collect()
    }

    /// Routes reachable without authentication, at most [`MAX_ROUTES`].
    pub fn public(&self) -> Vec<&Route> {
        self.routes
            .iter()
            .filter(|r| r.public)
            .take(MAX_ROUTES)
            .collect()
    }

    /// The authentication mode, when the answers give one.
    pub fn auth_mode(&self) -> Option<AuthMode> {
        self.answers.as_ref().map(|a| a.auth.mode)
    }

    /// The vendor, when the answers give one.
    pub fn vendor(&self) -> Option<Vendor> {
        self.answers.as_ref().map(|a| a.vendor)
    }

    /// The rate model, or why the rate limit cannot be probed.
    pub fn rate_model(&self) -> Result<RateModel, String> {
        let answers = self
            .answers
            .as_ref()
            .ok_or_else(|| "needs --answers for the configured rate limit".to_string())?;
        RateModel::for_answers(answers)
    }

    /// The header that carries the credential, when there is one and the
    /// authentication mode sends credentials in a header.
    pub fn credential_header(&self) -> Option<Header> {
        let credential = self.credential.as_ref()?;
        match self.auth_mode() {
            Some(AuthMode::Mtls) => None,
            Some(AuthMode::ApiKey) => {
                let name = self.answers.as_ref()?.auth.api_key.header.clone();
                Some(Header::secret(name, credential.expose()))
            }
            _ => Some(Header::secret(
                "Authorization",
                format!("Bearer {}", credential.expose()),
            )),
        }
    }

    /// A route to send requests to without credentials: the first public
    /// route, or else the URL's own path.
    pub fn open_path(&self) -> String {
        self.public()
            .first()
            .map_or_else(|| self.target.path.clone(), |r| r.path.clone())
    }
}
