//! OpenAPI documents: operations that declare no security, and API Gateway
//! operations that validate no input.

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Workspace};
use crate::audit::parsers::openapi::Operation;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

pub static OPERATION_WITHOUT_SECURITY: Rule = Rule {
    meta: RuleMeta {
        id: "openapi-operation-without-security",
        title: "OpenAPI operation declares no security requirement",
        severity: Severity::Medium,
        confidence: Confidence::Low,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "Gateways and code generators that build routes from the document \
            (openapi2kong, API Gateway imports, Apigee OAS proxies) leave an operation without \
            `security` (and no document-level `security`) open to anyone.",
        fix: "Add a `security` requirement to the operation or the document; mark intentionally \
            public operations with `security: [{}]` and a suppression that says why.",
    },
    target: Target::OpenApi,
    check: operation_without_security,
};

fn operation_without_security(workspace: &Workspace, out: &mut Vec<Finding>) {
    report_operations(
        workspace,
        out,
        &OPERATION_WITHOUT_SECURITY,
        |o| !o.secured,
        "declares no security requirement",
    );
}

/// Reports each operation, other than a CORS preflight (`OPTIONS`), that
/// `flagged` selects, as `` `METHOD /path` `` followed by `problem`.
fn report_operations(
    workspace: &Workspace,
    out: &mut Vec<Finding>,
    rule: &'static Rule,
    flagged: impl Fn(&Operation) -> bool,
    problem: &str,
) {
    for (document, api) in workspace.each(|c| match c {
        Content::OpenApi(api) => Some(api),
        _ => None,
    }) {
        for operation in api
            .operations
            .iter()
            .filter(|o| o.method != "OPTIONS" && flagged(o))
        {
            let subject = format!("{} {}", operation.method, operation.path);
            out.push(
                finding(
                    rule,
                    document,
                    operation.pos,
                    format!("`{subject}` {problem}"),
                )
                .context(subject)
                .build(),
            );
        }
    }
}

pub static OPERATION_WITHOUT_VALIDATOR: Rule = Rule {
    meta: RuleMeta {
        id: "openapi-aws-operation-without-validator",
        title: "API Gateway operation in OpenAPI does not validate requests",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-INPUT-01",
        owasp: Owasp::Api8,
        rationale: "API Gateway checks parameters and bodies against an imported OpenAPI \
            document only when the operation, or the document, names a validator from \
            `x-amazon-apigateway-request-validators` that enables the checks. Without one, \
            every request reaches the integration.",
        fix: "Define a validator with `validateRequestBody: true` and \
            `validateRequestParameters: true` under `x-amazon-apigateway-request-validators`, \
            and name it in `x-amazon-apigateway-request-validator` at the document level.",
    },
    target: Target::OpenApi,
    check: operation_without_validator,
};

fn operation_without_validator(workspace: &Workspace, out: &mut Vec<Finding>) {
    report_operations(
        workspace,
        out,
        &OPERATION_WITHOUT_VALIDATOR,
        |o| o.request_validated == Some(false),
        "has an API Gateway integration but no request validator that checks the body or the \
         parameters",
    );
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[&OPERATION_WITHOUT_SECURITY, &OPERATION_WITHOUT_VALIDATOR];
