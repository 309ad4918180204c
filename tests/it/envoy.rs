//! The Envoy blueprint: `envoy-validate` on every generated bootstrap, the
//! value ranges and cross-references it cannot check, and the security
//! properties the blueprint promises, on the default combinations and on
//! answer variants that reach every branch. The Terraform checks (schemas,
//! references, hcl-fmt, checkov) render the same variants.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gatekit::answers::{Answers, AuthMode, Ci, Environment, RateLimitKey, TlsVersion, Vendor};
use gatekit::generate::Generated;
use serde_json::Value;

use crate::envoy_ranges::{self, connection_managers, seconds};
use crate::support::{self, Combo};

const SERVICES: &[&str] = &[
    "services[0].name=orders",
    "services[0].upstream=https://orders.internal.example.com:8443/api",
    "services[0].path=/orders",
    "services[0].methods=[GET,POST,DELETE]",
    "services[1].name=orders-admin",
    "services[1].upstream=https://10.1.2.3:9443",
    "services[1].path=/orders/admin",
    "services[1].methods=[GET]",
    "services[2].name=health",
    "services[2].upstream=http://127.0.0.1:8080/ping",
    "services[2].plaintext=true",
    "services[2].path=/health",
    "services[2].methods=[GET]",
    "services[2].public=true",
];

/// Answer variants that, with the default combinations, reach every branch
/// of the blueprint.
fn cases() -> Vec<(Environment, Vec<&'static str>)> {
    let with_services = |extra: &[&'static str]| {
        let mut sets = SERVICES.to_vec();
        sets.extend_from_slice(extra);
        sets
    };
    vec![
        (Environment::OnPrem, vec!["auth.mode=mtls"]),
        (
            Environment::OnPrem,
            vec!["auth.mode=external", "rate_limit.key=ip"],
        ),
        (
            Environment::Cloud,
            vec![
                "auth.mode=external",
                "tls.min_version=1.3",
                "cors.origins=[]",
            ],
        ),
        (
            Environment::Cloud,
            vec!["auth.mode=mtls", "cors.credentials=true"],
        ),
        (
            Environment::Hybrid,
            vec![
                "auth.mode=external",
                "auth.external.url=http://127.0.0.1:9000/check",
                "rate_limit.global_per_second=0",
            ],
        ),
        (
            Environment::Hybrid,
            vec!["auth.mode=mtls", "rate_limit.key=ip"],
        ),
        (Environment::OnPrem, with_services(&[])),
        (Environment::Cloud, with_services(&["auth.mode=external"])),
        (
            Environment::Hybrid,
            with_services(&["kubernetes.replicas=3", "rate_limit.global_per_second=100"]),
        ),
    ]
}

/// Renders the answer variants beyond the defaults, for whole-tree checks
/// such as the Terraform tests.
pub fn variants() -> Vec<(String, Generated)> {
    let cases = cases();
    let borrowed: Vec<(Environment, &[&str])> = cases
        .iter()
        .map(|(environment, sets)| (*environment, sets.as_slice()))
        .collect();
    support::render_cases(Vendor::Envoy, &borrowed)
}

/// One rendered Envoy repository: its answers and parsed bootstraps.
struct Rendered {
    label: String,
    answers: Answers,
    generated: Generated,
    /// Each `envoy/*.yaml` file by path.
    bootstraps: BTreeMap<String, Value>,
}

impl Rendered {
    /// Returns the bootstrap of the Envoy that clients reach: the gateway,
    /// or the edge in hybrid.
    fn client_facing(&self) -> &Value {
        let path = if self.answers.environment == Environment::Hybrid {
            "envoy/edge.yaml"
        } else {
            "envoy/envoy.yaml"
        };
        &self.bootstraps[path]
    }

    /// Returns the bootstrap of the Envoy that routes to the upstreams.
    fn routing(&self) -> &Value {
        &self.bootstraps["envoy/envoy.yaml"]
    }
}

/// Renders every Envoy combination and variant once per test run.
fn rendered() -> &'static [Rendered] {
    static RENDERED: OnceLock<Vec<Rendered>> = OnceLock::new();
    RENDERED.get_or_init(|| {
        let mut all = Vec::new();
        for environment in [Environment::OnPrem, Environment::Cloud, Environment::Hybrid] {
            all.push((environment, Vec::new()));
        }
        all.extend(cases());
        all.into_iter()
            .map(|(environment, sets)| {
                let combo = Combo {
                    vendor: Vendor::Envoy,
                    environment,
                    ci: Ci::Github,
                };
                let answers = support::answers(combo, &sets);
                let generated = support::render_answers(&answers);
                let bootstraps = support::files_with(&generated, &[".yaml"])
                    .into_iter()
                    .filter(|(path, _)| path.starts_with("envoy/"))
                    .map(|(path, text)| {
                        let value = serde_yaml::from_str(text)
                            .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
                        (path.to_string(), value)
                    })
                    .collect();
                Rendered {
                    label: format!("{} {}", environment.as_str(), sets.join(" ")),
                    answers,
                    generated,
                    bootstraps,
                }
            })
            .collect()
    })
}

