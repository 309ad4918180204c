//! The answers model: every value a blueprint may read.
//!
//! Field doc comments are user documentation: the answers reference in
//! `docs/` is generated from them through the JSON schema, so they describe
//! the key, its unit and its effect, not the Rust type.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answers schema version this gatekit writes and reads natively.
pub const SCHEMA_VERSION: u32 = 1;

/// Answers for one gateway repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Answers {
    /// Version of the answers schema. gatekit migrates older files on load.
    pub schema_version: u32,
    /// Project name: a lowercase DNS label of at most 24 characters, used in
    /// resource names, labels and file names.
    pub project: String,
    /// One-line description of the gateway, shown in the generated README.
    pub description: String,
    /// Team or contact that owns the gateway, shown in the generated docs.
    pub owner: String,
    /// Deployment environment: `on-prem` (an existing Kubernetes cluster),
    /// `cloud` (AWS or Google Cloud) or `hybrid` (control plane or edge in
    /// the cloud, data plane on-prem).
    pub environment: Environment,
    /// Gateway product.
    pub vendor: Vendor,
    /// CI system the generated pipelines target.
    pub ci: Ci,
    /// `managed`: people edit the repository and CI checks it for drift with
    /// `gatekit update --check`. `generated`: the repository is only ever
    /// rendered, and CI checks it with `gatekit render --check`.
    pub mode: RepoMode,
    /// Settings of the generated CI pipelines: where they get gatekit, and
    /// the probe request budget.
    pub pipeline: Pipeline,
    /// Deployment stages, in promotion order. Each gets its own Terraform
    /// root and state; the last one is protected by a manual approval.
    pub stages: Vec<String>,
    /// Client authentication at the gateway.
    pub auth: Auth,
    /// Request rate limits.
    pub rate_limit: RateLimit,
    /// Largest accepted request body, in KiB. Larger requests get 413.
    pub body_limit_kb: u32,
    /// TLS for client connections.
    pub tls: Tls,
    /// Cross-origin resource sharing.
    pub cors: Cors,
    /// Access logging.
    pub logging: Logging,
    /// Network addresses the gateway trusts.
    pub network: Network,
    /// Upstream services the gateway routes to. Every route requires
    /// authentication unless its service is marked `public`.
    pub services: Vec<Service>,
    /// Kubernetes settings for self-hosted gateways.
    pub kubernetes: Kubernetes,
    /// Terraform settings.
    pub terraform: Terraform,
    /// AWS settings, used by `cloud` and `hybrid` environments on AWS.
    pub aws: Aws,
    /// Google Cloud settings, used by Apigee.
    pub gcp: Gcp,
    /// Kong settings.
    pub kong: Kong,
}

impl Default for Answers {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            project: String::new(),
            description: String::new(),
            owner: String::new(),
            environment: Environment::Cloud,
            vendor: Vendor::Kong,
            ci: Ci::Github,
            mode: RepoMode::Managed,
            pipeline: Pipeline::default(),
            stages: vec!["staging".to_string(), "production".to_string()],
            auth: Auth::default(),
            rate_limit: RateLimit::default(),
            body_limit_kb: 1024,
            tls: Tls::default(),
            cors: Cors::default(),
            logging: Logging::default(),
            network: Network::default(),
            services: vec![Service::default()],
            kubernetes: Kubernetes::default(),
            terraform: Terraform::default(),
            aws: Aws::default(),
            gcp: Gcp::default(),
            kong: Kong::default(),
        }
    }
}

/// Deployment environment of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// An existing on-premises Kubernetes cluster.
    OnPrem,
    /// A public cloud.
    Cloud,
    /// Cloud and on-premises together.
    Hybrid,
}

impl Environment {
    /// Every environment, in the order prompts offer them.
    pub const ALL: [Environment; 3] =
        [Environment::OnPrem, Environment::Cloud, Environment::Hybrid];

    /// Returns the name used in answers files and paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::OnPrem => "on-prem",
            Environment::Cloud => "cloud",
            Environment::Hybrid => "hybrid",
        }
    }
}

/// Gateway product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    /// Kong Gateway 3.x.
    Kong,
    /// Envoy proxy (v3 API).
    Envoy,
    /// NGINX open source.
    Nginx,
    /// AWS API Gateway.
    Aws,
    /// Apigee X and Apigee hybrid.
    Apigee,
}

impl Vendor {
    /// Every vendor, in the order prompts offer them.
    pub const ALL: [Vendor; 5] = [
        Vendor::Kong,
        Vendor::Envoy,
        Vendor::Nginx,
        Vendor::Aws,
        Vendor::Apigee,
    ];

