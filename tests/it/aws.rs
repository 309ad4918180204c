//! The AWS API Gateway blueprint: the guarantees it makes (authorizers,
//! WAF, logging, TLS) checked on the generated files, and spectral run on
//! answer variants the snapshots do not cover. The Terraform checks
//! (schemas, references, hcl-fmt, checkov) render the same variants.

use gatekit::answers::{Ci, Environment, Vendor};
use gatekit::generate::Generated;
use serde_yaml::Value as Yaml;

use crate::support::{self, Combo};

const COGNITO: &str =
    "auth.jwt.issuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";

fn combo(environment: Environment) -> Combo {
    Combo {
        vendor: Vendor::Aws,
        environment,
        ci: Ci::Github,
    }
}

/// Answer variants that together reach every branch of the blueprint.
pub fn variants() -> Vec<(String, Generated)> {
    let cases: &[(Environment, &[&str])] = &[
        (Environment::Cloud, &[]),
        (Environment::Hybrid, &["services[0].public=true"]),
        (Environment::Cloud, &["auth.mode=api-key"]),
        (
            Environment::Hybrid,
            &["auth.mode=api-key", "aws.cache=true", "cors.origins=[]"],
        ),
        (Environment::Cloud, &[COGNITO, "aws.cache=true"]),
        (
            Environment::Hybrid,
            &[
                COGNITO,
                "cors.credentials=true",
                "rate_limit.global_per_second=0",
            ],
        ),
        (
            Environment::Cloud,
            &[
                COGNITO,
                "services[0].name=orders",
                "services[0].upstream=https://orders.internal.example.com:8443/api",
                "services[0].path=/orders",
                "services[0].methods=[GET,POST,DELETE]",
                "services[1].name=public-docs",
                "services[1].upstream=https://docs.internal.example.com",
                "services[1].path=/docs",
                "services[1].methods=[GET]",
                "services[1].public=true",
            ],
        ),
    ];
    support::render_cases(Vendor::Aws, cases)
}

fn hcl_body(generated: &Generated, path: &str) -> hcl::Body {
    hcl::from_str(support::text(generated, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Returns the attributes of `resource "<kind>" "<name>"` in `body`.
fn resource<'a>(body: &'a hcl::Body, kind: &str, name: &str) -> &'a hcl::Body {
    body.blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels().len() == 2
                && b.labels()[0].as_str() == kind
                && b.labels()[1].as_str() == name
        })
        .map(hcl::Block::body)
        .unwrap_or_else(|| panic!("resource {kind}.{name} not found"))
}

fn attribute(body: &hcl::Body, key: &str) -> String {
    body.attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr().to_string())
        .unwrap_or_else(|| panic!("attribute {key} not found"))
}

fn block<'a>(body: &'a hcl::Body, name: &str) -> &'a hcl::Body {
    body.blocks()
        .find(|b| b.identifier() == name)
        .map(hcl::Block::body)
        .unwrap_or_else(|| panic!("block {name} not found"))
}

#[test]
fn aws_on_prem_rejected_naming_alternatives() {
    let error = support::rejection(&["vendor=aws", "environment=on-prem"]);
    for vendor in ["kong", "envoy", "nginx"] {
        assert!(error.contains(vendor), "{vendor} missing from: {error}");
    }
    assert!(error.contains("environment"), "{error}");
}

#[test]
fn rest_needs_cognito_for_jwt() {
    let error = support::rejection(&["vendor=aws", "aws.api_type=rest"]);
    assert!(error.contains("aws.api_type"), "{error}");
}

#[test]
fn api_flavour_follows_issuer() {
    let http = support::render(combo(Environment::Cloud));
    assert!(
        http.tree
            .get("terraform/modules/http-api/main.tf")
            .is_some()
    );
    assert!(http.tree.get("openapi/openapi.yaml").is_none());
    let rest = support::render_answers(&support::answers(combo(Environment::Cloud), &[COGNITO]));
    assert!(
        rest.tree
            .get("terraform/modules/rest-api/main.tf")
            .is_some()
    );
    assert!(rest.tree.get("openapi/openapi.yaml").is_some());
}

