//! Kong blueprint guarantees, checked offline on every generated declarative
//! configuration and Helm values file: the decK file schema, Kong's own
//! plugin schemas, and the security properties the blueprint promises.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use crate::kong_schema::{self, PluginSchemas};
use crate::support;
use gatekit::answers::{Answers, AuthMode, Environment, KongEdition, TlsVersion, Vendor};

/// One rendered Kong repository: the answers and the parsed files.
struct Rendered {
    label: String,
    answers: Answers,
    kong: Value,
    helm: Vec<(String, Value)>,
    terraform: String,
}

/// Answer variations beyond the defaults, applied to every environment.
const VARIATIONS: &[&[&str]] = &[
    &[],
    &["auth.mode=api-key"],
    &[
        "auth.mode=api-key",
        "auth.api_key.consumers[0].name=billing",
        "auth.api_key.consumers[0].services=orders",
        "auth.api_key.consumers[1].name=audit",
    ],
    &["auth.mode=mtls"],
    &["kong.edition=enterprise"],
    &["kong.edition=enterprise", "auth.mode=introspection"],
    &["logging.sink=http", "cors.origins=", "tls.min_version=1.3"],
    &["rate_limit.key=ip", "rate_limit.global_per_second=0"],
    &[
        "services[0].path=/v1.0",
        "services[1].name=health",
        "services[1].upstream=http://127.0.0.1:8080/ping",
        "services[1].plaintext=true",
        "services[1].path=/health",
        "services[1].methods=GET,OPTIONS",
        "services[1].public=true",
    ],
];

/// Renders every Kong combination with every variation, once per test run.
fn rendered() -> &'static [Rendered] {
    static RENDERED: OnceLock<Vec<Rendered>> = OnceLock::new();
    RENDERED.get_or_init(render_all)
}

/// The Kong combinations with GitHub Actions, one per environment.
fn kong_combos() -> Vec<support::Combo> {
    support::combos()
        .into_iter()
        .filter(|c| c.vendor == Vendor::Kong && c.ci == gatekit::answers::Ci::Github)
        .collect()
}

/// Renders the answer variations beyond the defaults, for whole-tree checks
/// such as the Terraform tests. Names are the environment and the answers.
pub fn variants() -> Vec<(String, gatekit::generate::Generated)> {
    let mut out = Vec::new();
    for combo in kong_combos() {
        for extra in VARIATIONS.iter().filter(|extra| !extra.is_empty()) {
            let answers = support::answers(combo, extra);
            let name = format!("{} {}", combo.environment.as_str(), extra.join(" "));
            out.push((name, support::render_answers(&answers)));
        }
    }
    out
}

fn render_all() -> Vec<Rendered> {
    let mut out = Vec::new();
    for combo in kong_combos() {
        for extra in VARIATIONS {
            let answers = support::answers(combo, extra);
            let generated = support::render_answers(&answers);
            let text = |path: &str| {
                generated
                    .tree
                    .text(path)
                    .unwrap_or_else(|| panic!("{} lacks {path}", combo.name()))
                    .to_string()
            };
            let kong = parse_yaml(&text("kong/kong.yaml"));
            let helm = support::files_with(&generated, &[".yaml"])
                .into_iter()
                .filter(|(path, _)| path.starts_with("kong/helm/"))
                .map(|(path, body)| (path.to_string(), parse_yaml(body)))
                .collect();
            let terraform = support::files_with(&generated, &[".tf"])
                .into_iter()
                .map(|(_, body)| body)
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Rendered {
                label: format!("{} {}", combo.name(), extra.join(" ")),
                answers,
                kong,
                helm,
                terraform,
            });
        }
    }
    out
}

fn parse_yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("generated YAML parses")
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn names(plugins: &[Value]) -> BTreeSet<&str> {
    plugins
        .iter()
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect()
}

/// A plugin instance and where it is attached.
struct Instance<'a> {
    plugin: &'a Value,
    scope: kong_schema::Scope,
    /// Protocols of the routes the plugin runs on.
    route_protocols: Vec<&'a str>,
}