    /// Returns the name used in answers files and blueprint folders.
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Kong => "kong",
            Vendor::Envoy => "envoy",
            Vendor::Nginx => "nginx",
            Vendor::Aws => "aws",
            Vendor::Apigee => "apigee",
        }
    }
}

/// CI system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ci {
    /// GitHub Actions.
    Github,
    /// GitLab CI.
    Gitlab,
    /// Both GitHub Actions and GitLab CI.
    Both,
}

/// Whether people edit the generated repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RepoMode {
    /// People edit the files; `gatekit update` merges blueprint changes.
    Managed,
    /// The files are only rendered; CI fails on any difference from a render.
    Generated,
}

/// Settings of the generated CI pipelines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// Git repository CI builds gatekit from, an https URL. Point it at your
    /// own mirror to keep CI independent of the public repository.
    pub gatekit_repository: String,
    /// Release tag (`v1.2.3`) or full 40-character commit SHA of
    /// `gatekit_repository` that CI builds. Branch names are rejected, because
    /// a branch can move under a pipeline without a change to this repository.
    pub gatekit_ref: String,
    /// Maximum number of requests the scheduled `gatekit probe` job sends to the
    /// staging gateway in one run.
    pub probe_max_requests: u32,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self {
            gatekit_repository: env!("CARGO_PKG_REPOSITORY").to_string(),
            gatekit_ref: concat!("v", env!("CARGO_PKG_VERSION")).to_string(),
            probe_max_requests: 200,
        }
    }
}

/// Client authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Auth {
    /// Authentication method: `jwt` (signed bearer tokens checked against
    /// the issuer's keys), `introspection` (OAuth2 token introspection),
    /// `api-key`, `mtls` (client certificates) or `external` (an external
    /// authorization service, as Envoy `ext_authz` or NGINX `auth_request`).
    pub mode: AuthMode,
    /// JWT settings, used when `mode` is `jwt`.
    pub jwt: Jwt,
    /// Token introspection settings, used when `mode` is `introspection`.
    pub introspection: Introspection,
    /// API key settings, used when `mode` is `api-key`.
    pub api_key: ApiKey,
    /// Client certificate settings, used when `mode` is `mtls`.
    pub mtls: Mtls,
    /// External authorization service, used when `mode` is `external`, and
    /// by NGINX for every mode that checks tokens.
    pub external: External,
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            mode: AuthMode::Jwt,
            jwt: Jwt::default(),
            introspection: Introspection::default(),
            api_key: ApiKey::default(),
            mtls: Mtls::default(),
            external: External::default(),
        }
    }
}

/// Authentication method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Signed JSON Web Tokens.
    Jwt,
    /// OAuth2 token introspection (RFC 7662).
    Introspection,
    /// API keys in a request header.
    ApiKey,
    /// Mutual TLS with client certificates.
    Mtls,
    /// An external authorization service.
    External,
}

/// JWT validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Jwt {
    /// Token issuer (`iss` claim), an https URL.
    pub issuer: String,
    /// Accepted audiences (`aud` claim). At least one is required, because
    /// a token minted for another API must not be accepted here.
    pub audiences: Vec<String>,
    /// URL of the issuer's JSON Web Key Set, https.
    pub jwks_uri: String,
    /// Accepted signing algorithms. Asymmetric only: `none` and the HMAC
    /// algorithms are rejected, since they would put a shared secret in the
    /// gateway configuration.
    pub algorithms: Vec<String>,
    /// Longest accepted token lifetime (`exp` minus `iat`), in seconds.
    pub max_lifetime: u32,
}

impl Default for Jwt {
    fn default() -> Self {
        Self {
            issuer: "https://id.example.com/".to_string(),
            audiences: vec!["api.example.com".to_string()],
            jwks_uri: "https://id.example.com/.well-known/jwks.json".to_string(),
            algorithms: vec!["RS256".to_string()],
            max_lifetime: 3600,
        }
    }
}

/// OAuth2 token introspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Introspection {
    /// Introspection endpoint, an https URL.
    pub url: String,
    /// Issuer of the tokens, an https URL. Gateways that discover the
    /// provider's endpoints (Kong `openid-connect`) read its metadata from
    /// here.
    pub issuer: String,
    /// Client ID the gateway authenticates with. The client secret is never
    /// an answer: the generated files read it from the platform's secret
    /// store.
    pub client_id: String,
}