fn items(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn listener<'a>(bootstrap: &'a Value, name: &str) -> Option<&'a Value> {
    items(&bootstrap["static_resources"]["listeners"])
        .iter()
        .find(|l| l["name"] == name)
}

fn cluster<'a>(bootstrap: &'a Value, name: &str) -> Option<&'a Value> {
    items(&bootstrap["static_resources"]["clusters"])
        .iter()
        .find(|c| c["name"] == name)
}

/// Returns the connection manager of the listener that takes API traffic.
fn api_manager(bootstrap: &Value) -> &Value {
    let listener = listener(bootstrap, "https")
        .or_else(|| listener(bootstrap, "mtls"))
        .expect("an https or mtls listener");
    &listener["filter_chains"][0]["filters"][0]["typed_config"]
}

fn http_filter<'a>(manager: &'a Value, name: &str) -> Option<&'a Value> {
    items(&manager["http_filters"])
        .iter()
        .find(|f| f["name"] == name)
        .map(|f| &f["typed_config"])
}

fn routes(manager: &Value) -> &[Value] {
    items(&manager["route_config"]["virtual_hosts"][0]["routes"])
}

/// Returns whether `route` is the extra route for CORS preflights that a
/// service without OPTIONS gets.
fn is_preflight(route: &Value) -> bool {
    route["match"]["headers"][0]["string_match"]["exact"] == "OPTIONS"
}

/// Returns the service a route forwards to, by the route's name.
fn service_of<'a>(answers: &'a Answers, route: &Value) -> &'a gatekit::answers::Service {
    let name = route["name"].as_str().unwrap_or_default();
    let name = if is_preflight(route) {
        name.strip_suffix("-preflight").unwrap_or(name)
    } else {
        name
    };
    answers
        .services
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("route {name} names no service"))
}

#[test]
fn envoy_validate_accepts_every_bootstrap() {
    let Some(tool) = support::tool("envoy-validate") else {
        return;
    };
    let mut checked = 0;
    for r in rendered() {
        let dir = support::write(&r.generated);
        let paths: Vec<&str> = r.bootstraps.keys().map(String::as_str).collect();
        assert!(!paths.is_empty(), "{}: no bootstrap", r.label);
        let output = support::run(&tool, &paths, dir.path());
        assert!(
            output.status.success(),
            "{}: {}",
            r.label,
            support::describe(&output)
        );
        checked += paths.len();
    }
    eprintln!("envoy-validate: {checked} bootstraps accepted");
}

#[test]
fn envoy_validate_rejects_broken_bootstraps() {
    // Guards the check above: a validator that accepted everything would hide every mistake.
    let Some(tool) = support::tool("envoy-validate") else {
        return;
    };
    let r = &rendered()[0];
    let text = support::text(&r.generated, "envoy/envoy.yaml");
    let edits = [
        ("normalize_path: true", "normalise_path: true"),
        (
            "path_with_escaped_slashes_action: REJECT_REQUEST",
            "path_with_escaped_slashes_action: REJECT",
        ),
        ("v3.LocalRateLimit", "v3.LocalRateLimiter"),
        ("connect_timeout: 5s", "connect_timeout: 5 seconds"),
    ];
    for (from, to) in edits {
        assert!(text.contains(from), "the bootstrap lacks {from}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("envoy.yaml"), text.replacen(from, to, 1)).unwrap();
        let output = support::run(&tool, &["envoy.yaml"], dir.path());
        assert!(!output.status.success(), "{from} -> {to} was accepted");
    }
}

#[test]
fn bootstrap_values_are_in_range() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            let mut problems = envoy_ranges::range_problems(bootstrap);
            problems.extend(envoy_ranges::reference_problems(bootstrap));
            assert!(
                problems.is_empty(),
                "{} {path}:\n{}",
                r.label,
                problems.join("\n")
            );
        }
    }
}

