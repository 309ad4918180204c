//! Terraform for AWS API Gateway (REST and HTTP/WebSocket APIs) and WAF.
//!
//! Only literal values count: an argument set from a variable or another
//! resource is unknown here and yields no finding.

use std::sync::LazyLock;

use regex::Regex;

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::hcl::{Resource, Terraform, blocks, literal};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};
use crate::yaml::Node;

fn each_tf(workspace: &Workspace) -> impl Iterator<Item = (&Document, &Terraform)> {
    workspace.each(|c| match c {
        Content::Terraform(t) => Some(t),
        _ => None,
    })
}

/// Every resource of type `kind` in the workspace, with its document.
pub(super) fn resources<'a>(
    workspace: &'a Workspace,
    kind: &'a str,
) -> impl Iterator<Item = (&'a Document, &'a Resource)> + 'a {
    each_tf(workspace).flat_map(move |(d, tf)| tf.of_kind(kind).map(move |r| (d, r)))
}

/// Resources of type `kind` in the same folder (the same Terraform module)
/// as `document`, where references between resources resolve.
pub(super) fn module_resources<'a>(
    workspace: &'a Workspace,
    document: &'a Document,
    kind: &'a str,
) -> impl Iterator<Item = &'a Resource> + 'a {
    let folder = document.disk_path.parent();
    resources(workspace, kind)
        .filter(move |(d, _)| d.disk_path.parent() == folder)
        .map(|(_, r)| r)
}

/// Module blocks, with their documents.
pub(super) fn modules(workspace: &Workspace) -> impl Iterator<Item = (&Document, &Resource)> {
    each_tf(workspace).flat_map(|(d, tf)| tf.modules().map(move |r| (d, r)))
}

static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)").expect("valid regex"));

/// Returns the `type.name` references in an expression.
fn references(node: Option<&Node>) -> Vec<(String, String)> {
    let text = node.and_then(Node::as_scalar).unwrap_or("");
    REFERENCE
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

fn lit<'a>(resource: &'a Resource, key: &str) -> Option<&'a str> {
    resource.body.get(key).and_then(literal)
}

fn pos_of(resource: &Resource, key: &str) -> crate::yaml::Pos {
    resource.body.get(key).map_or(resource.pos, |n| n.pos)
}

pub static METHOD_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "aws-method-without-auth",
        title: "API Gateway REST method has no authorization",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "`authorization = \"NONE\"` without `api_key_required` lets anyone on the \
            internet invoke the method.",
        fix: "Use `COGNITO_USER_POOLS`, `CUSTOM` (a Lambda authorizer) or `AWS_IAM`, with \
            `authorizer_id`.",
    },
    target: Target::Aws,
    check: method_without_auth,
};

fn method_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, method) in resources(workspace, "aws_api_gateway_method") {
        let none = lit(method, "authorization") == Some("NONE");
        let key = method.body.get("api_key_required").and_then(Node::as_bool) == Some(true);
        let options = lit(method, "http_method") == Some("OPTIONS");
        if !none || key || options {
            continue;
        }
        let message = format!("`{}` allows calls without authorization", method.address());
        out.push(
            finding(
                &METHOD_WITHOUT_AUTH,
                document,
                pos_of(method, "authorization"),
                message,
            )
            .context(method.address())
            .build(),
        );
    }
}

pub static METHOD_WITHOUT_VALIDATOR: Rule = Rule {
    meta: RuleMeta {
        id: "aws-method-without-validator",
        title: "API Gateway REST method does not validate requests",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-INPUT-01",
        owasp: Owasp::Api8,
        rationale: "Without a request validator that checks the body or the parameters, API \
            Gateway forwards every request to the integration, whatever the method's request \
            models and required parameters declare.",
        fix: "Add an `aws_api_gateway_request_validator` with `validate_request_body` and \
            `validate_request_parameters` set to `true`, and name it in the method's \
            `request_validator_id`.",
    },
    target: Target::Aws,
    check: method_without_validator,
};

