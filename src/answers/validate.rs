//! Validation of every answer, once, on load.
//!
//! Each rule returns a [`Problem`] that names the key, the value and the rule
//! in words a user can act on. Rules are strict on purpose: a value that
//! reaches a generated file must be representable in every format it lands
//! in (YAML, HCL, JSON, XML, NGINX, CI files) without being expanded by the
//! product that reads it.

use std::collections::HashSet;
use std::net::IpAddr;

use super::model::{Answers, AuthMode, Environment, KongEdition, LogSink, TlsVersion, Vendor};
use super::secrets;

/// One invalid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key, as in `services[0].path`.
    pub key: String,
    /// The offending value, or empty when the key is missing.
    pub value: String,
    /// What the value must be, and why.
    pub rule: String,
}

/// Characters that some product expands inside a string and that cannot be
/// escaped in all of them: NGINX variables (`$`), Envoy command operators
/// (`%...%`), HCL templates (`${}`, `%{}`), CI expressions (`${{ }}`, `$VAR`),
/// Apigee message templates (`{var}`) and decK environment templating.
const EXPANDED: &[char] = &['$', '%', '{', '}', '`'];

const EXPANDED_REASON: &str = "`$`, `%`, `{`, `}` and backticks are expanded by NGINX, Envoy, \
     HCL, CI or Apigee templating and cannot be escaped in all of them";