#[test]
fn range_checks_reject_bad_values() {
    let bad: Value = serde_yaml::from_str(
        r#"
admin: {address: {socket_address: {address: 127.0.0.1, port_value: 8443}}}
overload_manager:
  resource_monitors: [{name: heap}]
  actions: [{name: stop, triggers: [{name: other, threshold: {value: 1.5}}]}]
static_resources:
  listeners:
    - name: https
      address: {socket_address: {address: 0.0.0.0, port_value: 8443}}
      per_connection_buffer_limit_bytes: 0
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                stat_prefix: https
                request_timeout: 0s
                stream_idle_timeout: 5 minutes
                max_request_headers_kb: 9000
                http2_protocol_options: {max_concurrent_streams: 0, initial_stream_window_size: 1024}
                http_filters:
                  - name: envoy.filters.http.local_ratelimit
                    typed_config:
                      token_bucket: {max_tokens: 5, tokens_per_fill: 10, fill_interval: 0.01s}
                      filter_enforced: {default_value: {numerator: 200, denominator: HUNDRED}}
                      descriptors: [{token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 0.015s}}]
                  - name: envoy.filters.http.router
                route_config:
                  virtual_hosts:
                    - routes:
                        - match: {headers: [{string_match: {safe_regex: {regex: "GET|POST"}}}]}
                          route: {cluster: missing}
    - name: https
      address: {socket_address: {address: 0.0.0.0, port_value: 70000}}
  clusters:
    - name: orders
      load_assignment: {cluster_name: other}
layered_runtime:
  layers: [{static_layer: {envoy.resource_limits.listener.nothing.connection_limit: 0}}]
"#,
    )
    .unwrap();
    let mut problems = envoy_ranges::range_problems(&bad);
    problems.extend(envoy_ranges::reference_problems(&bad));
    let expected = [
        "port_value: 70000",
        "per_connection_buffer_limit_bytes: 0",
        "request_timeout: \"0s\"",
        "stream_idle_timeout: \"5 minutes\"",
        "max_request_headers_kb: 9000",
        "max_concurrent_streams: 0",
        "initial_stream_window_size: 1024",
        "tokens_per_fill 10 exceeds max_tokens 5",
        "below 50 ms",
        "numerator: 200",
        "is not anchored",
        "threshold",
        "connection_limit: 0",
        "listener name \"https\" is used twice",
        "the admin port 8443",
        "cluster missing is used but not defined",
        "load_assignment names \"other\"",
        "runtime key envoy.resource_limits.listener.nothing.connection_limit names no listener",
        "overload trigger other names no resource monitor",
        "is not a multiple",
    ];
    for needle in expected {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "no problem mentions {needle:?}:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn admin_listens_on_loopback_only() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            let admin = &bootstrap["admin"]["address"]["socket_address"];
            assert_eq!(admin["address"], "127.0.0.1", "{} {path}", r.label);
            // Only the read-only Prometheus route of the status listener reaches the admin cluster.
            let status = listener(bootstrap, "status").expect("status listener");
            let status_routes = routes(&status["filter_chains"][0]["filters"][0]["typed_config"]);
            assert_eq!(status_routes.len(), 1, "{} {path}", r.label);
            assert_eq!(status_routes[0]["match"]["path"], "/stats/prometheus");
            for manager in connection_managers(bootstrap) {
                for route in routes(manager) {
                    let is_metrics = route["match"]["path"] == "/stats/prometheus";
                    assert_eq!(
                        route["route"]["cluster"] == "admin",
                        is_metrics,
                        "{} {path}: {route}",
                        r.label
                    );
                }
            }
        }
    }
}