/// Flags methods without `request_validator_id`, and methods whose
/// validator, defined in the same module, validates neither the body nor
/// the parameters. A validator from elsewhere is unknown and passes.
fn method_without_validator(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, method) in resources(workspace, "aws_api_gateway_method") {
        // A CORS preflight is handled by a MOCK integration and carries
        // no input to validate.
        if lit(method, "http_method") == Some("OPTIONS") {
            continue;
        }
        // Terraform treats an argument set to `null` as omitted.
        let reference = method
            .body
            .get("request_validator_id")
            .filter(|node| literal(node).is_some() || node.as_scalar() != Some("null"));
        let Some(reference) = reference else {
            let message = format!(
                "`{}` has no `request_validator_id`, so requests reach the integration \
                 unvalidated",
                method.address()
            );
            out.push(
                finding(&METHOD_WITHOUT_VALIDATOR, document, method.pos, message)
                    .context(method.address())
                    .build(),
            );
            continue;
        };
        let validators: Vec<&Resource> = references(Some(reference))
            .into_iter()
            .filter(|(kind, _)| kind == "aws_api_gateway_request_validator")
            .filter_map(|(kind, name)| {
                module_resources(workspace, document, "aws_api_gateway_request_validator")
                    .find(|v| v.kind == kind && v.name == name)
            })
            .collect();
        for validator in validators {
            // Terraform converts the string "true" to a bool, and a variable
            // or other expression is unknown here, so only a setting that is
            // missing or literally false counts as off.
            let off = |key: &str| {
                validator.body.get(key).is_none_or(|node| {
                    node.as_bool() == Some(false) || literal(node) == Some("false")
                })
            };
            if !(off("validate_request_body") && off("validate_request_parameters")) {
                continue;
            }
            let message = format!(
                "`{}` uses `{}`, which validates neither the body nor the parameters",
                method.address(),
                validator.address()
            );
            out.push(
                finding(&METHOD_WITHOUT_VALIDATOR, document, reference.pos, message)
                    .context(method.address())
                    .build(),
            );
        }
    }
}

pub static ROUTE_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "aws-route-without-auth",
        title: "API Gateway HTTP or WebSocket route has no authorization",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "An `aws_apigatewayv2_route` without `authorization_type` (default `NONE`) is \
            open to anyone. For WebSocket APIs the `$connect` route is where clients authenticate.",
        fix: "Set `authorization_type` to `JWT`, `CUSTOM` or `AWS_IAM` with `authorizer_id`.",
    },
    target: Target::Aws,
    check: route_without_auth,
};

fn route_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, route) in resources(workspace, "aws_apigatewayv2_route") {
        let auth = route.body.get("authorization_type");
        let open = auth.is_none() || auth.and_then(literal) == Some("NONE");
        let key = lit(route, "route_key").unwrap_or("");
        if !open || key.starts_with("OPTIONS ") {
            continue;
        }
        let websocket = api_protocol(workspace, document, route) == Some("WEBSOCKET")
            || (key.starts_with('$') && key != "$default");
        if websocket && key != "$connect" {
            continue;
        }
        let pos = auth.map_or(route.pos, |n| n.pos);
        let message = format!(
            "route `{key}` ({}) allows calls without authorization",
            route.address()
        );
        out.push(
            finding(&ROUTE_WITHOUT_AUTH, document, pos, message)
                .context(route.address())
                .build(),
        );
    }
    for (document, module) in modules(workspace) {
        module_routes_without_auth(document, module, out);
    }
}

/// Routes passed to an API Gateway v2 module as a `routes` map keyed by
/// route key (the terraform-aws-modules `apigateway-v2` interface).
fn module_routes_without_auth(document: &Document, module: &Resource, out: &mut Vec<Finding>) {
    let Some(routes) = module.body.get("routes").and_then(Node::as_map) else {
        return;
    };
    for (key, route) in routes {
        let key_text = key.as_scalar().unwrap_or("");
        let is_route_key = key_text == "$default"
            || key_text.split_once(' ').is_some_and(|(m, p)| {
                p.starts_with('/') && m.chars().all(|c| c.is_ascii_uppercase())
            });
        let auth = route.get("authorization_type");
        let open = auth.is_none() || auth.and_then(literal) == Some("NONE");
        if !is_route_key || !open || key_text.starts_with("OPTIONS ") {
            continue;
        }
        let message = format!(
            "route `{key_text}` of module `{}` has no `authorization_type`",
            module.name
        );
        out.push(
            finding(&ROUTE_WITHOUT_AUTH, document, key.pos, message)
                .context(format!("module {} {key_text}", module.name))
                .build(),
        );
    }
}

fn api_protocol<'a>(
    workspace: &'a Workspace,
    document: &'a Document,
    route: &Resource,
) -> Option<&'a str> {
    let (_, name) = references(route.body.get("api_id"))
        .into_iter()
        .find(|(k, _)| k == "aws_apigatewayv2_api")?;
    module_resources(workspace, document, "aws_apigatewayv2_api")
        .find(|r| r.name == name)
        .and_then(|r| lit(r, "protocol_type"))
}

pub static NO_WAF: Rule = Rule {
    meta: RuleMeta {
        id: "aws-no-waf",
        title: "Public API Gateway REST stage has no WAF web ACL",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-WAF-01",
        owasp: Owasp::Api8,
        rationale: "A regional or edge REST API stage reachable from the internet without an \
            `aws_wafv2_web_acl_association` gets no managed protection against known bad inputs, \
            injection patterns, bad IP reputation or request floods.",
        fix: "Associate a REGIONAL `aws_wafv2_web_acl` with AWS managed rule groups \
            (CommonRuleSet, KnownBadInputs, AmazonIpReputationList) and a rate-based rule with \
            the stage.",
    },
    target: Target::Aws,
    check: no_waf,
};

