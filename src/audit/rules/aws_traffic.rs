//! Terraform for AWS API Gateway: throttling, logging detail, CORS and
//! integrations.

use super::aws::{module_resources, modules, resources};
use super::{Rule, Target, finding};
use crate::audit::document::{Document, Workspace};
use crate::audit::parsers::hcl::{blocks, literal};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

pub static NO_THROTTLING: Rule = Rule {
    meta: RuleMeta {
        id: "aws-no-throttling",
        title: "API Gateway stage sets no throttling",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "Without stage or method throttling only the account-wide limit applies, so one \
            client can use the whole account's capacity and run up backend cost.",
        fix: "Set `throttling_rate_limit` and `throttling_burst_limit` in \
            `aws_api_gateway_method_settings` (REST) or the stage's `default_route_settings` \
            (HTTP and WebSocket), and per-client limits with usage plans.",
    },
    target: Target::Aws,
    check: no_throttling,
};

fn no_throttling(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, stage) in resources(workspace, "aws_api_gateway_stage") {
        if !rest_throttled(workspace, document) {
            out.push(
                finding(
                    &NO_THROTTLING,
                    document,
                    stage.pos,
                    format!(
                        "`{}` has no method settings or usage plan with throttling",
                        stage.address()
                    ),
                )
                .context(stage.address())
                .build(),
            );
        }
    }
    for (document, stage) in resources(workspace, "aws_apigatewayv2_stage") {
        let throttled = blocks(&stage.body, "default_route_settings")
            .iter()
            .any(|s| s.get("throttling_rate_limit").is_some());
        if !throttled {
            out.push(
                finding(
                    &NO_THROTTLING,
                    document,
                    stage.pos,
                    format!(
                        "`{}` sets no `default_route_settings` throttling",
                        stage.address()
                    ),
                )
                .context(stage.address())
                .build(),
            );
        }
    }
}

fn rest_throttled(workspace: &Workspace, document: &Document) -> bool {
    module_resources(workspace, document, "aws_api_gateway_method_settings").any(|m| {
        blocks(&m.body, "settings")
            .iter()
            .any(|s| s.get("throttling_rate_limit").is_some())
    }) || module_resources(workspace, document, "aws_api_gateway_usage_plan")
        .any(|p| p.body.get("throttle_settings").is_some())
}

pub static DATA_TRACE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-data-trace-enabled",
        title: "API Gateway logs full requests and responses",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "`data_trace_enabled = true` writes request and response bodies and headers, \
            including tokens and personal data, to CloudWatch.",
        fix: "Set `data_trace_enabled = false` and keep `logging_level = \"ERROR\"` or `\"INFO\"`.",
    },
    target: Target::Aws,
    check: data_trace,
};

fn data_trace(workspace: &Workspace, out: &mut Vec<Finding>) {
    let sources = [
        ("aws_api_gateway_method_settings", "settings"),
        ("aws_apigatewayv2_stage", "default_route_settings"),
        ("aws_apigatewayv2_stage", "route_settings"),
    ];
    for (kind, block) in sources {
        for (document, resource) in resources(workspace, kind) {
            for settings in blocks(&resource.body, block) {
                if let Some(flag) = settings
                    .get("data_trace_enabled")
                    .filter(|f| f.as_bool() == Some(true))
                {
                    out.push(
                        finding(
                            &DATA_TRACE,
                            document,
                            flag.pos,
                            format!("`{}` enables `data_trace_enabled`", resource.address()),
                        )
                        .context(format!("{} {block}", resource.address()))
                        .build(),
                    );
                }
            }
        }
    }
}

pub static CORS_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "aws-cors-wildcard",
        title: "API Gateway CORS allows any origin",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CORS-01",
        owasp: Owasp::Api8,
        rationale: "`allow_origins = [\"*\"]` lets every web site read the API's responses from a \
            user's browser.",
        fix: "List the exact origins in `cors_configuration.allow_origins`.",
    },
    target: Target::Aws,
    check: cors_wildcard,
};

fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, api) in resources(workspace, "aws_apigatewayv2_api") {
        for cors in blocks(&api.body, "cors_configuration") {
            let Some(origins) = cors.get("allow_origins") else {
                continue;
            };
            let any = origins
                .as_seq()
                .is_some_and(|items| items.iter().any(|o| literal(o) == Some("*")));
            if !any {
                continue;
            }
            let credentials = cors.get("allow_credentials").and_then(Node::as_bool) == Some(true);
            let severity = if credentials {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                finding(
                    &CORS_WILDCARD,
                    document,
                    origins.pos,
                    format!("`{}` allows any origin", api.address()),
                )
                .severity(severity)
                .context(api.address())
                .build(),
            );
        }
    }
    for (document, module) in modules(workspace) {
        let Some(origins) = module
            .body
            .get("cors_configuration")
            .and_then(|c| c.get("allow_origins"))
        else {
            continue;
        };
        if origins
            .as_seq()
            .is_some_and(|items| items.iter().any(|o| literal(o) == Some("*")))
        {
            out.push(
                finding(
                    &CORS_WILDCARD,
                    document,
                    origins.pos,
                    format!("module `{}` allows any origin", module.name),
                )
                .context(format!("module {}", module.name))
                .build(),
            );
        }
    }
}

pub static INTEGRATION_PLAINTEXT: Rule = Rule {
    meta: RuleMeta {
        id: "aws-integration-plaintext",
        title: "API Gateway calls its backend over plain HTTP",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TLS-03",
        owasp: Owasp::Api10,
        rationale: "An HTTP integration to an `http://` URL sends requests, including forwarded \
            credentials, across the internet unencrypted and unauthenticated.",
        fix: "Use an `https://` backend, or a VPC link to a private backend.",
    },
    target: Target::Aws,
    check: integration_plaintext,
};

fn integration_plaintext(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (kind, key) in [
        ("aws_api_gateway_integration", "uri"),
        ("aws_apigatewayv2_integration", "integration_uri"),
    ] {
        for (document, integration) in resources(workspace, kind) {
            let Some(uri) = integration
                .body
                .get(key)
                .filter(|u| literal(u).is_some_and(|t| t.starts_with("http://")))
            else {
                continue;
            };
            let text = literal(uri).unwrap_or("");
            out.push(
                finding(
                    &INTEGRATION_PLAINTEXT,
                    document,
                    uri.pos,
                    format!("`{}` calls {text}", integration.address()),
                )
                .value(text)
                .context(integration.address())
                .build(),
            );
        }
    }
}

pub static WAF_WITHOUT_MANAGED_RULES: Rule = Rule {
    meta: RuleMeta {
        id: "aws-waf-without-managed-rules",
        title: "WAF web ACL has no managed rule group or no rate-based rule",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-WAF-01",
        owasp: Owasp::Api8,
        rationale: "A web ACL without AWS managed rule groups blocks nothing it was not told about \
            (known bad inputs, injection patterns, bad IP reputation), and one without a \
            rate-based rule does not slow floods from a single address.",
        fix: "Add `managed_rule_group_statement` rules for `AWSManagedRulesCommonRuleSet`, \
            `AWSManagedRulesKnownBadInputsRuleSet` and `AWSManagedRulesAmazonIpReputationList`, \
            and a `rate_based_statement` rule keyed on IP.",
    },
    target: Target::Aws,
    check: waf_without_managed_rules,
};

/// True when `key` appears anywhere under `node`.
fn contains_key(node: &Node, key: &str) -> bool {
    match &node.value {
        crate::yaml::Value::Scalar(..) => false,
        crate::yaml::Value::Seq(items) => items.iter().any(|n| contains_key(n, key)),
        crate::yaml::Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.as_scalar() == Some(key) || contains_key(v, key)),
    }
}

fn waf_without_managed_rules(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, acl) in resources(workspace, "aws_wafv2_web_acl") {
        let missing: Vec<&str> = [
            ("managed_rule_group_statement", "managed rule group"),
            ("rate_based_statement", "rate-based rule"),
        ]
        .iter()
        .filter(|(key, _)| !contains_key(&acl.body, key))
        .map(|(_, what)| *what)
        .collect();
        if missing.is_empty() {
            continue;
        }
        let message = format!("`{}` has no {}", acl.address(), missing.join(" and no "));
        out.push(
            finding(&WAF_WITHOUT_MANAGED_RULES, document, acl.pos, message)
                .context(acl.address())
                .build(),
        );
    }
}