#[test]
fn bootstrap_follows_edge_practices() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            let label = format!("{} {path}", r.label);
            let monitors: Vec<&str> = items(&bootstrap["overload_manager"]["resource_monitors"])
                .iter()
                .filter_map(|m| m["name"].as_str())
                .collect();
            assert!(
                monitors.contains(&"envoy.resource_monitors.fixed_heap"),
                "{label}"
            );
            assert!(
                monitors.contains(&"envoy.resource_monitors.global_downstream_max_connections"),
                "{label}"
            );
            for listener in items(&bootstrap["static_resources"]["listeners"]) {
                let limit = listener["per_connection_buffer_limit_bytes"].as_u64();
                assert!(
                    limit.is_some_and(|b| b <= 32_768),
                    "{label}: {}",
                    listener["name"]
                );
            }
            for cluster in items(&bootstrap["static_resources"]["clusters"]) {
                let limit = cluster["per_connection_buffer_limit_bytes"].as_u64();
                assert!(
                    limit.is_some_and(|b| b <= 32_768),
                    "{label}: {}",
                    cluster["name"]
                );
            }
            for manager in connection_managers(bootstrap) {
                let label = format!("{label} {}", manager["stat_prefix"]);
                assert_eq!(manager["normalize_path"], true, "{label}");
                assert_eq!(manager["merge_slashes"], true, "{label}");
                assert_eq!(
                    manager["path_with_escaped_slashes_action"], "REJECT_REQUEST",
                    "{label}"
                );
                let common = &manager["common_http_protocol_options"];
                assert_eq!(
                    common["headers_with_underscores_action"], "REJECT_REQUEST",
                    "{label}"
                );
                assert!(seconds(&common["idle_timeout"]).is_some(), "{label}");
                for timeout in [
                    "request_headers_timeout",
                    "request_timeout",
                    "stream_idle_timeout",
                ] {
                    assert!(seconds(&manager[timeout]).is_some(), "{label}: {timeout}");
                }
                assert_eq!(
                    manager["server_header_transformation"], "OVERWRITE",
                    "{label}"
                );
                let server = manager["server_name"].as_str().unwrap_or_default();
                assert!(
                    !server.to_lowercase().contains("envoy"),
                    "{label}: {server}"
                );
            }
            let api = api_manager(bootstrap);
            let h2 = &api["http2_protocol_options"];
            assert!(
                h2["max_concurrent_streams"]
                    .as_u64()
                    .is_some_and(|n| n <= 100),
                "{label}"
            );
            assert!(h2["initial_stream_window_size"].is_u64(), "{label}");
            assert!(h2["initial_connection_window_size"].is_u64(), "{label}");
            assert!(api["max_request_headers_kb"].is_u64(), "{label}");
        }
    }
}

#[test]
fn client_address_trusts_only_known_hops() {
    for r in rendered() {
        let hybrid = r.answers.environment == Environment::Hybrid;
        let behind_alb = r.answers.environment != Environment::OnPrem;
        let api = api_manager(r.client_facing());
        assert_eq!(api["use_remote_address"], true, "{}", r.label);
        // The ALB appends one address; a TCP load balancer appends none.
        let hops = u64::from(behind_alb);
        assert_eq!(api["xff_num_trusted_hops"], hops, "{}", r.label);
        if hybrid {
            // The edge appended the address it trusted; the gateway reads it one hop back.
            let internal = api_manager(r.routing());
            assert_eq!(internal["use_remote_address"], false, "{}", r.label);
            assert_eq!(internal["xff_num_trusted_hops"], 1, "{}", r.label);
        }
    }
}

#[test]
fn tls_listener_meets_the_minimum() {
    let modern = regex::Regex::new(
        "^ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$",
    )
    .unwrap();
    for r in rendered() {
        let https = listener(r.client_facing(), "https").expect("https listener");
        let tls = &https["filter_chains"][0]["transport_socket"]["typed_config"];
        assert!(
            tls["@type"]
                .as_str()
                .unwrap_or_default()
                .ends_with(".DownstreamTlsContext"),
            "{}",
            r.label
        );
        let params = &tls["common_tls_context"]["tls_params"];
        let minimum = match r.answers.tls.min_version {
            TlsVersion::V1_2 => "TLSv1_2",
            TlsVersion::V1_3 => "TLSv1_3",
        };
        assert_eq!(
            params["tls_minimum_protocol_version"], minimum,
            "{}",
            r.label
        );
        assert_eq!(
            params["tls_maximum_protocol_version"], "TLSv1_3",
            "{}",
            r.label
        );
        let ciphers = items(&params["cipher_suites"]);
        assert_eq!(
            ciphers.is_empty(),
            r.answers.tls.min_version == TlsVersion::V1_3,
            "{}",
            r.label
        );
        for cipher in ciphers {
            assert!(
                modern.is_match(cipher.as_str().unwrap_or_default()),
                "{}: {cipher}",
                r.label
            );
        }
    }
}

#[test]
fn plaintext_listeners_only_redirect_or_report() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            for listener in items(&bootstrap["static_resources"]["listeners"]) {
                let name = listener["name"].as_str().unwrap_or_default();
                let chain = &listener["filter_chains"][0];
                if chain.get("transport_socket").is_some() {
                    continue;
                }
                let manager = &chain["filters"][0]["typed_config"];
                match name {
                    "http" => {
                        assert_eq!(r.answers.environment, Environment::OnPrem, "{path}");
                        for route in routes(manager) {
                            assert_eq!(route["redirect"]["https_redirect"], true, "{path}");
                            assert!(route.get("route").is_none(), "{path}: {route}");
                        }
                    }
                    // Readiness and metrics: no route leaves the pod.
                    "status" => {
                        for route in routes(manager) {
                            assert_eq!(route["route"]["cluster"], "admin", "{path}");
                        }
                    }
                    other => panic!("{} {path}: plaintext listener {other}", r.label),
                }
            }
        }
    }
}