impl Default for Introspection {
    fn default() -> Self {
        Self {
            url: "https://id.example.com/oauth2/introspect".to_string(),
            issuer: "https://id.example.com/".to_string(),
            client_id: "api-gateway".to_string(),
        }
    }
}

/// API keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ApiKey {
    /// Request header that carries the key (lowercase, no underscores).
    /// Keys are never read from the query string.
    pub header: String,
    /// Clients that hold a key. Gateways that keep keys per client (Kong
    /// consumers) create one entry each and allow it only the services
    /// listed for it.
    pub consumers: Vec<ApiConsumer>,
}

impl Default for ApiKey {
    fn default() -> Self {
        Self {
            header: "x-api-key".to_string(),
            consumers: vec![ApiConsumer::default()],
        }
    }
}

/// A client that authenticates with an API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConsumer {
    /// Client name: a lowercase DNS label, unique among consumers. The key
    /// itself is never an answer: the generated files read it from the
    /// secret store under a name derived from this one.
    pub name: String,
    /// Services this client may call, by name. Empty allows every service
    /// that is not public.
    pub services: Vec<String>,
}

impl Default for ApiConsumer {
    fn default() -> Self {
        Self {
            name: "example-client".to_string(),
            services: Vec::new(),
        }
    }
}

/// Mutual TLS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Mtls {
    /// Name of the secret (Kubernetes Secret or cloud secret) that contains the
    /// CA bundle that client certificates must chain to.
    pub ca_secret: String,
}

impl Default for Mtls {
    fn default() -> Self {
        Self {
            ca_secret: "gateway-client-ca".to_string(),
        }
    }
}

/// External authorization service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct External {
    /// URL of the authorization service: https, or http only to a loopback
    /// address (a sidecar in the same pod). NGINX also sends `jwt` and
    /// `introspection` requests here, since open source NGINX cannot check
    /// tokens itself.
    pub url: String,
}

impl Default for External {
    fn default() -> Self {
        Self {
            url: "https://authz.example.com/check".to_string(),
        }
    }
}

/// Request rate limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    /// Sustained requests per second for each client (see `key`).
    pub per_second: u32,
    /// Extra requests a client may send in a burst above `per_second`
    /// before getting 429. Vendors without bursts (Kong's local policy)
    /// ignore it.
    pub burst: u32,
    /// What identifies a client: `consumer` (the authenticated identity) or
    /// `ip` (the client address, as seen through trusted proxies only).
    pub key: RateLimitKey,
    /// Requests per second across all clients together; 0 turns the global
    /// limit off.
    pub global_per_second: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: 10,
            burst: 20,
            key: RateLimitKey::Consumer,
            global_per_second: 1000,
        }
    }
}

/// What a per-client rate limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RateLimitKey {
    /// The authenticated consumer.
    Consumer,
    /// The client IP address.
    Ip,
}

/// TLS for client connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// Host names the gateway serves; `*.` wildcards are allowed as the
    /// first label.
    pub domains: Vec<String>,
    /// Lowest TLS version accepted: `1.2` or `1.3`.
    pub min_version: TlsVersion,
    /// Name of the secret that holds the server certificate and key (a
    /// Kubernetes TLS Secret for self-hosted gateways).
    pub certificate_secret: String,
}

impl Default for Tls {
    fn default() -> Self {
        Self {
            domains: vec!["api.example.com".to_string()],
            min_version: TlsVersion::V1_2,
            certificate_secret: "gateway-tls".to_string(),
        }
    }
}

/// A TLS protocol version.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum TlsVersion {
    /// TLS 1.2.
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    V1_3,
}

/// Cross-origin resource sharing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Cors {
    /// Allowed origins, each `https://host[:port]`. Empty turns CORS off;
    /// `*` is rejected.
    pub origins: Vec<String>,
    /// Whether browsers may send credentials (cookies, Authorization) on
    /// cross-origin requests.
    pub credentials: bool,
}

impl Default for Cors {
    fn default() -> Self {
        Self {
            origins: vec!["https://app.example.com".to_string()],
            credentials: false,
        }
    }
}

/// Access logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Logging {
    /// Where access logs go: `stdout` (collected by the platform) or `http`
    /// (sent to `endpoint` over TLS).
    pub sink: LogSink,
    /// Log collector URL, https, used when `sink` is `http`.
    pub endpoint: String,
}

impl Default for Logging {
    fn default() -> Self {
        Self {
            sink: LogSink::Stdout,
            endpoint: "https://logs.example.com/ingest".to_string(),
        }
    }
}

