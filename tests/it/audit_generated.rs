//! The audit over repositories gatekit generates: every combination audits
//! clean, and edits that weaken a control are reported as conformance
//! findings while cosmetic edits are not.

use std::path::Path;

use gatekit::answers::{Ci, Environment, Vendor};
use gatekit::audit::{self, Options};
use gatekit::finding::Finding;

use crate::support::{self, Combo};

fn audit_dir(dir: &Path) -> Vec<Finding> {
    let options = Options {
        paths: vec![dir.to_path_buf()],
        baseline: None,
    };
    let outcome = audit::audit(&options).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(outcome.invalid.is_empty(), "{:?}", outcome.invalid);
    outcome.findings
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} {} {}", f.location, f.rule_id, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_generated_repository_audits_clean() {
    for combo in support::combos() {
        let generated = support::render(combo);
        let dir = support::write(&generated);
        let findings = audit_dir(dir.path());
        assert!(
            findings.is_empty(),
            "{}:\n{}",
            combo.name(),
            describe(&findings)
        );
    }
}

const KONG_CLOUD: Combo = Combo {
    vendor: Vendor::Kong,
    environment: Environment::Cloud,
    ci: Ci::Github,
};

const NGINX_CLOUD: Combo = Combo {
    vendor: Vendor::Nginx,
    environment: Environment::Cloud,
    ci: Ci::Github,
};

/// Renders the Kong cloud repository, applies `edit` to one file and
/// returns the conformance findings.
fn conformance_after(path: &str, edit: impl Fn(&str) -> String) -> Vec<Finding> {
    conformance_after_in(KONG_CLOUD, &[], path, edit)
}

/// Renders `combo` with the `extra` answers, applies `edit` to one file and
/// returns the conformance findings.
fn conformance_after_in(
    combo: Combo,
    extra: &[&str],
    path: &str,
    edit: impl Fn(&str) -> String,
) -> Vec<Finding> {
    let generated = support::render_answers(&support::answers(combo, extra));
    let dir = support::write(&generated);
    let file = dir.path().join(path);
    let before = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let after = edit(&before);
    assert_ne!(before, after, "the edit of {path} changed nothing");
    std::fs::write(&file, after).unwrap();
    audit_dir(dir.path())
        .into_iter()
        .filter(|f| f.rule_id.starts_with("conformance-"))
        .collect()
}

/// Removes the plugin list item named `name`: the item starts at the
/// `- config:` line above its `name:` line, the order decK writes.
fn remove_plugin(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let name_line = lines
        .iter()
        .position(|l| l.trim() == format!("name: {name}"))
        .unwrap_or_else(|| panic!("no plugin {name}"));
    let start = (0..name_line)
        .rev()
        .find(|&i| lines[i].trim_start().starts_with("- config:"))
        .expect("plugin item start");
    let mut kept: Vec<&str> = lines[..start].to_vec();
    kept.extend(&lines[name_line + 1..]);
    kept.join("\n") + "\n"
}

fn assert_one(findings: &[Finding], rule: &str, control: &str) {
    assert!(
        findings
            .iter()
            .any(|f| f.rule_id == rule && f.control == control),
        "expected {rule} for {control}, found:\n{}",
        describe(findings)
    );
}

#[test]
fn removed_authentication_is_reported() {
    let findings = conformance_after("kong/kong.yaml", |t| remove_plugin(t, "jwt"));
    assert_one(&findings, "conformance-route-public", "GK-AUTHN-01");
}

#[test]
fn raised_rate_limit_is_reported() {
    let per_second = support::answers(KONG_CLOUD, &[]).rate_limit.per_second;
    let findings = conformance_after("kong/kong.yaml", |t| {
        t.replace(
            &format!("second: {per_second}\n"),
            &format!("second: {}\n", per_second * 100),
        )
    });
    assert_one(&findings, "conformance-limit-raised", "GK-RATE-01");
}

#[test]
fn lowered_tls_minimum_is_reported() {
    let findings = conformance_after("kong/helm/gateway.yaml", |t| {
        t.replace(
            "ssl_protocols: TLSv1.2 TLSv1.3",
            "ssl_protocols: TLSv1 TLSv1.1 TLSv1.2 TLSv1.3",
        )
    });
    assert_one(&findings, "conformance-tls-lowered", "GK-TLS-01");
}

#[test]
fn deleted_rate_limiting_plugin_is_reported() {
    let findings = conformance_after("kong/kong.yaml", |t| remove_plugin(t, "rate-limiting"));
    assert_one(&findings, "conformance-control-removed", "GK-RATE-01");
}