/// Validates all answers and returns every problem found.
pub fn validate(answers: &Answers) -> Vec<Problem> {
    let mut v = Validator::default();
    v.check(answers);
    if let Ok(tree) = serde_json::to_value(answers) {
        v.secrets(&tree, String::new());
    }
    v.problems
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

impl Validator {
    fn fail(&mut self, key: impl Into<String>, value: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            value: value.into(),
            rule: rule.into(),
        });
    }

    fn check(&mut self, a: &Answers) {
        if a.schema_version != super::model::SCHEMA_VERSION {
            self.fail(
                "schema_version",
                a.schema_version.to_string(),
                format!("must be {} after migration", super::model::SCHEMA_VERSION),
            );
        }
        self.label("project", &a.project, 24);
        self.free_text("description", &a.description, 200);
        self.free_text("owner", &a.owner, 100);
        self.check_vendor_environment(a.vendor, a.environment);

        if a.stages.is_empty() || a.stages.len() > 5 {
            self.fail("stages", a.stages.join(","), "must list 1 to 5 stages");
        }
        self.unique("stages", a.stages.iter().map(String::as_str));
        for (i, stage) in a.stages.iter().enumerate() {
            self.label(&format!("stages[{i}]"), stage, 16);
            if stage == "shared" {
                self.fail(
                    format!("stages[{i}]"),
                    stage,
                    "is reserved: terraform/live/shared holds the resources every stage shares",
                );
            }
        }

        self.check_auth(a);
        if a.vendor == Vendor::Kong {
            self.check_kong(a);
        }
        if a.vendor == Vendor::Nginx {
            self.check_nginx(a);
        }
        if a.vendor == Vendor::Envoy {
            self.check_envoy(a);
        }
        self.check_limits(a);
        self.check_tls(a);
        for (i, origin) in a.cors.origins.iter().enumerate() {
            self.origin(&format!("cors.origins[{i}]"), origin);
        }
        self.unique("cors.origins", a.cors.origins.iter().map(String::as_str));
        if a.cors.origins.len() > 50 {
            self.fail(
                "cors.origins",
                a.cors.origins.len().to_string(),
                "must list at most 50 origins",
            );
        }
        self.url("logging.endpoint", &a.logging.endpoint, false);
        if a.network.trusted_proxies.is_empty() {
            self.fail(
                "network.trusted_proxies",
                "",
                "must list the CIDR ranges of the load balancers in front of the gateway",
            );
        }
        for (i, cidr) in a.network.trusted_proxies.iter().enumerate() {
            self.cidr(&format!("network.trusted_proxies[{i}]"), cidr);
        }
        self.check_services(a);
        self.label("kubernetes.namespace", &a.kubernetes.namespace, 63);
        if !(2..=50).contains(&a.kubernetes.replicas) {
            self.fail(
                "kubernetes.replicas",
                a.kubernetes.replicas.to_string(),
                "must be between 2 and 50, so a PodDisruptionBudget can keep a replica up",
            );
        }
        if !a.terraform.state_bucket.is_empty() {
            self.bucket("terraform.state_bucket", &a.terraform.state_bucket);
        }
        self.aws_region("aws.region", &a.aws.region);
        self.aws_account("aws.account_id", &a.aws.account_id);
        self.gcp(a);
        self.check_managed_vendor(a);
        self.check_pipeline(a);
    }

    /// Checks where CI gets gatekit from: a fixed release or commit of an
    /// https repository, so that every pipeline run builds the same gatekit.
    fn check_pipeline(&mut self, a: &Answers) {
        self.url(
            "pipeline.gatekit_repository",
            &a.pipeline.gatekit_repository,
            false,
        );
        let reference = &a.pipeline.gatekit_ref;
        if !is_release_tag(reference) && !is_commit_sha(reference) {
            self.fail(
                "pipeline.gatekit_ref",
                reference,
                "must be a release tag such as `v1.2.3` or a full 40-character commit SHA; \
                 a branch name would let the installed gatekit change between runs",
            );
        }
        if !(1..=10_000).contains(&a.pipeline.probe_max_requests) {
            self.fail(
                "pipeline.probe_max_requests",
                a.pipeline.probe_max_requests.to_string(),
                "must be between 1 and 10000",
            );
        }
    }

    /// Rejects answers the AWS and Apigee blueprints cannot render faithfully.
    fn check_managed_vendor(&mut self, a: &Answers) {
        match a.vendor {
            Vendor::Aws => {
                if let Err(rule) = super::cloud::aws_plan(a) {
                    let key = if a.auth.mode == AuthMode::Jwt || a.auth.mode == AuthMode::ApiKey {
                        "aws.api_type"
                    } else {
                        "auth.mode"
                    };
                    let value = match key {
                        "aws.api_type" => format!("{:?}", a.aws.api_type).to_lowercase(),
                        _ => auth_mode_name(a.auth.mode).to_string(),
                    };
                    self.fail(key, value, rule);
                }
                if a.tls.min_version == TlsVersion::V1_3 {
                    self.fail(
                        "tls.min_version",
                        "1.3",
                        "must be 1.2 on AWS: the TLS_1_2 security policy of API Gateway custom \
                         domains also accepts TLS 1.3, and TLS 1.3-only policies are not rendered",
                    );
                }
                // API Gateway reads API keys from this header only.
                if a.auth.mode == AuthMode::ApiKey && a.auth.api_key.header != "x-api-key" {
                    self.fail(
                        "auth.api_key.header",
                        &a.auth.api_key.header,
                        "must be `x-api-key` on AWS API Gateway, the only header it reads API keys from",
                    );
                }
            }
            Vendor::Apigee => {
                if let Err(rule) = super::cloud::apigee_auth_policy(a.auth.mode) {
                    self.fail("auth.mode", auth_mode_name(a.auth.mode), rule);
                }
                for (i, service) in a.services.iter().enumerate() {
                    if service.upstream.starts_with("http://") {
                        self.fail(
                            format!("services[{i}].upstream"),
                            &service.upstream,
                            "must use https on Apigee, whose target endpoints enforce TLS to every backend",
                        );
                    }
                }
                if a.environment == Environment::Cloud {
                    for (i, domain) in a.tls.domains.iter().enumerate() {
                        if domain.starts_with("*.") {
                            self.fail(
                                format!("tls.domains[{i}]"),
                                domain,
                                "must not be a wildcard on Apigee X, whose load balancer uses \
                                 Google-managed certificates, which cover exact names only",
                            );
                        }
                    }
                }
                // A TargetServer holds a host and port only, so a base path would be lost.
                for (i, service) in a.services.iter().enumerate() {
                    let has_path = url::Url::parse(&service.upstream)
                        .is_ok_and(|u| !matches!(u.path(), "" | "/"));
                    if has_path {
                        self.fail(
                            format!("services[{i}].upstream"),
                            &service.upstream,
                            "must not have a path on Apigee, whose TargetServers hold only the \
                             host and port; serve the service at the upstream's root",
                        );
                    }
                }
                // VerifyJWT checks a single <Audience> value.
                if a.auth.mode == AuthMode::Jwt && a.auth.jwt.audiences.len() > 1 {
                    self.fail(
                        "auth.jwt.audiences",
                        a.auth.jwt.audiences.join(","),
                        "must list exactly one audience on Apigee, whose VerifyJWT policy checks one",
                    );
                }
            }
            Vendor::Kong | Vendor::Envoy | Vendor::Nginx => {}
        }
    }

    /// Rejects any string answer that looks like a credential.
    fn secrets(&mut self, node: &serde_json::Value, key: String) {
        match node {
            serde_json::Value::String(text) => {
                if let Some(kind) = secrets::looks_like_secret(text) {
                    self.fail(
                        key,
                        redact(text),
                        format!(
                            "looks like {kind}; secrets never go into answers: keep it in your \
                             secret manager and let the generated files reference it"
                        ),
                    );
                }
            }
            serde_json::Value::Object(map) => {
                for (name, value) in map {
                    let child = if key.is_empty() {
                        name.clone()
                    } else {
                        format!("{key}.{name}")
                    };
                    self.secrets(value, child);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.secrets(item, format!("{key}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn check_vendor_environment(&mut self, vendor: Vendor, environment: Environment) {
        if let Err(rule) = super::vendor_supports(vendor, environment) {
            self.fail("environment", environment.as_str(), rule);
        }
    }

    /// Checks every authentication setting, not only the selected mode's:
    /// all of them are recorded in the answers file and may be switched on
    /// later with a single `--set auth.mode=...`.
    fn check_auth(&mut self, a: &Answers) {
        let jwt = &a.auth.jwt;
        self.url("auth.jwt.issuer", &jwt.issuer, false);
        self.url("auth.jwt.jwks_uri", &jwt.jwks_uri, false);
        if jwt.audiences.is_empty() || jwt.audiences.len() > 10 {
            self.fail(
                "auth.jwt.audiences",
                jwt.audiences.join(","),
                "must list 1 to 10 audiences, so that tokens minted for other APIs are rejected",
            );
        }
        for (i, audience) in jwt.audiences.iter().enumerate() {
            self.token(
                &format!("auth.jwt.audiences[{i}]"),
                audience,
                "letters, digits and `-._:/`",
            );
        }
        if jwt.algorithms.is_empty() {
            self.fail(
                "auth.jwt.algorithms",
                "",
                "must list at least one algorithm",
            );
        }
        for (i, alg) in jwt.algorithms.iter().enumerate() {
            if !JWT_ALGORITHMS.contains(&alg.as_str()) {
                self.fail(
                    format!("auth.jwt.algorithms[{i}]"),
                    alg,
                    format!(
                        "must be one of {}; `none` and HMAC algorithms are rejected because \
                         they need no key or a shared secret in the gateway",
                        JWT_ALGORITHMS.join(", ")
                    ),
                );
            }
        }
        self.unique(
            "auth.jwt.algorithms",
            jwt.algorithms.iter().map(String::as_str),
        );
        if !(60..=86_400).contains(&jwt.max_lifetime) {
            self.fail(
                "auth.jwt.max_lifetime",
                jwt.max_lifetime.to_string(),
                "must be between 60 and 86400 seconds",
            );
        }

        self.url("auth.introspection.url", &a.auth.introspection.url, false);
        self.url(
            "auth.introspection.issuer",
            &a.auth.introspection.issuer,
            false,
        );
        self.token(
            "auth.introspection.client_id",
            &a.auth.introspection.client_id,
            "letters, digits and `-._:/`",
        );

        let header = &a.auth.api_key.header;
        let valid = !header.is_empty()
            && header.len() <= 64
            && header
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !header.starts_with('-');
        if !valid {
            self.fail(
                "auth.api_key.header",
                header,
                "must be a lowercase header name of letters, digits and `-` (underscores \
                 are dropped or rejected by proxies)",
            );
        } else if matches!(header.as_str(), "authorization" | "cookie" | "host") {
            self.fail(
                "auth.api_key.header",
                header,
                "must not reuse a standard header",
            );
        }

        self.check_api_consumers(a);

        self.subdomain("auth.mtls.ca_secret", &a.auth.mtls.ca_secret);

        let url = &a.auth.external.url;
        let loopback = url::Url::parse(url).ok().is_some_and(|u| {
            u.scheme() == "http"
                && u.host_str().is_some_and(|h| {
                    h == "localhost" || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
                })
        });
        self.url("auth.external.url", url, loopback);
    }

    fn check_api_consumers(&mut self, a: &Answers) {
        let consumers = &a.auth.api_key.consumers;
        if consumers.is_empty() || consumers.len() > 100 {
            self.fail(
                "auth.api_key.consumers",
                consumers.len().to_string(),
                "must list 1 to 100 consumers, so that every key belongs to a named client",
            );
        }
        self.unique(
            "auth.api_key.consumers",
            consumers.iter().map(|c| c.name.as_str()),
        );
        let protected: HashSet<&str> = a
            .services
            .iter()
            .filter(|s| !s.public)
            .map(|s| s.name.as_str())
            .collect();
        for (i, consumer) in consumers.iter().enumerate() {
            let key = format!("auth.api_key.consumers[{i}]");
            self.label(&format!("{key}.name"), &consumer.name, 40);
            for (j, service) in consumer.services.iter().enumerate() {
                if !protected.contains(service.as_str()) {
                    self.fail(
                        format!("{key}.services[{j}]"),
                        service,
                        "must name a service that is not public",
                    );
                }
            }
        }
    }

    /// Rules for what Kong Gateway can render: Kong has no external
    /// authorization plugin, and token introspection and audience checks
    /// need the Enterprise `openid-connect` plugin.
    fn check_kong(&mut self, a: &Answers) {
        let oss = a.kong.edition == KongEdition::Oss;
        match a.auth.mode {
            AuthMode::External => self.fail(
                "auth.mode",
                "external",
                "cannot be used with vendor kong: Kong Gateway has no plugin that asks an external \
                 authorization service (Envoy ext_authz, NGINX auth_request); use jwt, api-key \
                 or mtls, or choose vendor envoy or nginx",
            ),
            AuthMode::Introspection if oss => self.fail(
                "auth.mode",
                "introspection",
                "needs kong.edition enterprise: Kong Gateway open source has no token \
                 introspection plugin; set kong.edition to enterprise, or use auth.mode jwt",
            ),
            AuthMode::Jwt if oss => {
                let algorithms = &a.auth.jwt.algorithms;
                if algorithms.len() != 1 {
                    self.fail(
                        "auth.jwt.algorithms",
                        algorithms.join(","),
                        "must list exactly one algorithm with kong.edition oss: the Kong jwt \
                         credential holds one algorithm and rejects tokens signed with another",
                    );
                }
                for (i, alg) in algorithms.iter().enumerate() {
                    if !KONG_OSS_JWT_ALGORITHMS.contains(&alg.as_str()) {
                        self.fail(
                            format!("auth.jwt.algorithms[{i}]"),
                            alg,
                            format!(
                                "must be one of {} with kong.edition oss, the asymmetric \
                                 algorithms gatekit renders as a Kong jwt credential",
                                KONG_OSS_JWT_ALGORITHMS.join(", ")
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// Rules for what the NGINX blueprint can render. Tokens (`jwt`,
    /// `introspection`) are checked by the service at `auth.external.url`
    /// through `auth_request`, since open source NGINX has no `auth_jwt`.
    fn check_nginx(&mut self, a: &Answers) {
        if a.auth.mode == AuthMode::Mtls && a.environment != Environment::OnPrem {
            self.fail(
                "auth.mode",
                "mtls",
                "needs environment on-prem with vendor nginx: in cloud and hybrid the ALB \
                 terminates client TLS, so NGINX never sees the client certificate; use \
                 environment on-prem, or auth.mode api-key or external",
            );
        }
        if a.logging.sink == LogSink::Http {
            self.fail(
                "logging.sink",
                "http",
                "must be stdout with vendor nginx: open source NGINX cannot send access logs \
                 to an HTTPS collector; ship the stdout lines with the cluster's log collector",
            );
        }
        if a.environment == Environment::Hybrid && a.rate_limit.global_per_second == 0 {
            self.fail(
                "rate_limit.global_per_second",
                "0",
                "must be above 0 with vendor nginx in hybrid: the on-premises NGINX sees only \
                 the edge's address and limits all traffic from it with the global rate",
            );
        }
    }

    /// Rules for what the Envoy blueprint can render without putting a
    /// secret into the bootstrap: Envoy has no token introspection filter,
    /// its `api_key_auth` filter holds the keys inline, and it has no
    /// access logger that posts JSON to an HTTPS collector.
    fn check_envoy(&mut self, a: &Answers) {
        match a.auth.mode {
            AuthMode::Introspection => self.fail(
                "auth.mode",
                "introspection",
                "cannot be used with vendor envoy: Envoy has no token introspection filter; use \
                 auth.mode external with an authorization service that introspects tokens at \
                 auth.external.url, or auth.mode jwt",
            ),
            AuthMode::ApiKey => self.fail(
                "auth.mode",
                "api-key",
                "cannot be used with vendor envoy: Envoy's api_key_auth filter keeps the keys in \
                 its configuration, which would put them in the repository; use auth.mode \
                 external with a service that checks keys, jwt or mtls",
            ),
            _ => {}
        }
        if a.logging.sink == LogSink::Http {
            self.fail(
                "logging.sink",
                "http",
                "must be stdout with vendor envoy: Envoy has no access logger that sends JSON to \
                 an HTTPS collector; ship the stdout lines with the cluster's log collector",
            );
        }
    }

    fn check_limits(&mut self, a: &Answers) {
        let rl = &a.rate_limit;
        if !(1..=100_000).contains(&rl.per_second) {
            self.fail(
                "rate_limit.per_second",
                rl.per_second.to_string(),
                "must be between 1 and 100000",
            );
        }
        if rl.burst > 1_000_000 {
            self.fail(
                "rate_limit.burst",
                rl.burst.to_string(),
                "must be at most 1000000",
            );
        }
        if rl.global_per_second != 0 && rl.global_per_second < rl.per_second {
            self.fail(
                "rate_limit.global_per_second",
                rl.global_per_second.to_string(),
                "must be 0 (off) or at least rate_limit.per_second",
            );
        }
        if !(1..=1_048_576).contains(&a.body_limit_kb) {
            self.fail(
                "body_limit_kb",
                a.body_limit_kb.to_string(),
                "must be between 1 and 1048576 KiB",
            );
        }
    }

    fn check_tls(&mut self, a: &Answers) {
        if a.tls.domains.is_empty() || a.tls.domains.len() > 50 {
            self.fail(
                "tls.domains",
                a.tls.domains.join(","),
                "must list 1 to 50 host names",
            );
        }
        for (i, domain) in a.tls.domains.iter().enumerate() {
            self.domain(&format!("tls.domains[{i}]"), domain);
        }
        self.unique("tls.domains", a.tls.domains.iter().map(String::as_str));
        self.subdomain("tls.certificate_secret", &a.tls.certificate_secret);
    }

    fn check_services(&mut self, a: &Answers) {
        if a.services.is_empty() || a.services.len() > 500 {
            self.fail(
                "services",
                a.services.len().to_string(),
                "must list 1 to 500 services",
            );
        }
        self.unique("services", a.services.iter().map(|s| s.name.as_str()));
        let mut paths = HashSet::new();
        for (i, service) in a.services.iter().enumerate() {
            let key = format!("services[{i}]");
            self.label(&format!("{key}.name"), &service.name, 40);
            self.url(
                &format!("{key}.upstream"),
                &service.upstream,
                service.plaintext,
            );
            self.path(&format!("{key}.path"), &service.path);
            if !paths.insert(service.path.as_str()) {
                self.fail(
                    format!("{key}.path"),
                    &service.path,
                    "must be unique among services",
                );
            }
            if service.methods.is_empty() {
                self.fail(
                    format!("{key}.methods"),
                    "",
                    "must list at least one method",
                );
            }
            for (j, method) in service.methods.iter().enumerate() {
                if !METHODS.contains(&method.as_str()) {
                    self.fail(
                        format!("{key}.methods[{j}]"),
                        method,
                        format!("must be one of {} (uppercase)", METHODS.join(", ")),
                    );
                }
            }
            self.unique(
                &format!("{key}.methods"),
                service.methods.iter().map(String::as_str),
            );
        }
    }

    fn gcp(&mut self, a: &Answers) {
        let project = &a.gcp.project;
        let valid = (6..=30).contains(&project.len())
            && project.starts_with(|c: char| c.is_ascii_lowercase())
            && !project.ends_with('-')
            && project
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.fail(
                "gcp.project",
                project,
                "must be a Google Cloud project ID: 6 to 30 lowercase letters, digits or `-`, \
                 starting with a letter",
            );
        }
        let region = &a.gcp.region;
        let valid = region.split('-').count() == 2
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && region.ends_with(|c: char| c.is_ascii_digit());
        if !valid {
            self.fail(
                "gcp.region",
                region,
                "must be a Google Cloud region such as `europe-west1`",
            );
        }
    }

    /// A lowercase DNS label (RFC 1123) that starts with a letter.
    fn label(&mut self, key: &str, value: &str, max: usize) {
        let valid = !value.is_empty()
            && value.len() <= max
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && !value.ends_with('-')
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.fail(
                key,
                value,
                format!(
                    "must be a lowercase DNS label of at most {max} characters: letters, digits \
                     and `-`, starting with a letter and not ending with `-`"
                ),
            );
        }
    }

    /// A Kubernetes object name (DNS subdomain).
    fn subdomain(&mut self, key: &str, value: &str) {
        let valid = !value.is_empty()
            && value.len() <= 253
            && value.split('.').all(|part| {
                !part.is_empty()
                    && part.len() <= 63
                    && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && !part.ends_with('-')
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !valid {
            self.fail(
                key,
                value,
                "must be a Kubernetes object name: lowercase letters, digits, `-` and `.`",
            );
        }
    }

    /// Text shown to people: any printable characters on one line. The
    /// check for secrets covers every string answer, in [`Validator::secrets`].
    fn free_text(&mut self, key: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.fail(key, value, format!("must be at most {max} characters"));
        }
        self.printable(key, value);
        // Leading spaces turn a Markdown line into a code block, and neither
        // end's spaces survive a round trip through every format.
        if value.trim() != value {
            self.fail(key, value, "must not start or end with white space");
        }
    }

    fn printable(&mut self, key: &str, value: &str) {
        if let Some(c) = value.chars().find(|&c| is_forbidden_char(c)) {
            self.fail(
                key,
                value.escape_default().to_string(),
                format!(
                    "must not contain control characters, line separators, bidirectional marks or \
                     noncharacters (found U+{:04X})",
                    c as u32
                ),
            );
        }
    }

    /// An identifier such as a client ID or an audience.
    fn token(&mut self, key: &str, value: &str, allowed: &str) {
        let valid = !value.is_empty()
            && value.len() <= 200
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._:/".contains(c));
        if !valid {
            self.fail(
                key,
                value,
                format!("must be 1 to 200 characters: {allowed}"),
            );
        }
    }

    fn url(&mut self, key: &str, value: &str, allow_http: bool) {
        self.printable(key, value);
        if !value.is_ascii() {
            // Products compare hosts in their ASCII form (a browser sends a
            // CORS origin in punycode), and letters from other scripts can
            // pass for Latin ones in review.
            // The URL parser adds a `/` path to a bare origin.
            let ascii = url::Url::parse(value)
                .ok()
                .filter(|u| u.as_str().is_ascii())
                .map(|u| {
                    let text = u.as_str();
                    if value.ends_with('/') {
                        format!("; write `{text}`")
                    } else {
                        format!("; write `{}`", text.trim_end_matches('/'))
                    }
                })
                .unwrap_or_default();
            self.fail(
                key,
                value,
                format!(
                    "must be ASCII: write an international host name in its punycode form{ascii}"
                ),
            );
            return;
        }

        if let Some(c) = value.chars().find(|c| EXPANDED.contains(c)) {
            self.fail(
                key,
                value,
                format!("must not contain `{c}`: {EXPANDED_REASON}"),
            );
            return;
        }
        if let Some(c) = value
            .chars()
            .find(|c| c.is_whitespace() || "\"'\\<>^|".contains(*c))
        {
            self.fail(
                key,
                value,
                format!("must not contain `{}`", c.escape_default()),
            );
            return;
        }
        let parsed = match url::Url::parse(value) {
            Ok(parsed) => parsed,
            Err(err) => {
                self.fail(key, value, format!("must be an absolute URL ({err})"));
                return;
            }
        };
        let scheme_ok = parsed.scheme() == "https" || (allow_http && parsed.scheme() == "http");
        if !scheme_ok {
            let hint = if allow_http { "https or http" } else { "https" };
            self.fail(key, value, format!("must use {hint}"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            self.fail(key, value, "must name a host");
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            self.fail(
                key,
                redact(value),
                "must not carry credentials; secrets never go into answers",
            );
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            self.fail(key, value, "must not have a query string or fragment");
        }
        if value.len() > 2048 {
            self.fail(key, value, "must be at most 2048 characters");
        }
    }

    fn origin(&mut self, key: &str, value: &str) {
        if value == "*" || value.contains('*') {
            self.fail(
                key,
                value,
                "must be an exact origin: wildcards let any site call the API",
            );
            return;
        }
        self.url(key, value, false);
        let Ok(parsed) = url::Url::parse(value) else {
            return;
        };
        let bare = parsed.path() == "/" && !value.ends_with('/');
        if !bare {
            self.fail(
                key,
                value,
                "must be `https://host[:port]` with no path or trailing slash",
            );
        }
    }

    fn path(&mut self, key: &str, value: &str) {
        let chars_ok = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c));
        let segments_ok = value
            .split('/')
            .skip(1)
            .all(|segment| !matches!(segment, "." | ".."));
        let valid = value.starts_with('/')
            && value.len() <= 256
            && chars_ok
            && segments_ok
            && !value.contains("//")
            && (value == "/" || !value.ends_with('/'));
        if !valid {
            self.fail(
                key,
                value,
                "must be a path prefix such as `/orders`: starts with `/`, letters, digits and \
                 `/-._~` only, no `.` or `..` segments, no `//`, no trailing `/`",
            );
        }
    }

    fn domain(&mut self, key: &str, value: &str) {
        let host = value.strip_prefix("*.").unwrap_or(value);
        let valid = !host.is_empty()
            && value.len() <= 253
            && host.contains('.')
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !valid {
            self.fail(
                key,
                value,
                "must be a lowercase host name such as `api.example.com`, optionally starting with `*.`",
            );
        }
    }

    fn cidr(&mut self, key: &str, value: &str) {
        let Some((addr, prefix)) = value.split_once('/') else {
            self.fail(key, value, "must be a CIDR range such as `10.0.0.0/16`");
            return;
        };
        let (Ok(addr), Ok(prefix)) = (addr.parse::<IpAddr>(), prefix.parse::<u8>()) else {
            self.fail(key, value, "must be a CIDR range such as `10.0.0.0/16`");
            return;
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            self.fail(key, value, format!("prefix length must be at most {max}"));
        } else if prefix == 0 {
            self.fail(
                key,
                value,
                "must not trust every address: any client could then forge X-Forwarded-For and \
                 bypass rate limits",
            );
        }
    }

    fn bucket(&mut self, key: &str, value: &str) {
        let valid = (3..=63).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && value.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.fail(
                key,
                value,
                "must be a bucket name: 3 to 63 lowercase letters, digits or `-`",
            );
        }
    }

    fn aws_region(&mut self, key: &str, value: &str) {
        let parts: Vec<&str> = value.split('-').collect();
        let valid = (3..=4).contains(&parts.len())
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
        if !valid {
            self.fail(key, value, "must be an AWS region such as `eu-west-1`");
        }
    }

    fn aws_account(&mut self, key: &str, value: &str) {
        let valid = value.len() == 12 && value.chars().all(|c| c.is_ascii_digit());
        if !valid {
            self.fail(key, value, "must be a 12-digit AWS account ID");
        }
    }

    fn unique<'a>(&mut self, key: &str, values: impl Iterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for value in values {
            if !seen.insert(value) {
                self.fail(key, value, "must not repeat a value");
            }
        }
    }
}

/// Returns true for `MAJOR.MINOR.PATCH` with an optional `v` prefix and an optional
/// pre-release suffix (`v1.2.3-rc.1`).
pub fn is_release_tag(value: &str) -> bool {
    let version = value.strip_prefix('v').unwrap_or(value);
    let (core, suffix) = version.split_once('-').unwrap_or((version, ""));
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        && suffix.len() <= 40
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !(version.contains('-') && suffix.is_empty())
}

/// Returns true for a full 40-character lowercase hexadecimal git commit SHA.
pub fn is_commit_sha(value: &str) -> bool {
    value.len() == 40
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn auth_mode_name(mode: AuthMode) -> &'static str {
    match mode {
        AuthMode::Jwt => "jwt",
        AuthMode::Introspection => "introspection",
        AuthMode::ApiKey => "api-key",
        AuthMode::Mtls => "mtls",
        AuthMode::External => "external",
    }
}

/// Signing algorithms accepted for JWTs.
pub const JWT_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
];

/// Signing algorithms gatekit renders as a Kong Gateway open source `jwt`
/// credential (a consumer `jwt_secrets` entry with `rsa_public_key`).
pub const KONG_OSS_JWT_ALGORITHMS: &[&str] = &["RS256", "RS512", "ES256"];

/// HTTP methods a route may allow.
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Returns true for characters no answer may contain: C0 and C1 controls,
/// DEL, Unicode line and paragraph separators, bidirectional controls and
/// marks, and noncharacters. Bidirectional characters can make text read
/// differently from what it is, and YAML forbids U+FFFE and U+FFFF.
pub fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{061c}' | '\u{200e}' | '\u{200f}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || is_noncharacter(c)
}

/// Returns true for the 66 Unicode noncharacters: U+FDD0 to U+FDEF and the
/// last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    ('\u{fdd0}'..='\u{fdef}').contains(&c) || (c as u32) & 0xfffe == 0xfffe
}

/// Shortens a value that may be a secret, so error messages never print it.
pub fn redact(value: &str) -> String {
    let shown: String = value.chars().take(4).collect();
    format!("{shown}… (redacted)")
}

/// Maximum length, in characters, of a value an error message prints in full.
const MAX_SHOWN_CHARS: usize = 120;

/// Returns `value` as an error message may print it: redacted when it looks
/// like a secret or is a URL with credentials, and shortened when long.
pub fn shown(value: &str) -> String {
    if secrets::looks_like_secret(value).is_some() || has_userinfo(value) {
        return redact(value);
    }
    let count = value.chars().count();
    if count <= MAX_SHOWN_CHARS {
        return value.to_string();
    }
    let head: String = value.chars().take(MAX_SHOWN_CHARS).collect();
    format!("{head}… ({count} characters)")
}

/// Returns true when `value` is a URL whose authority has a user name or a
/// password (`scheme://user:password@host`).
fn has_userinfo(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(answers: &Answers) -> Vec<String> {
        validate(answers).into_iter().map(|p| p.key).collect()
    }

    fn valid_answers() -> Answers {
        Answers {
            project: "payments".to_string(),
            ..Answers::default()
        }
    }

    #[test]
    fn defaults_with_project_are_valid() {
        assert_eq!(validate(&valid_answers()), vec![]);
    }

    #[test]
    fn traversal_service_name_rejected() {
        let mut a = valid_answers();
        a.services[0].name = "../../x".to_string();
        assert_eq!(keys(&a), vec!["services[0].name"]);
    }

    #[test]
    fn expanded_characters_in_urls_rejected() {
        for bad in [
            "https://a.example.com/${x}",
            "https://a.example.com/%DOWNSTREAM_X%",
            "https://a.example.com/{v}",
        ] {
            let mut a = valid_answers();
            a.services[0].upstream = bad.to_string();
            let problems = validate(&a);
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(problems[0].rule.contains("expanded"), "{bad}");
        }
    }

    #[test]
    fn http_upstream_needs_plaintext() {
        let mut a = valid_answers();
        a.services[0].upstream = "http://orders.internal:8080".to_string();
        assert_eq!(keys(&a), vec!["services[0].upstream"]);
        a.services[0].plaintext = true;
        assert_eq!(keys(&a), Vec::<String>::new());
    }

    #[test]
    fn cidr_everything_rejected() {
        let mut a = valid_answers();
        a.network.trusted_proxies = vec!["0.0.0.0/0".to_string(), "::/0".to_string()];
        assert_eq!(
            keys(&a),
            vec!["network.trusted_proxies[0]", "network.trusted_proxies[1]"]
        );
    }

    #[test]
    fn newline_in_free_text_rejected() {
        let mut a = valid_answers();
        a.description = "one\ntwo".to_string();
        let problems = validate(&a);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].rule.contains("U+000A"));
    }

    #[test]
    fn hmac_and_none_algorithms_rejected() {
        let mut a = valid_answers();
        // Enterprise, so that only the vendor-neutral rule applies.
        a.kong.edition = KongEdition::Enterprise;
        a.auth.jwt.algorithms = vec!["none".to_string(), "HS256".to_string()];
        assert_eq!(
            keys(&a),
            vec!["auth.jwt.algorithms[0]", "auth.jwt.algorithms[1]"]
        );
    }

    #[test]
    fn wildcard_origin_rejected() {
        let mut a = valid_answers();
        a.cors.origins = vec!["*".to_string(), "https://x.example.com/".to_string()];
        assert_eq!(keys(&a), vec!["cors.origins[0]", "cors.origins[1]"]);
    }

    #[test]
    fn path_rules() {
        for bad in [
            "orders", "/a/../b", "/a//b", "/a/", "/a b", "/a$b", "/a%2fb",
        ] {
            let mut a = valid_answers();
            a.services[0].path = bad.to_string();
            assert_eq!(keys(&a), vec!["services[0].path"], "{bad}");
        }
    }

    #[test]
    fn kong_rejects_external_auth() {
        let mut a = valid_answers();
        a.auth.mode = AuthMode::External;
        let problems = validate(&a);
        assert_eq!(keys(&a), vec!["auth.mode"]);
        assert!(problems[0].rule.contains("envoy or nginx"));
    }

    #[test]
    fn nginx_rejects_what_it_cannot_render() {
        let mut a = valid_answers();
        a.vendor = Vendor::Nginx;
        a.environment = Environment::OnPrem;
        a.auth.mode = AuthMode::Mtls;
        assert_eq!(keys(&a), Vec::<String>::new());
        a.environment = Environment::Cloud;
        assert_eq!(keys(&a), vec!["auth.mode"]);
        a.auth.mode = AuthMode::Jwt;
        a.logging.sink = LogSink::Http;
        assert_eq!(keys(&a), vec!["logging.sink"]);
        a.logging.sink = LogSink::Stdout;
        a.environment = Environment::Hybrid;
        a.rate_limit.global_per_second = 0;
        assert_eq!(keys(&a), vec!["rate_limit.global_per_second"]);
    }

    #[test]
    fn envoy_rejects_what_it_cannot_render() {
        let mut a = valid_answers();
        a.vendor = Vendor::Envoy;
        assert_eq!(keys(&a), Vec::<String>::new());
        a.auth.mode = AuthMode::Introspection;
        assert_eq!(keys(&a), vec!["auth.mode"]);
        a.auth.mode = AuthMode::ApiKey;
        a.logging.sink = LogSink::Http;
        assert_eq!(keys(&a), vec!["auth.mode", "logging.sink"]);
        a.auth.mode = AuthMode::External;
        a.logging.sink = LogSink::Stdout;
        assert_eq!(keys(&a), Vec::<String>::new());
    }

    #[test]
    fn kong_oss_rejects_introspection() {
        let mut a = valid_answers();
        a.auth.mode = AuthMode::Introspection;
        assert_eq!(keys(&a), vec!["auth.mode"]);
        a.kong.edition = KongEdition::Enterprise;
        assert_eq!(keys(&a), Vec::<String>::new());
    }

    #[test]
    fn kong_oss_jwt_needs_one_supported_algorithm() {
        let mut a = valid_answers();
        a.auth.jwt.algorithms = vec!["RS256".to_string(), "PS256".to_string()];
        assert_eq!(
            keys(&a),
            vec!["auth.jwt.algorithms", "auth.jwt.algorithms[1]"]
        );
        a.kong.edition = KongEdition::Enterprise;
        assert_eq!(keys(&a), Vec::<String>::new());
    }

    #[test]
    fn api_consumer_services_must_exist() {
        let mut a = valid_answers();
        a.auth.mode = AuthMode::ApiKey;
        a.auth.api_key.consumers[0].services = vec!["payments".to_string()];
        assert_eq!(keys(&a), vec!["auth.api_key.consumers[0].services[0]"]);
    }

    #[test]
    fn aws_rejects_unsupported_answers() {
        let mut a = valid_answers();
        a.vendor = Vendor::Aws;
        assert_eq!(keys(&a), Vec::<String>::new());
        a.auth.mode = AuthMode::ApiKey;
        a.auth.api_key.header = "x-client-key".to_string();
        a.tls.min_version = TlsVersion::V1_3;
        assert_eq!(keys(&a), vec!["tls.min_version", "auth.api_key.header"]);
        a.auth.mode = AuthMode::Mtls;
        a.tls.min_version = TlsVersion::V1_2;
        assert_eq!(keys(&a), vec!["auth.mode"]);
        a.aws.account_id = "12345".to_string();
        assert_eq!(keys(&a), vec!["aws.account_id", "auth.mode"]);
    }

    #[test]
    fn apigee_rejects_paths_and_plain_http() {
        let mut a = valid_answers();
        a.vendor = Vendor::Apigee;
        assert_eq!(keys(&a), Vec::<String>::new());
        a.services[0].upstream = "https://orders.example.com/v1".to_string();
        assert_eq!(keys(&a), vec!["services[0].upstream"]);
        a.services[0].upstream = "http://127.0.0.1:8080".to_string();
        a.services[0].plaintext = true;
        assert_eq!(keys(&a), vec!["services[0].upstream"]);
        a.services[0].upstream = "https://orders.example.com:8443".to_string();
        a.tls.domains = vec!["*.example.com".to_string()];
        assert_eq!(keys(&a), vec!["tls.domains[0]"]);
        a.environment = Environment::Hybrid;
        assert_eq!(keys(&a), Vec::<String>::new());
    }

    #[test]
    fn pipeline_gatekit_ref_rules() {
        for reference in ["v0.1.0", "1.2.3", "v1.2.3-rc.1", &"a".repeat(40)] {
            let mut a = valid_answers();
            a.pipeline.gatekit_ref = reference.to_string();
            assert!(keys(&a).is_empty(), "{reference} rejected");
        }
        for reference in [
            "main",
            "v1.2",
            "v1.2.3-",
            "HEAD",
            &"A".repeat(40),
            "v1.2.3 x",
        ] {
            let mut a = valid_answers();
            a.pipeline.gatekit_ref = reference.to_string();
            assert_eq!(
                keys(&a),
                vec!["pipeline.gatekit_ref"],
                "{reference} accepted"
            );
        }
    }

    #[test]
    fn pipeline_repository_must_be_https() {
        let mut a = valid_answers();
        a.pipeline.gatekit_repository = "http://git.example.com/gatekit.git".to_string();
        assert_eq!(keys(&a), vec!["pipeline.gatekit_repository"]);
    }

    #[test]
    fn credentials_in_url_redacted() {
        let mut a = valid_answers();
        a.services[0].upstream = "https://user:hunter2@orders.example.com".to_string();
        let problems = validate(&a);
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].value.contains("hunter2"));
    }
}