/// Returns whether `rule_match` (a jwt_authn or route match) matches `path`.
fn matches(rule_match: &Value, path: &str) -> bool {
    if let Some(prefix) = rule_match["prefix"].as_str() {
        return path.starts_with(prefix);
    }
    if let Some(prefix) = rule_match["path_separated_prefix"].as_str() {
        return path == prefix || path.starts_with(&format!("{prefix}/"));
    }
    panic!("unexpected match {rule_match}");
}

#[test]
fn jwt_is_required_on_every_private_route() {
    for r in rendered()
        .iter()
        .filter(|r| r.answers.auth.mode == AuthMode::Jwt)
    {
        let api = api_manager(r.client_facing());
        let jwt = http_filter(api, "envoy.filters.http.jwt_authn").expect("jwt_authn");
        let provider = &jwt["providers"]["issuer"];
        let answers = &r.answers.auth.jwt;
        assert_eq!(provider["issuer"], answers.issuer.as_str(), "{}", r.label);
        assert_eq!(
            provider["audiences"],
            serde_json::json!(answers.audiences),
            "{}",
            r.label
        );
        assert_eq!(
            provider["from_headers"],
            serde_json::json!([{"name": "Authorization", "value_prefix": "Bearer "}]),
            "{}",
            r.label
        );
        assert!(provider.get("from_params").is_none(), "{}", r.label);
        assert!(provider.get("from_cookies").is_none(), "{}", r.label);
        assert_eq!(provider["forward"], false, "{}", r.label);
        assert_eq!(provider["require_expiration"], true, "{}", r.label);
        let jwks = &provider["remote_jwks"];
        assert_eq!(
            jwks["http_uri"]["uri"],
            answers.jwks_uri.as_str(),
            "{}",
            r.label
        );
        assert!(seconds(&jwks["cache_duration"]).is_some(), "{}", r.label);
        assert!(cluster(r.client_facing(), "jwks").is_some(), "{}", r.label);

        // The first rule that matches decides, as in Envoy.
        let rules = items(&jwt["rules"]);
        for service in &r.answers.services {
            for path in [
                service.path.clone(),
                format!("{}/x", service.path.trim_end_matches('/')),
            ] {
                let rule = rules
                    .iter()
                    .find(|rule| matches(&rule["match"], &path))
                    .unwrap_or_else(|| panic!("{}: no rule matches {path}", r.label));
                assert_eq!(
                    rule.get("requires").is_none(),
                    service.public,
                    "{}: {path}",
                    r.label
                );
            }
        }
        let last = rules.last().expect("rules");
        assert_eq!(last["match"]["prefix"], "/", "{}", r.label);
        assert!(last.get("requires").is_some(), "{}", r.label);
    }
}

#[test]
fn ext_authz_fails_closed_and_skips_only_public_routes() {
    for r in rendered()
        .iter()
        .filter(|r| r.answers.auth.mode == AuthMode::External)
    {
        let api = api_manager(r.client_facing());
        let authz = http_filter(api, "envoy.filters.http.ext_authz").expect("ext_authz");
        assert_eq!(authz["failure_mode_allow"], false, "{}", r.label);
        assert_eq!(
            authz["http_service"]["server_uri"]["uri"],
            r.answers.auth.external.url.as_str()
        );
        let sent = authz["allowed_headers"].to_string().to_lowercase();
        assert!(!sent.contains("cookie"), "{}: {sent}", r.label);
        for route in routes(api) {
            let name = route["name"].as_str().unwrap_or_default();
            let service = service_of(&r.answers, route);
            let disabled = &route["typed_per_filter_config"]["envoy.filters.http.ext_authz"];
            assert_eq!(
                disabled["disabled"] == true,
                service.public,
                "{}: {name}",
                r.label
            );
        }
    }
}

