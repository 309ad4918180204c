//! Security facts of Terraform for AWS API Gateway, for blueprint
//! conformance: authorization per method and route, TLS policies, WAF
//! associations, access logs and throttling.

use super::facts::{Facts, Kind, Value, number};
use crate::audit::parsers::hcl::{Terraform, blocks, literal};
use crate::yaml::{Node, Pos};

pub(super) fn terraform(tf: &Terraform, facts: &mut Facts) {
    for resource in &tf.resources {
        let scope = format!("`{}`", resource.address());
        facts.scopes.push((scope.clone(), resource.pos));
        let body = &resource.body;
        let lit = |key: &str| body.get(key).and_then(literal);
        let pos_of = |key: &str| body.get(key).map_or(resource.pos, |n| n.pos);
        match resource.kind.as_str() {
            "aws_api_gateway_method" => {
                let open = lit("authorization") == Some("NONE")
                    && body.get("api_key_required").and_then(Node::as_bool) != Some(true);
                facts.add(
                    &scope,
                    "authorization",
                    "GK-AUTHN-01",
                    Kind::Auth,
                    Value::Flag(!open),
                    pos_of("authorization"),
                );
            }
            "aws_apigatewayv2_route" => {
                let kind = lit("authorization_type");
                let open = body.get("authorization_type").is_none() || kind == Some("NONE");
                facts.add(
                    &scope,
                    "authorization",
                    "GK-AUTHN-01",
                    Kind::Auth,
                    Value::Flag(!open),
                    pos_of("authorization_type"),
                );
            }
            "aws_api_gateway_domain_name" => tls_policy(
                &scope,
                lit("security_policy"),
                pos_of("security_policy"),
                facts,
            ),
            "aws_apigatewayv2_domain_name" => {
                for config in blocks(body, "domain_name_configuration") {
                    let policy = config.get("security_policy");
                    tls_policy(
                        &scope,
                        policy.and_then(literal),
                        policy.map_or(config.pos, |n| n.pos),
                        facts,
                    );
                }
            }
            "aws_wafv2_web_acl_association" => facts.add(
                "",
                &format!("WAF association {scope}"),
                "GK-WAF-01",
                Kind::Control,
                Value::Flag(true),
                resource.pos,
            ),
            "aws_api_gateway_stage" | "aws_apigatewayv2_stage" => {
                let logged = body.get("access_log_settings").is_some();
                facts.add(
                    &scope,
                    "access log",
                    "GK-LOG-01",
                    Kind::Control,
                    Value::Flag(logged),
                    resource.pos,
                );
                throttling(&scope, blocks(body, "default_route_settings"), facts);
            }
            "aws_api_gateway_method_settings" => {
                throttling(&scope, blocks(body, "settings"), facts)
            }
            _ => {}
        }
    }
}

fn tls_policy(scope: &str, policy: Option<&str>, pos: Pos, facts: &mut Facts) {
    let Some(policy) = policy else {
        return;
    };
    let version = if policy == "TLS_1_0" {
        1.0
    } else if policy.contains("TLS13_1_3") {
        1.3
    } else {
        1.2
    };
    facts.add(
        scope,
        "minimum TLS version",
        "GK-TLS-01",
        Kind::TlsMin,
        Value::Number(version),
        pos,
    );
}

fn throttling(scope: &str, settings: &[Node], facts: &mut Facts) {
    for block in settings {
        for key in ["throttling_rate_limit", "throttling_burst_limit"] {
            if let Some(node) = block.get(key)
                && let Some(value) = number(node)
            {
                facts.add(
                    scope,
                    key,
                    "GK-RATE-01",
                    Kind::Limit,
                    Value::Number(value),
                    node.pos,
                );
            }
        }
    }
}