/// Every operation of a non-public service requires the API's security
/// scheme; public services and CORS preflights require none.
#[test]
fn every_private_method_has_authorizer() {
    for (name, generated) in variants() {
        let Some(openapi) = generated.tree.text("openapi/openapi.yaml") else {
            continue;
        };
        let doc: Yaml = serde_yaml::from_str(openapi).expect("OpenAPI parses");
        let schemes = doc["components"]["securitySchemes"]
            .as_mapping()
            .expect("security schemes");
        assert_eq!(schemes.len(), 1, "{name}");
        let scheme = schemes.keys().next().and_then(Yaml::as_str).unwrap_or("");
        let answers = &generated.answers;
        for service in &answers.services {
            let mut operations = 0;
            for (path, item) in doc["paths"].as_mapping().expect("paths") {
                let path = path.as_str().unwrap_or_default();
                if path != service.path && !path.starts_with(&format!("{}/", service.path)) {
                    continue;
                }
                for (method, operation) in item.as_mapping().expect("path item") {
                    operations += 1;
                    let security = operation["security"]
                        .as_sequence()
                        .unwrap_or_else(|| panic!("{name}: {path} {method:?} has no security"));
                    let required: Vec<&str> = security
                        .iter()
                        .filter_map(Yaml::as_mapping)
                        .flat_map(|m| m.keys().filter_map(Yaml::as_str))
                        .collect();
                    let preflight =
                        method.as_str() == Some("options") && !answers.cors.origins.is_empty();
                    if service.public || preflight {
                        assert!(
                            required.is_empty(),
                            "{name}: {path} {method:?} {required:?}"
                        );
                    } else {
                        assert_eq!(required, vec![scheme], "{name}: {path} {method:?}");
                    }
                }
            }
            assert!(operations > 0, "{name}: no operations for {}", service.name);
        }
    }
}

#[test]
fn credentials_stop_at_gateway() {
    for (name, generated) in variants() {
        let Some(openapi) = generated.tree.text("openapi/openapi.yaml") else {
            let main = support::text(&generated, "terraform/modules/http-api/main.tf");
            assert!(main.contains("\"remove:header.authorization\""), "{name}");
            continue;
        };
        let doc: Yaml = serde_yaml::from_str(openapi).expect("OpenAPI parses");
        let header = if generated.answers.auth.mode == gatekit::answers::AuthMode::ApiKey {
            "integration.request.header.x-api-key"
        } else {
            "integration.request.header.Authorization"
        };
        for (_, item) in doc["paths"].as_mapping().expect("paths") {
            for (method, operation) in item.as_mapping().expect("path item") {
                let integration = &operation["x-amazon-apigateway-integration"];
                if integration["type"].as_str() == Some("mock") {
                    continue;
                }
                let overridden = integration["requestParameters"][header].as_str();
                assert_eq!(overridden, Some("'-'"), "{name}: {method:?}");
                assert_eq!(
                    integration["tlsConfig"]["insecureSkipVerification"].as_bool(),
                    Some(false),
                    "{name}: {method:?}"
                );
            }
        }
    }
}

#[test]
fn rest_stage_logs_without_data_trace() {
    for (name, generated) in variants() {
        if generated
            .tree
            .get("terraform/modules/rest-api/main.tf")
            .is_none()
        {
            continue;
        }
        let body = hcl_body(&generated, "terraform/modules/rest-api/main.tf");
        let stage = resource(&body, "aws_api_gateway_stage", "this");
        assert_eq!(attribute(stage, "xray_tracing_enabled"), "true", "{name}");
        assert!(
            attribute(block(stage, "access_log_settings"), "destination_arn").contains("access"),
            "{name}"
        );
        assert!(
            attribute(stage, "client_certificate_id").contains("client_certificate"),
            "{name}"
        );
        let settings = block(
            resource(&body, "aws_api_gateway_method_settings", "all"),
            "settings",
        );
        assert_eq!(attribute(settings, "data_trace_enabled"), "false", "{name}");
        assert_eq!(attribute(settings, "metrics_enabled"), "true", "{name}");
        assert!(
            ["\"INFO\"", "\"ERROR\""].contains(&attribute(settings, "logging_level").as_str()),
            "{name}"
        );
        assert_eq!(
            attribute(settings, "cache_data_encrypted"),
            "true",
            "{name}"
        );
        let caching = attribute(settings, "caching_enabled");
        assert_eq!(caching, generated.answers.aws.cache.to_string(), "{name}");
        let rest_api = resource(&body, "aws_api_gateway_rest_api", "this");
        assert_eq!(
            attribute(rest_api, "disable_execute_api_endpoint"),
            "true",
            "{name}"
        );
    }
}