#[test]
fn client_certificates_are_verified() {
    for r in rendered() {
        let mtls = r.answers.auth.mode == AuthMode::Mtls;
        let https = listener(r.client_facing(), "https").expect("https listener");
        let tls = &https["filter_chains"][0]["transport_socket"]["typed_config"];
        // Behind the ALB, the load balancer verifies client certificates instead.
        let at_envoy = mtls && r.answers.environment == Environment::OnPrem;
        assert_eq!(
            tls["require_client_certificate"] == true,
            at_envoy,
            "{}",
            r.label
        );
        if at_envoy {
            let ca = &tls["common_tls_context"]["validation_context"]["trusted_ca"]["filename"];
            assert!(ca.is_string(), "{}", r.label);
        }
        if mtls && r.answers.environment != Environment::OnPrem {
            let main = support::text(
                &r.generated,
                &format!("terraform/live/{}/main.tf", r.answers.stages[0]),
            );
            assert!(main.contains("client_ca_bundle"), "{}", r.label);
        }
    }
}

#[test]
fn hybrid_envoys_use_mutual_tls() {
    for r in rendered()
        .iter()
        .filter(|r| r.answers.environment == Environment::Hybrid)
    {
        let edge_name = format!("{}-edge.internal", r.answers.project);
        let gateway_name = format!("{}-gateway.internal", r.answers.project);
        let mtls = listener(r.routing(), "mtls").expect("mtls listener");
        assert!(listener(r.routing(), "https").is_none(), "{}", r.label);
        let tls = &mtls["filter_chains"][0]["transport_socket"]["typed_config"];
        assert_eq!(tls["require_client_certificate"], true, "{}", r.label);
        let context = &tls["common_tls_context"];
        assert_eq!(
            context["tls_params"]["tls_minimum_protocol_version"],
            "TLSv1_3"
        );
        let san = &context["validation_context"]["match_typed_subject_alt_names"][0];
        assert_eq!(san["matcher"]["exact"], edge_name.as_str(), "{}", r.label);

        let upstream = cluster(r.client_facing(), "on_prem_gateway").expect("gateway cluster");
        let tls = &upstream["transport_socket"]["typed_config"];
        assert_eq!(tls["sni"], gateway_name.as_str(), "{}", r.label);
        let context = &tls["common_tls_context"];
        assert!(context["tls_certificates"][0]["private_key"]["filename"].is_string());
        let san = &context["validation_context"]["match_typed_subject_alt_names"][0];
        assert_eq!(
            san["matcher"]["exact"],
            gateway_name.as_str(),
            "{}",
            r.label
        );
        for route in routes(api_manager(r.client_facing())) {
            assert_eq!(route["route"]["cluster"], "on_prem_gateway", "{}", r.label);
        }
    }
}

/// Returns the local rate limit filter of the API listener.
fn rate_limit(manager: &Value) -> &Value {
    http_filter(manager, "envoy.filters.http.local_ratelimit").expect("local_ratelimit")
}

#[test]
fn local_rate_limit_enforces_the_answers() {
    for r in rendered() {
        let limits = &r.answers.rate_limit;
        let replicas = u64::from(r.answers.kubernetes.replicas);
        for (path, bootstrap) in &r.bootstraps {
            let label = format!("{} {path}", r.label);
            let api = api_manager(bootstrap);
            let limit = rate_limit(api);
            for fraction in ["filter_enabled", "filter_enforced"] {
                let value = &limit[fraction]["default_value"];
                assert_eq!(value["numerator"], 100, "{label}: {fraction}");
                assert_eq!(value["denominator"], "HUNDRED", "{label}: {fraction}");
            }
            assert_eq!(limit["status"]["code"], "TooManyRequests", "{label}");
            let added = limit["response_headers_to_add"].to_string().to_lowercase();
            assert!(added.contains("retry-after"), "{label}");

            let per_client = u64::from(limits.per_second);
            let burst = per_client + u64::from(limits.burst);
            for descriptor in items(&limit["descriptors"]) {
                let bucket = &descriptor["token_bucket"];
                assert_eq!(bucket["tokens_per_fill"], per_client, "{label}");
                assert_eq!(bucket["max_tokens"], burst, "{label}");
                assert_eq!(bucket["fill_interval"], "1s", "{label}");
            }
            let global = u64::from(limits.global_per_second);
            if global > 0 {
                let per_pod = global.div_ceil(replicas);
                assert_eq!(limit["token_bucket"]["tokens_per_fill"], per_pod, "{label}");
                assert_eq!(
                    limit["always_consume_default_token_bucket"], true,
                    "{label}"
                );
            } else {
                assert_eq!(
                    limit["always_consume_default_token_bucket"], false,
                    "{label}"
                );
            }
            check_rate_limit_keys(r, path, api, limit);
        }
    }
}