fn instances(kong: &Value) -> Vec<Instance<'_>> {
    let all_routes: Vec<&Value> = list(kong, "services")
        .iter()
        .flat_map(|s| list(s, "routes"))
        .collect();
    fn protocols_of<'a>(routes: &[&'a Value]) -> Vec<&'a str> {
        let mut out: Vec<&str> = routes
            .iter()
            .flat_map(|r| list(r, "protocols"))
            .filter_map(Value::as_str)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
    let mut out = Vec::new();
    // Global and consumer plugins run on every route.
    let global = list(kong, "plugins")
        .iter()
        .map(|p| (p, kong_schema::Scope::Global));
    let per_consumer = list(kong, "consumers")
        .iter()
        .flat_map(|c| list(c, "plugins"))
        .map(|p| (p, kong_schema::Scope::Consumer));
    for (plugin, scope) in global.chain(per_consumer) {
        out.push(Instance {
            plugin,
            scope,
            route_protocols: protocols_of(&all_routes),
        });
    }
    for service in list(kong, "services") {
        let routes: Vec<&Value> = list(service, "routes").iter().collect();
        for plugin in list(service, "plugins") {
            out.push(Instance {
                plugin,
                scope: kong_schema::Scope::Service,
                route_protocols: protocols_of(&routes),
            });
        }
        for route in &routes {
            for plugin in list(route, "plugins") {
                out.push(Instance {
                    plugin,
                    scope: kong_schema::Scope::Route,
                    route_protocols: protocols_of(&[route]),
                });
            }
        }
    }
    out
}

#[test]
fn deck_schema_accepts_every_config() {
    let Some(path) = support::shared("schemas/kong-deck-file.schema.json") else {
        return;
    };
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("decK schema compiles");
    for r in rendered() {
        let errors: Vec<String> = validator
            .iter_errors(&r.kong)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", r.label);
    }
}

#[test]
fn plugin_configs_match_kong_schemas() {
    let Some(path) = support::shared("schemas/kong-plugins-3.x.json") else {
        return;
    };
    let schemas = PluginSchemas::load(&path);
    let mut checked = BTreeSet::new();
    for r in rendered() {
        for instance in instances(&r.kong) {
            let name = instance.plugin["name"].as_str().unwrap_or_default();
            checked.insert(name.to_string());
            let errors = schemas.check(
                instance.plugin,
                instance.scope,
                &instance.route_protocols,
                r.answers.kong.edition == KongEdition::Enterprise,
            );
            assert!(errors.is_empty(), "{} {name}: {errors:#?}", r.label);
        }
    }
    // Every plugin the blueprint can render went through the checker.
    for expected in [
        "acl",
        "cors",
        "file-log",
        "http-log",
        "jwt",
        "key-auth",
        "openid-connect",
        "prometheus",
        "rate-limiting",
        "request-size-limiting",
        "request-termination",
        "response-transformer",
    ] {
        assert!(checked.contains(expected), "{expected} was never rendered");
    }
}

#[test]
fn protected_routes_require_authentication() {
    for r in rendered() {
        let global = names(list(&r.kong, "plugins"));
        for (service, answer) in list(&r.kong, "services").iter().zip(&r.answers.services) {
            let service_plugins = names(list(service, "plugins"));
            for route in list(service, "routes") {
                let mut effective = global.clone();
                effective.extend(&service_plugins);
                effective.extend(names(list(route, "plugins")));
                let authenticated = ["jwt", "key-auth", "openid-connect"]
                    .iter()
                    .any(|p| effective.contains(p));
                let route_name = route["name"].as_str().unwrap_or_default();
                if answer.public {
                    assert!(!authenticated, "{}: public {route_name} has auth", r.label);
                } else if r.answers.auth.mode == AuthMode::Mtls {
                    assert!(
                        listener_requires_client_certificates(r),
                        "{}: {route_name} has no client certificate check",
                        r.label
                    );
                } else {
                    assert!(authenticated, "{}: {route_name} is open", r.label);
                }
            }
        }
    }
}