#[test]
fn cosmetic_edits_yield_nothing() {
    let findings = conformance_after("kong/kong.yaml", |t| {
        let commented = format!("# Reviewed by the platform team.\n{t}");
        // Swap two adjacent keys of the first service: same meaning, new order.
        commented
            .replacen("    connect_timeout: 5000\n    host:", "    host:", 1)
            .replacen(
                "    name: \"orders\"\n",
                "    name: \"orders\"\n    connect_timeout: 5000\n",
                1,
            )
    });
    assert!(findings.is_empty(), "{}", describe(&findings));
}

const APIGEE_CLOUD: Combo = Combo {
    vendor: Vendor::Apigee,
    environment: Environment::Cloud,
    ci: Ci::Github,
};

const AWS_CLOUD: Combo = Combo {
    vendor: Vendor::Aws,
    environment: Environment::Cloud,
    ci: Ci::Github,
};

const ENVOY_CLOUD: Combo = Combo {
    vendor: Vendor::Envoy,
    environment: Environment::Cloud,
    ci: Ci::Github,
};

/// Applies `edit` to the NGINX cloud repository's `nginx/nginx.conf`.
fn nginx_conformance_after(edit: impl Fn(&str) -> String) -> Vec<Finding> {
    conformance_after_in(NGINX_CLOUD, &[], "nginx/nginx.conf", edit)
}

#[test]
fn nginx_removed_auth_request_is_reported() {
    let findings =
        nginx_conformance_after(|t| t.replacen("      auth_request /_gatekit/auth;\n", "", 1));
    assert_one(&findings, "conformance-route-public", "GK-AUTHN-01");
    assert_eq!(findings.len(), 1, "{}", describe(&findings));
}

#[test]
fn nginx_auth_request_off_is_reported() {
    let findings = nginx_conformance_after(|t| {
        t.replacen(
            "      auth_request /_gatekit/auth;\n",
            "      auth_request off;\n",
            1,
        )
    });
    assert_one(&findings, "conformance-route-public", "GK-AUTHN-01");
}

#[test]
fn nginx_raised_body_limit_is_reported() {
    let findings = nginx_conformance_after(|t| {
        t.replace("client_max_body_size 1024k;", "client_max_body_size 0;")
    });
    assert_one(&findings, "conformance-limit-raised", "GK-RATE-03");
}

#[test]
fn nginx_raised_rate_is_reported() {
    let findings = nginx_conformance_after(|t| t.replace("rate=10r/s;", "rate=600r/s;"));
    assert_one(&findings, "conformance-limit-raised", "GK-RATE-01");
}

#[test]
fn nginx_lowered_tls_is_reported() {
    let findings = nginx_conformance_after(|t| {
        t.replace(
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_protocols TLSv1.1 TLSv1.2 TLSv1.3;",
        )
    });
    assert_one(&findings, "conformance-tls-lowered", "GK-TLS-01");
}

#[test]
fn nginx_deleted_directives_are_reported() {
    let findings = nginx_conformance_after(|t| {
        t.replace("    limit_req zone=per_client burst=20 nodelay;\n", "")
            .replace("  ssl_protocols TLSv1.2 TLSv1.3;\n", "")
    });
    assert_one(&findings, "conformance-control-removed", "GK-RATE-01");
    // Without the directive NGINX 1.22 also accepts TLS 1.0 and 1.1.
    assert_one(&findings, "conformance-tls-lowered", "GK-TLS-01");
}

#[test]
fn nginx_cosmetic_edits_yield_nothing() {
    let findings = nginx_conformance_after(|t| {
        format!("# Reviewed by the platform team.\n{t}").replace(
            "      auth_request /_gatekit/auth;\n",
            "      # Checked by the authorization service.\n      auth_request /_gatekit/auth;\n",
        )
    });
    assert!(findings.is_empty(), "{}", describe(&findings));
}

/// Applies `edit` to the Envoy cloud repository's `envoy/envoy.yaml`.
fn envoy_conformance_after(edit: impl Fn(&str) -> String) -> Vec<Finding> {
    conformance_after_in(ENVOY_CLOUD, &[], "envoy/envoy.yaml", edit)
}

/// Removes the HTTP filter list item named `name`, up to the next filter.
fn remove_envoy_filter(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no filter {name}"));
    let indent = lines[start].len() - lines[start].trim_start().len();
    let end = (start + 1..lines.len())
        .find(|&i| {
            let line = lines[i];
            let depth = line.len() - line.trim_start().len();
            depth <= indent && !line.trim().is_empty() && !line.trim_start().starts_with('#')
        })
        .expect("filter item end");
    let mut kept: Vec<&str> = lines[..start].to_vec();
    kept.extend(&lines[end..]);
    kept.join("\n") + "\n"
}