fn no_waf(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, stage) in resources(workspace, "aws_api_gateway_stage") {
        let covered = module_resources(workspace, document, "aws_wafv2_web_acl_association")
            .flat_map(|r| references(r.body.get("resource_arn")))
            .any(|(k, n)| k == "aws_api_gateway_stage" && n == stage.name);
        if covered || stage_api_private(workspace, document, stage) {
            continue;
        }
        let message = format!("`{}` has no WAF web ACL association", stage.address());
        out.push(
            finding(&NO_WAF, document, stage.pos, message)
                .context(stage.address())
                .build(),
        );
    }
}

fn stage_api_private(workspace: &Workspace, document: &Document, stage: &Resource) -> bool {
    let Some((_, name)) = references(stage.body.get("rest_api_id"))
        .into_iter()
        .find(|(k, _)| k == "aws_api_gateway_rest_api")
    else {
        return false;
    };
    module_resources(workspace, document, "aws_api_gateway_rest_api").any(|api| {
        api.name == name
            && blocks(&api.body, "endpoint_configuration").iter().any(|e| {
                e.get("types")
                    .and_then(Node::as_seq)
                    .is_some_and(|t| t.iter().any(|v| literal(v) == Some("PRIVATE")))
            })
    })
}

pub static WEAK_TLS_POLICY: Rule = Rule {
    meta: RuleMeta {
        id: "aws-weak-tls-policy",
        title: "API Gateway custom domain allows TLS 1.0",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "`security_policy = \"TLS_1_0\"` accepts TLS 1.0 and 1.1, deprecated by RFC 8996 \
            and open to downgrade attacks.",
        fix: "Set `security_policy = \"TLS_1_2\"` (or a `SecurityPolicy_TLS13_*` policy).",
    },
    target: Target::Aws,
    check: weak_tls_policy,
};

fn weak_tls_policy(workspace: &Workspace, out: &mut Vec<Finding>) {
    for (document, domain) in resources(workspace, "aws_api_gateway_domain_name") {
        if lit(domain, "security_policy") == Some("TLS_1_0") {
            out.push(
                finding(
                    &WEAK_TLS_POLICY,
                    document,
                    pos_of(domain, "security_policy"),
                    format!("`{}` uses TLS_1_0", domain.address()),
                )
                .value("TLS_1_0")
                .context(domain.address())
                .build(),
            );
        }
    }
    for (document, domain) in resources(workspace, "aws_apigatewayv2_domain_name") {
        for config in blocks(&domain.body, "domain_name_configuration") {
            if let Some(policy) = config
                .get("security_policy")
                .filter(|p| literal(p) == Some("TLS_1_0"))
            {
                out.push(
                    finding(
                        &WEAK_TLS_POLICY,
                        document,
                        policy.pos,
                        format!("`{}` uses TLS_1_0", domain.address()),
                    )
                    .value("TLS_1_0")
                    .context(domain.address())
                    .build(),
                );
            }
        }
    }
}

pub static NO_ACCESS_LOG: Rule = Rule {
    meta: RuleMeta {
        id: "aws-no-access-log",
        title: "API Gateway stage writes no access log",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-LOG-01",
        owasp: Owasp::Api8,
        rationale: "Without `access_log_settings` a stage keeps no record of who called which \
            route, so abuse and incidents cannot be investigated.",
        fix: "Add `access_log_settings` with a CloudWatch log group ARN and a JSON format that \
            records `$context.requestId`, `$context.identity.sourceIp`, the route and the status.",
    },
    target: Target::Aws,
    check: no_access_log,
};

fn no_access_log(workspace: &Workspace, out: &mut Vec<Finding>) {
    for kind in ["aws_api_gateway_stage", "aws_apigatewayv2_stage"] {
        for (document, stage) in resources(workspace, kind) {
            if stage.body.get("access_log_settings").is_some() {
                continue;
            }
            out.push(
                finding(
                    &NO_ACCESS_LOG,
                    document,
                    stage.pos,
                    format!("`{}` has no `access_log_settings`", stage.address()),
                )
                .context(stage.address())
                .build(),
            );
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &METHOD_WITHOUT_AUTH,
    &METHOD_WITHOUT_VALIDATOR,
    &ROUTE_WITHOUT_AUTH,
    &NO_WAF,
    &WEAK_TLS_POLICY,
    &NO_ACCESS_LOG,
    &super::aws_traffic::NO_THROTTLING,
    &super::aws_traffic::DATA_TRACE,
    &super::aws_traffic::CORS_WILDCARD,
    &super::aws_traffic::INTEGRATION_PLAINTEXT,
    &super::aws_traffic::WAF_WITHOUT_MANAGED_RULES,
];