/// Kong open source has no mtls-auth plugin: the proxy listener (or, in the
/// cloud, the load balancer) must verify client certificates instead.
fn listener_requires_client_certificates(r: &Rendered) -> bool {
    if r.answers.environment == Environment::Cloud {
        return r.terraform.contains("mode            = \"verify\"");
    }
    let proxies: Vec<&Value> = r
        .helm
        .iter()
        .filter(|(path, _)| !path.ends_with("control-plane.yaml"))
        .map(|(_, v)| v)
        .collect();
    !proxies.is_empty()
        && proxies.iter().all(|v| {
            v["env"]["nginx_proxy_ssl_verify_client"] == "on"
                && v["env"]["nginx_proxy_ssl_client_certificate"]
                    .as_str()
                    .is_some_and(|p| p.contains(&r.answers.auth.mtls.ca_secret))
        })
}

#[test]
fn credentials_are_read_from_headers_only() {
    for r in rendered() {
        for instance in instances(&r.kong) {
            let config = &instance.plugin["config"];
            match instance.plugin["name"].as_str() {
                Some("key-auth") => {
                    assert_eq!(config["key_in_query"], false, "{}", r.label);
                    assert_eq!(config["key_in_body"], false, "{}", r.label);
                    assert_eq!(config["key_in_header"], true, "{}", r.label);
                    assert_eq!(config["hide_credentials"], true, "{}", r.label);
                    assert_eq!(
                        config["key_names"],
                        serde_json::json!([r.answers.auth.api_key.header]),
                        "{}",
                        r.label
                    );
                }
                Some("jwt") => {
                    assert_eq!(config["uri_param_names"], serde_json::json!([]));
                    assert_eq!(config["cookie_names"], serde_json::json!([]));
                    assert_eq!(config["header_names"], serde_json::json!(["authorization"]));
                    assert_eq!(config["key_claim_name"], "iss");
                    assert_eq!(
                        config["claims_to_verify"],
                        serde_json::json!(["exp", "nbf"])
                    );
                    assert_eq!(
                        config["maximum_expiration"], r.answers.auth.jwt.max_lifetime,
                        "{}",
                        r.label
                    );
                }
                Some("openid-connect") => {
                    assert_eq!(
                        config["bearer_token_param_type"],
                        serde_json::json!(["header"]),
                        "{}",
                        r.label
                    );
                    if r.answers.auth.mode == AuthMode::Jwt {
                        assert_eq!(
                            config["audience_required"],
                            serde_json::json!(r.answers.auth.jwt.audiences),
                            "{}",
                            r.label
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn access_logs_drop_cookies_and_keys() {
    for r in rendered() {
        let plugins = list(&r.kong, "plugins");
        let loggers: Vec<&Value> = plugins
            .iter()
            .filter(|p| matches!(p["name"].as_str(), Some("file-log" | "http-log")))
            .collect();
        assert_eq!(loggers.len(), 1, "{}", r.label);
        let fields = &loggers[0]["config"]["custom_fields_by_lua"];
        assert_eq!(
            fields["request.headers.cookie"], "return nil",
            "{}",
            r.label
        );
        assert_eq!(fields["response.headers.set-cookie"], "return nil");
        if r.answers.auth.mode == AuthMode::ApiKey {
            let key = format!("request.headers.{}", r.answers.auth.api_key.header);
            assert_eq!(fields[key.as_str()], "return nil", "{}", r.label);
        }
    }
}

#[test]
fn jwt_credential_is_keyed_by_issuer() {
    for r in rendered() {
        if r.answers.auth.mode != AuthMode::Jwt || r.answers.kong.edition != KongEdition::Oss {
            continue;
        }
        let secrets: Vec<&Value> = list(&r.kong, "consumers")
            .iter()
            .flat_map(|c| list(c, "jwt_secrets"))
            .collect();
        assert_eq!(secrets.len(), 1, "{}", r.label);
        assert_eq!(secrets[0]["key"], r.answers.auth.jwt.issuer.as_str());
        assert_eq!(
            secrets[0]["algorithm"],
            r.answers.auth.jwt.algorithms[0].as_str()
        );
    }
}

#[test]
fn key_material_is_never_inline() {
    let deck_env = regex::Regex::new(r#"^\$\{\{ env "DECK_[A-Z0-9_]+"( \| indent [0-9]+)? \}\}$"#)
        .expect("regex compiles");
    for r in rendered() {
        let mut material = Vec::new();
        for consumer in list(&r.kong, "consumers") {
            for secret in list(consumer, "jwt_secrets") {
                material.push(&secret["rsa_public_key"]);
                material.push(&secret["secret"]);
            }
            for credential in list(consumer, "keyauth_credentials") {
                material.push(&credential["key"]);
            }
        }
        for ca in list(&r.kong, "ca_certificates") {
            material.push(&ca["cert"]);
        }
        for value in material {
            let text = value.as_str().unwrap_or_default().trim();
            assert!(deck_env.is_match(text), "{}: inline {text:?}", r.label);
        }
        for instance in instances(&r.kong) {
            let config = &instance.plugin["config"];
            for secret in [
                &config["headers"]["Authorization"],
                &config["client_secret"][0],
            ] {
                if let Some(text) = secret.as_str() {
                    assert!(text.starts_with("{vault://env/"), "{}: {text}", r.label);
                }
            }
        }
    }
}

#[test]
fn consumers_reach_only_their_services() {
    for r in rendered() {
        let consumers = list(&r.kong, "consumers");
        let services = list(&r.kong, "services");
        for service in services {
            let allow = list(service, "plugins")
                .iter()
                .find(|p| p["name"] == "acl")
                .map(|p| list(&p["config"], "allow").to_vec());
            let name = service["name"].as_str().unwrap_or_default();
            let public = r
                .answers
                .services
                .iter()
                .any(|s| s.name == name && s.public);
            match allow {
                Some(groups) => assert_eq!(groups, vec![Value::from(name)], "{}", r.label),
                None => assert!(
                    public || consumers.is_empty(),
                    "{}: {name} has consumers but no acl",
                    r.label
                ),
            }
        }
        if r.answers.auth.mode == AuthMode::ApiKey {
            for (consumer, answer) in consumers.iter().zip(&r.answers.auth.api_key.consumers) {
                let groups: BTreeSet<&str> = list(consumer, "acls")
                    .iter()
                    .filter_map(|a| a["group"].as_str())
                    .collect();
                let expected: BTreeSet<&str> = r
                    .answers
                    .services
                    .iter()
                    .filter(|s| !s.public)
                    .filter(|s| answer.services.is_empty() || answer.services.contains(&s.name))
                    .map(|s| s.name.as_str())
                    .collect();
                assert_eq!(groups, expected, "{}", r.label);
            }
        }
    }
}

#[test]
fn routes_serve_only_https_and_declared_methods() {
    for r in rendered() {
        for (service, answer) in list(&r.kong, "services").iter().zip(&r.answers.services) {
            assert_eq!(service["url"], answer.upstream.as_str(), "{}", r.label);
            for route in list(service, "routes") {
                assert_eq!(route["protocols"], serde_json::json!(["https"]));
                assert_eq!(route["strip_path"], false);
                let hosts: Vec<&str> = list(route, "hosts")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(hosts, r.answers.tls.domains, "{}", r.label);
                let methods: Vec<&str> = list(route, "methods")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let preflight = route["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with("-preflight"));
                if preflight {
                    assert_eq!(methods, ["OPTIONS"]);
                    let terminated = list(route, "plugins")
                        .iter()
                        .any(|p| p["name"] == "request-termination");
                    assert!(terminated, "{}: preflight route proxies", r.label);
                } else {
                    assert_eq!(methods, answer.methods, "{}", r.label);
                }
            }
        }
    }
}

#[test]
fn cors_allows_only_listed_origins() {
    for r in rendered() {
        let cors = list(&r.kong, "plugins")
            .iter()
            .find(|p| p["name"] == "cors");
        let Some(cors) = cors else {
            assert!(r.answers.cors.origins.is_empty(), "{}", r.label);
            continue;
        };
        let origins: Vec<&str> = list(&cors["config"], "origins")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(origins, r.answers.cors.origins, "{}", r.label);
        assert!(!origins.iter().any(|o| o.contains('*')), "{}", r.label);
        for method in list(&cors["config"], "methods") {
            assert!(
                !matches!(method.as_str(), Some("TRACE" | "CONNECT")),
                "{}",
                r.label
            );
        }
        assert_eq!(cors["config"]["credentials"], r.answers.cors.credentials);
    }
}

#[test]
fn upstream_tls_is_verified() {
    for r in rendered() {
        let ca_ids: BTreeSet<&str> = list(&r.kong, "ca_certificates")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        for service in list(&r.kong, "services") {
            let https = service["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"));
            if https {
                assert_eq!(service["tls_verify"], true, "{}", r.label);
                let cas = list(service, "ca_certificates");
                assert!(!cas.is_empty(), "{}", r.label);
                for id in cas {
                    assert!(ca_ids.contains(id.as_str().unwrap_or_default()));
                }
            } else {
                // Kong rejects tls_verify on a plain-HTTP service.
                assert!(service.get("tls_verify").is_none(), "{}", r.label);
            }
            for timeout in ["connect_timeout", "read_timeout", "write_timeout"] {
                let ms = service[timeout].as_u64().unwrap_or(60_000);
                assert!(ms < 60_000, "{}: {timeout} {ms}", r.label);
            }
        }
    }
}

#[test]
fn limits_follow_the_answers() {
    for r in rendered() {
        let plugins = list(&r.kong, "plugins");
        let find = |name: &str| plugins.iter().find(|p| p["name"] == name);
        let rate = &find("rate-limiting").expect("rate-limiting")["config"];
        assert_eq!(rate["policy"], "local");
        assert_eq!(rate["second"], r.answers.rate_limit.per_second);
        assert_eq!(rate["hide_client_headers"], true);
        let by_ip = r.answers.rate_limit.key == gatekit::answers::RateLimitKey::Ip
            || r.answers.auth.mode == AuthMode::Mtls;
        assert_eq!(rate["limit_by"], if by_ip { "ip" } else { "consumer" });
        let size = &find("request-size-limiting").expect("request-size-limiting")["config"];
        assert_eq!(size["allowed_payload_size"], r.answers.body_limit_kb);
        assert_eq!(size["size_unit"], "kilobytes");
        for (path, values) in proxies(r) {
            let env = &values["env"];
            let global = r.answers.rate_limit.global_per_second;
            assert_eq!(
                env.get("nginx_proxy_limit_req").is_some(),
                global > 0,
                "{}: {path}",
                r.label
            );
            assert_eq!(
                env["nginx_http_client_max_body_size"],
                format!("{}k", r.answers.body_limit_kb)
            );
        }
    }
}

/// Returns the Helm values files of the Kong nodes that proxy traffic.
fn proxies(r: &Rendered) -> impl Iterator<Item = (&str, &Value)> {
    r.helm
        .iter()
        .filter(|(path, _)| !path.ends_with("control-plane.yaml"))
        .map(|(path, values)| (path.as_str(), values))
}

#[test]
fn helm_values_keep_admin_interfaces_private() {
    for r in rendered() {
        assert!(!r.helm.is_empty(), "{}", r.label);
        for (path, values) in &r.helm {
            let env = &values["env"];
            let admin = env["admin_listen"].as_str().unwrap_or_default();
            let data_plane = env["role"] == "data_plane";
            if data_plane {
                assert_eq!(admin, "off", "{}: {path}", r.label);
            } else {
                assert!(admin.starts_with("127.0.0.1:"), "{}: {path}", r.label);
            }
            assert_eq!(env["admin_gui_listen"], "off", "{}: {path}", r.label);
            for service in ["admin", "manager", "portal", "portalapi"] {
                assert_eq!(values[service]["enabled"], false, "{}: {path}", r.label);
            }
            assert_eq!(env["allow_debug_header"], "off");
            assert_eq!(env["error_default_type"], "application/json");
            assert_eq!(env["untrusted_lua"], "sandbox");
        }
    }
}

#[test]
fn helm_values_harden_the_proxy() {
    for r in rendered() {
        for (path, values) in proxies(r) {
            let env = &values["env"];
            let label = format!("{}: {path}", r.label);
            let trusted = env["trusted_ips"].as_str().unwrap_or_default();
            assert_eq!(
                trusted,
                r.answers.network.trusted_proxies.join(","),
                "{label}"
            );
            assert!(!trusted.contains("/0"), "{label}");
            assert_eq!(env["real_ip_header"], "X-Forwarded-For", "{label}");
            assert_eq!(env["real_ip_recursive"], "on", "{label}");
            match env["ssl_cipher_suite"].as_str() {
                // Kong reads ssl_protocols only with the custom suite.
                Some("custom") => assert_eq!(env["ssl_protocols"], "TLSv1.2 TLSv1.3", "{label}"),
                Some("modern") => {
                    assert_eq!(r.answers.tls.min_version, TlsVersion::V1_3, "{label}")
                }
                other => panic!("{label}: ssl_cipher_suite {other:?}"),
            }
            assert_eq!(env["headers"], "X-Kong-Request-Id", "{label}");
            assert_eq!(env["proxy_access_log"], "off", "{label}");
            let listen = env["proxy_listen"].as_str().unwrap_or_default();
            for part in listen.split(',') {
                let plain_redirect_only = part.trim() == "0.0.0.0:8000";
                assert!(
                    part.contains(" ssl") || plain_redirect_only,
                    "{label}: {part}"
                );
            }
        }
    }
}

#[test]
fn helm_values_run_kong_with_least_privilege() {
    for r in rendered() {
        for (path, values) in &r.helm {
            let label = format!("{}: {path}", r.label);
            let container = &values["containerSecurityContext"];
            assert_eq!(container["readOnlyRootFilesystem"], true, "{label}");
            assert_eq!(container["allowPrivilegeEscalation"], false, "{label}");
            assert_eq!(container["runAsNonRoot"], true, "{label}");
            assert_eq!(
                container["capabilities"]["drop"],
                serde_json::json!(["ALL"])
            );
            assert_eq!(container["seccompProfile"]["type"], "RuntimeDefault");
            assert_eq!(values["securityContext"]["runAsNonRoot"], true, "{label}");
            assert!(
                values["resources"]["limits"]["memory"].is_string(),
                "{label}"
            );
            assert!(
                values["resources"]["requests"]["cpu"].is_string(),
                "{label}"
            );
            assert!(values["readinessProbe"].is_object(), "{label}");
            assert!(values["livenessProbe"].is_object(), "{label}");
            assert_eq!(
                values["deployment"]["serviceAccount"]["automountServiceAccountToken"],
                false
            );
            assert_eq!(values["replicaCount"], r.answers.kubernetes.replicas);
        }
        assert!(
            r.terraform
                .contains("resource \"kubernetes_pod_disruption_budget_v1\" \"kong\""),
            "{}",
            r.label
        );
    }
}

#[test]
fn hybrid_clusters_use_pki_mutual_tls() {
    for r in rendered() {
        if r.answers.environment != Environment::Hybrid {
            continue;
        }
        let roles: BTreeSet<&str> = r
            .helm
            .iter()
            .filter_map(|(_, v)| v["env"]["role"].as_str())
            .collect();
        assert_eq!(roles, BTreeSet::from(["control_plane", "data_plane"]));
        for (path, values) in &r.helm {
            let env = &values["env"];
            assert_eq!(env["cluster_mtls"], "pki", "{}: {path}", r.label);
            assert!(env["cluster_ca_cert"].is_string(), "{}: {path}", r.label);
            if env["role"] == "control_plane" {
                assert_eq!(env["pg_ssl_required"], "on");
                assert_eq!(env["pg_ssl_verify"], "on");
                assert!(env["pg_password"]["valueFrom"]["secretKeyRef"].is_object());
            }
        }
    }
}

#[test]
fn plugin_checker_rejects_bad_configs() {
    // Guards the checker itself: one that accepted everything would hide every mistake.
    let Some(path) = support::shared("schemas/kong-plugins-3.x.json") else {
        return;
    };
    let schemas = PluginSchemas::load(&path);
    let unknown = serde_json::json!({"name": "no-such-plugin", "config": {}});
    let errors = schemas.check(&unknown, kong_schema::Scope::Global, &["https"], false);
    assert!(!errors.is_empty());
    let bad = serde_json::json!({
        "name": "key-auth",
        "config": {"key_in_query": "no", "key_names": [], "surprise": 1}
    });
    let errors = schemas.check(&bad, kong_schema::Scope::Service, &["https"], false);
    assert!(errors.iter().any(|e| e.contains("surprise")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("key_in_query")),
        "{errors:?}"
    );
    let consumer_scoped = serde_json::json!({"name": "jwt", "config": {}});
    let errors = schemas.check(
        &consumer_scoped,
        kong_schema::Scope::Consumer,
        &["https"],
        false,
    );
    assert!(errors.iter().any(|e| e.contains("consumer")), "{errors:?}");
}