#[test]
fn envoy_removed_jwt_filter_is_reported() {
    let findings =
        envoy_conformance_after(|t| remove_envoy_filter(t, "envoy.filters.http.jwt_authn"));
    assert_one(&findings, "conformance-route-public", "GK-AUTHN-01");
    assert_one(&findings, "conformance-control-removed", "GK-AUTHN-01");
}

#[test]
fn envoy_raised_limits_are_reported() {
    let findings = envoy_conformance_after(|t| {
        t.replace("max_request_bytes: 1048576", "max_request_bytes: 104857600")
            .replace("max_tokens: 30\n", "max_tokens: 3000\n")
    });
    assert_one(&findings, "conformance-limit-raised", "GK-RATE-03");
    assert_one(&findings, "conformance-limit-raised", "GK-RATE-01");
}

#[test]
fn envoy_lowered_tls_is_reported() {
    let findings = envoy_conformance_after(|t| {
        t.replacen(
            "tls_minimum_protocol_version: \"TLSv1_2\"",
            "tls_minimum_protocol_version: \"TLSv1_0\"",
            1,
        )
    });
    assert_one(&findings, "conformance-tls-lowered", "GK-TLS-01");
}

#[test]
fn envoy_deleted_rate_limit_filter_is_reported() {
    let findings =
        envoy_conformance_after(|t| remove_envoy_filter(t, "envoy.filters.http.local_ratelimit"));
    assert_one(&findings, "conformance-control-removed", "GK-RATE-01");
}

#[test]
fn envoy_cosmetic_edits_yield_nothing() {
    let findings = envoy_conformance_after(|t| {
        format!("# Reviewed by the platform team.\n{t}").replace(
            "max_request_bytes: 1048576",
            "max_request_bytes: 1048576  # 1 MiB",
        )
    });
    assert!(findings.is_empty(), "{}", describe(&findings));
}

/// Applies `edit` to one file of the Apigee cloud repository's `orders`
/// proxy bundle.
fn apigee_conformance_after(file: &str, edit: impl Fn(&str) -> String) -> Vec<Finding> {
    let path = format!("apigee/proxies/orders/apiproxy/{file}");
    conformance_after_in(APIGEE_CLOUD, &[], &path, edit)
}

#[test]
fn apigee_disabled_token_check_is_reported() {
    let findings = apigee_conformance_after("policies/JWT-VerifyToken.xml", |t| {
        t.replace("enabled=\"true\"", "enabled=\"false\"")
    });
    assert_one(&findings, "conformance-control-removed", "GK-AUTHN-01");
}

#[test]
fn apigee_removed_token_step_is_reported() {
    let findings = apigee_conformance_after("proxies/default.xml", |t| {
        let lines: Vec<&str> = t.lines().collect();
        let name = lines
            .iter()
            .position(|l| l.trim() == "<Name>JWT-VerifyToken</Name>")
            .expect("token step");
        let mut kept: Vec<&str> = lines[..name - 1].to_vec();
        kept.extend(&lines[name + 2..]);
        kept.join("\n") + "\n"
    });
    assert_one(&findings, "conformance-control-removed", "GK-AUTHN-01");
}

#[test]
fn apigee_raised_limits_are_reported() {
    let rate = apigee_conformance_after("policies/SA-PerClient.xml", |t| {
        t.replace("<Rate>10ps</Rate>", "<Rate>1000ps</Rate>")
    });
    assert_one(&rate, "conformance-limit-raised", "GK-RATE-01");
    let depth = apigee_conformance_after("policies/JTP-JSON.xml", |t| {
        t.replace("  <ContainerDepth>20</ContainerDepth>\n", "")
    });
    assert_one(&depth, "conformance-limit-raised", "GK-INPUT-01");
}

#[test]
fn apigee_cosmetic_edits_yield_nothing() {
    let findings = apigee_conformance_after("policies/SA-PerClient.xml", |t| {
        t.replace(
            "<Rate>10ps</Rate>",
            "<!-- Reviewed. -->\n  <Rate>10ps</Rate>",
        )
    });
    assert!(findings.is_empty(), "{}", describe(&findings));
}

#[test]
fn openapi_dropped_validator_and_security_are_reported() {
    let findings = conformance_after_in(
        AWS_CLOUD,
        &["auth.mode=api-key"],
        "openapi/openapi.yaml",
        |t| {
            t.replace("x-amazon-apigateway-request-validator: all\n", "")
                .replacen("security:", "x-security:", 1)
        },
    );
    assert_one(&findings, "conformance-control-removed", "GK-INPUT-01");
    assert_one(&findings, "conformance-route-public", "GK-AUTHN-01");
}