/// Checks that each route fills the descriptor the answers ask for.
fn check_rate_limit_keys(r: &Rendered, path: &str, api: &Value, limit: &Value) {
    let keys: Vec<&str> = items(&limit["descriptors"])
        .iter()
        .filter_map(|d| d["entries"][0]["key"].as_str())
        .collect();
    let internal = path == "envoy/envoy.yaml" && r.answers.environment == Environment::Hybrid;
    // Envoy sees a client certificate only when it terminates client TLS itself.
    let by_ip = internal
        || r.answers.rate_limit.key == RateLimitKey::Ip
        || (r.answers.auth.mode == AuthMode::Mtls && r.answers.environment != Environment::OnPrem);
    for route in routes(api) {
        let name = route["name"].as_str().unwrap_or_default();
        let service = service_of(&r.answers, route);
        let action = &route["route"]["rate_limits"][0]["actions"][0];
        let label = format!("{} {path}: {name}", r.label);
        if by_ip || service.public {
            assert!(action.get("remote_address").is_some(), "{label}: {action}");
            assert!(keys.contains(&"remote_address"), "{label}: {keys:?}");
        } else {
            let key = action
                .as_object()
                .and_then(|a| a.values().next())
                .map(|inner| inner["descriptor_key"].clone());
            assert_eq!(key, Some(Value::from("consumer")), "{label}: {action}");
            assert!(keys.contains(&"consumer"), "{label}: {keys:?}");
        }
    }
}

#[test]
fn body_limit_and_routes_follow_the_answers() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            let label = format!("{} {path}", r.label);
            let api = api_manager(bootstrap);
            let buffer = http_filter(api, "envoy.filters.http.buffer").expect("buffer filter");
            let bytes = u64::from(r.answers.body_limit_kb) * 1024;
            assert_eq!(buffer["max_request_bytes"], bytes, "{label}");

            let host = &api["route_config"]["virtual_hosts"][0];
            assert_eq!(
                host["domains"],
                serde_json::json!(r.answers.tls.domains),
                "{label}"
            );
            let routes = routes(api);
            // One route per service, one more for CORS preflights where the service lacks
            // OPTIONS, and no catch-all: anything else gets 404.
            // The hybrid gateway Envoy answers no CORS: the edge did.
            let internal =
                r.answers.environment == Environment::Hybrid && path == "envoy/envoy.yaml";
            let cors = !internal && !r.answers.cors.origins.is_empty();
            let expected: usize = r
                .answers
                .services
                .iter()
                .map(|s| 1 + usize::from(cors && !s.methods.iter().any(|m| m == "OPTIONS")))
                .sum();
            assert_eq!(routes.len(), expected, "{label}");
            for route in routes {
                let name = route["name"].as_str().unwrap_or_default();
                let service = service_of(&r.answers, route);
                if is_preflight(route) {
                    let second = &route["match"]["headers"][1];
                    assert_eq!(second["name"], "access-control-request-method", "{label}");
                    assert_eq!(second["present_match"], true, "{label}");
                    continue;
                }
                let header = &route["match"]["headers"][0];
                assert_eq!(header["name"], ":method", "{label}: {name}");
                let pattern = header["string_match"]["safe_regex"]["regex"]
                    .as_str()
                    .unwrap();
                let regex = regex::Regex::new(pattern).unwrap();
                for method in [
                    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
                ] {
                    let declared = service.methods.iter().any(|m| m == method);
                    assert_eq!(regex.is_match(method), declared, "{label}: {name} {method}");
                }
                assert!(!regex.is_match("GETX"), "{label}: {pattern}");
            }
        }
    }
}

#[test]
fn access_logs_omit_credentials() {
    for r in rendered() {
        for (path, bootstrap) in &r.bootstraps {
            for manager in connection_managers(bootstrap) {
                for log in items(&manager["access_log"]) {
                    let config = &log["typed_config"];
                    assert!(
                        config["@type"]
                            .as_str()
                            .unwrap_or_default()
                            .ends_with(".StdoutAccessLog"),
                        "{} {path}",
                        r.label
                    );
                    let format = &config["log_format"]["json_format"];
                    assert!(format.is_object(), "{} {path}: not JSON", r.label);
                    let text = format.to_string().to_uppercase();
                    for secret in [
                        "AUTHORIZATION",
                        "COOKIE",
                        "X-API-KEY",
                        "%REQ(:PATH)%",
                        "WQ:",
                    ] {
                        assert!(!text.contains(secret), "{} {path}: {secret}", r.label);
                    }
                }
            }
        }
    }
}