/// Access log destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogSink {
    /// Standard output, for the platform's log collector.
    Stdout,
    /// An HTTPS collector.
    Http,
}

/// Network trust.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Network {
    /// CIDR ranges of the load balancers in front of the gateway. Only these
    /// may set `X-Forwarded-For`; `0.0.0.0/0` and `::/0` are rejected.
    pub trusted_proxies: Vec<String>,
}

impl Default for Network {
    fn default() -> Self {
        Self {
            trusted_proxies: vec!["10.0.0.0/16".to_string()],
        }
    }
}

/// An upstream service and the route to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Service {
    /// Service name: a lowercase DNS label, unique among services.
    pub name: String,
    /// Upstream URL, https unless `plaintext` is set.
    pub upstream: String,
    /// Path prefix the gateway routes to this service, starting with `/`.
    pub path: String,
    /// HTTP methods the route accepts; others get 405 or 404.
    pub methods: Vec<String>,
    /// Whether the route is reachable without authentication.
    pub public: bool,
    /// Allow a plain `http` upstream (for example a sidecar on loopback).
    /// Off by default, because traffic to the upstream would be readable.
    pub plaintext: bool,
}

impl Default for Service {
    fn default() -> Self {
        Self {
            name: "orders".to_string(),
            upstream: "https://orders.internal.example.com:8443".to_string(),
            path: "/orders".to_string(),
            methods: vec!["GET".to_string(), "POST".to_string()],
            public: false,
            plaintext: false,
        }
    }
}

/// Kubernetes settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Kubernetes {
    /// Namespace the gateway runs in.
    pub namespace: String,
    /// Gateway replicas; at least 2, so a PodDisruptionBudget can keep one up.
    pub replicas: u32,
}

impl Default for Kubernetes {
    fn default() -> Self {
        Self {
            namespace: "api-gateway".to_string(),
            replicas: 2,
        }
    }
}

/// Terraform settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Terraform {
    /// Bucket that holds the remote state (S3 or GCS), created once outside
    /// the repository. Empty means `<project>-tfstate`.
    pub state_bucket: String,
}

/// AWS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Aws {
    /// AWS region, for example `eu-west-1`.
    pub region: String,
    /// AWS account ID (12 digits) the gateway is deployed to. The generated
    /// Terraform refuses to run with credentials for any other account.
    pub account_id: String,
    /// API Gateway flavour: `rest` (REST API with request validation and a
    /// WAF web ACL), `http` (HTTP API with a native JWT authorizer, but no
    /// WAF) or `auto`, which picks `rest` unless `auth.mode` is `jwt` with an
    /// issuer other than Amazon Cognito, since only HTTP APIs verify such
    /// tokens natively.
    pub api_type: AwsApiType,
    /// Turn on the REST API stage cache (encrypted, keyed by the caller's
    /// credentials). Off by default: a cache trades freshness for latency
    /// and is not a security control.
    pub cache: bool,
}

impl Default for Aws {
    fn default() -> Self {
        Self {
            region: "eu-west-1".to_string(),
            account_id: "123456789012".to_string(),
            api_type: AwsApiType::Auto,
            cache: false,
        }
    }
}

/// AWS API Gateway flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AwsApiType {
    /// `rest` unless the token issuer needs the HTTP API's JWT authorizer.
    Auto,
    /// REST API (API Gateway v1).
    Rest,
    /// HTTP API (API Gateway v2).
    Http,
}

/// Google Cloud settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Gcp {
    /// Google Cloud project ID.
    pub project: String,
    /// Google Cloud region, for example `europe-west1`.
    pub region: String,
}

impl Default for Gcp {
    fn default() -> Self {
        Self {
            project: "example-project".to_string(),
            region: "europe-west1".to_string(),
        }
    }
}

/// Kong settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Kong {
    /// `oss` (Kong Gateway open source) or `enterprise`, which unlocks
    /// `openid-connect`: audience checks for `jwt` and token introspection
    /// for `introspection`. An `enterprise` gateway needs a licence Secret
    /// named `kong-enterprise-license` in the gateway namespace.
    pub edition: KongEdition,
}

impl Default for Kong {
    fn default() -> Self {
        Self {
            edition: KongEdition::Oss,
        }
    }
}

/// Kong Gateway edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KongEdition {
    /// Kong Gateway open source.
    Oss,
    /// Kong Gateway Enterprise.
    Enterprise,
}