#[test]
fn log_groups_encrypted_and_retained() {
    for (name, generated) in variants() {
        let api = generated.answers.aws.api_type;
        let folder = if generated
            .tree
            .get("terraform/modules/rest-api/logging.tf")
            .is_some()
        {
            "rest-api"
        } else {
            "http-api"
        };
        let body = hcl_body(
            &generated,
            &format!("terraform/modules/{folder}/logging.tf"),
        );
        let groups: Vec<&hcl::Body> = body
            .blocks()
            .filter(|b| {
                b.labels()
                    .first()
                    .is_some_and(|l| l.as_str() == "aws_cloudwatch_log_group")
            })
            .map(hcl::Block::body)
            .collect();
        assert!(!groups.is_empty(), "{name} {api:?}");
        for group in groups {
            assert!(
                attribute(group, "kms_key_id").contains("aws_kms_key.logs"),
                "{name}"
            );
            assert_eq!(
                attribute(group, "retention_in_days"),
                "var.log_retention_days",
                "{name}"
            );
        }
        let key = resource(&body, "aws_kms_key", "logs");
        assert_eq!(attribute(key, "enable_key_rotation"), "true", "{name}");
    }
}

#[test]
fn waf_associated_with_rest_stage() {
    for (name, generated) in variants() {
        let Some(waf) = generated.tree.text("terraform/modules/rest-api/waf.tf") else {
            continue;
        };
        let body: hcl::Body = hcl::from_str(waf).expect("waf.tf parses");
        let association = resource(&body, "aws_wafv2_web_acl_association", "stage");
        assert_eq!(
            attribute(association, "resource_arn"),
            "aws_api_gateway_stage.this.arn",
            "{name}"
        );
        for group in [
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesAnonymousIpList",
        ] {
            assert!(
                waf.contains(&format!("name        = \"{group}\"")),
                "{name}: {group}"
            );
        }
        assert!(waf.contains("rate_based_statement"), "{name}");
        let acl = resource(&body, "aws_wafv2_web_acl", "this");
        assert_eq!(attribute(acl, "scope"), "\"REGIONAL\"", "{name}");
    }
}

#[test]
fn custom_domain_requires_tls12() {
    for (name, generated) in variants() {
        let folder = if generated
            .tree
            .get("terraform/modules/rest-api/domain.tf")
            .is_some()
        {
            "rest-api"
        } else {
            "http-api"
        };
        let domain = support::text(&generated, &format!("terraform/modules/{folder}/domain.tf"));
        assert!(
            domain.contains("security_policy = \"TLS_1_2\"")
                || domain.contains("security_policy          = \"TLS_1_2\""),
            "{name}"
        );
    }
}

#[test]
fn http_routes_use_jwt_authorizer() {
    for (name, generated) in variants() {
        let Some(main) = generated.tree.text("terraform/modules/http-api/main.tf") else {
            continue;
        };
        let body: hcl::Body = hcl::from_str(main).expect("main.tf parses");
        let authenticated = resource(&body, "aws_apigatewayv2_route", "authenticated");
        assert_eq!(
            attribute(authenticated, "authorization_type"),
            "\"JWT\"",
            "{name}"
        );
        let authorizer = resource(&body, "aws_apigatewayv2_authorizer", "jwt");
        let jwt = block(authorizer, "jwt_configuration");
        assert_eq!(attribute(jwt, "audience"), "var.audiences", "{name}");
        let any_public = generated.answers.services.iter().any(|s| s.public);
        let has_public = main.contains("resource \"aws_apigatewayv2_route\" \"public\"");
        assert_eq!(has_public, any_public, "{name}");
    }
}

#[test]
fn openapi_passes_spectral_owasp() {
    let Some(spectral) = support::tool("spectral") else {
        return;
    };
    let Some(ruleset) = std::env::var_os("GATEKIT_SPECTRAL_RULESET") else {
        assert!(
            !support::require_external(),
            "GATEKIT_SPECTRAL_RULESET is required (GATEKIT_REQUIRE_EXTERNAL=1) but not set"
        );
        return;
    };
    let ruleset = ruleset.to_string_lossy().to_string();
    let mut linted = 0;
    for (name, generated) in variants() {
        if generated.tree.get("openapi/openapi.yaml").is_none() {
            continue;
        }
        let dir = support::write(&generated);
        let output = support::run(
            &spectral,
            &[
                "lint",
                "-q",
                "-f",
                "text",
                "-r",
                &ruleset,
                "openapi/openapi.yaml",
            ],
            dir.path(),
        );
        let report = String::from_utf8_lossy(&output.stdout);
        // Lines read `FILE:LINE:COLUMN SEVERITY RULE MESSAGE`.
        let errors: Vec<&str> = report
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some("error"))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        linted += 1;
    }
    assert!(linted >= 4, "only {linted} OpenAPI documents linted");
}