#[test]
fn upstream_tls_is_verified() {
    for r in rendered() {
        let bootstrap = r.routing();
        let services = r.answers.services.iter();
        for service in services {
            let url = url::Url::parse(&service.upstream).unwrap();
            let host = url.host_str().unwrap();
            let cluster = cluster(bootstrap, &service.name).expect("service cluster");
            let label = format!("{}: {}", r.label, service.name);
            let socket = &cluster["transport_socket"]["typed_config"];
            if url.scheme() == "http" {
                assert!(service.plaintext, "{label}");
                assert!(socket.is_null(), "{label}");
                continue;
            }
            let validation = &socket["common_tls_context"]["validation_context"];
            assert!(validation["trusted_ca"]["filename"].is_string(), "{label}");
            let san = &validation["match_typed_subject_alt_names"][0];
            assert_eq!(san["matcher"]["exact"], host, "{label}");
            let is_ip = host.parse::<std::net::IpAddr>().is_ok();
            assert_eq!(
                san["san_type"],
                if is_ip { "IP_ADDRESS" } else { "DNS" },
                "{label}"
            );
            if !is_ip {
                assert_eq!(socket["sni"], host, "{label}");
            }
        }
        let edge = r.client_facing();
        for name in ["jwks", "ext_authz"] {
            let Some(cluster) = cluster(edge, name) else {
                continue;
            };
            let https = match name {
                "jwks" => r.answers.auth.jwt.jwks_uri.starts_with("https://"),
                _ => r.answers.auth.external.url.starts_with("https://"),
            };
            let validation = &cluster["transport_socket"]["typed_config"]["common_tls_context"]["validation_context"];
            assert_eq!(
                validation["trusted_ca"].is_object(),
                https,
                "{}: {name}",
                r.label
            );
        }
    }
}

/// Returns the object literal `key` of the module block `name` in `body`,
/// as pairs of key and value text.
fn module_map(body: &hcl::Body, name: &str, key: &str) -> Vec<(String, String)> {
    let module = body
        .blocks()
        .find(|b| b.identifier() == "module" && b.labels()[0].as_str() == name)
        .unwrap_or_else(|| panic!("module {name} not found"));
    let attribute = module
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .unwrap_or_else(|| panic!("module {name} has no {key}"));
    let hcl::Expression::Object(object) = attribute.expr() else {
        panic!("{name}.{key} is not an object");
    };
    object
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn services_expose_no_admin_or_status_port() {
    for r in rendered() {
        for stage in &r.answers.stages {
            let path = format!("terraform/live/{stage}/main.tf");
            let body: hcl::Body = hcl::from_str(support::text(&r.generated, &path)).unwrap();
            let modules = match r.answers.environment {
                Environment::Hybrid => vec!["edge_envoy", "gateway_envoy"],
                _ => vec!["envoy"],
            };
            for module in modules {
                for key in ["service_ports", "container_ports"] {
                    for (name, port) in module_map(&body, module, key) {
                        let label = format!("{} {path}: {module}.{key}.{name}", r.label);
                        assert!(["https", "http"].contains(&name.as_str()), "{label}");
                        assert!(
                            !["9901", "8100"].contains(&port.as_str()),
                            "{label}: {port}"
                        );
                    }
                }
            }
        }
        let workload = support::text(&r.generated, "terraform/modules/envoy/main.tf");
        for resource in [
            "kubernetes_config_map_v1",
            "kubernetes_deployment_v1",
            "kubernetes_service_v1",
            "kubernetes_pod_disruption_budget_v1",
        ] {
            assert!(
                workload.contains(&format!("resource \"{resource}\"")),
                "{}: {resource}",
                r.label
            );
        }
        let namespace = support::text(&r.generated, "terraform/modules/gateway-namespace/main.tf");
        assert!(
            namespace.contains("resource \"kubernetes_network_policy_v1\""),
            "{}",
            r.label
        );
    }
}

#[test]
fn unsupported_answers_rejected_naming_alternatives() {
    let cases: &[(&str, &[&str])] = &[
        ("auth.mode=introspection", &["auth.mode", "external", "jwt"]),
        (
            "auth.mode=api-key",
            &["auth.mode", "external", "jwt", "mtls"],
        ),
        ("logging.sink=http", &["logging.sink", "stdout"]),
    ];
    for (set, needles) in cases {
        let error = support::rejection(&["vendor=envoy", set]);
        for needle in *needles {
            assert!(
                error.contains(needle),
                "{set}: {needle} missing from: {error}"
            );
        }
    }
}
