//! Apigee proxy bundles: the proxy endpoint's steps resolved to the
//! policies in `apiproxy/policies/`.

use std::collections::HashMap;

use super::{Rule, Target, finding};
use crate::audit::document::{Content, Document, Workspace};
use crate::audit::parsers::xml::Element;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

/// One proxy bundle: its endpoints and policies by name.
pub(super) struct Bundle<'a> {
    proxies: Vec<(&'a Document, &'a Element)>,
    pub(super) targets: Vec<(&'a Document, &'a Element)>,
    policies: HashMap<&'a str, (&'a Document, &'a Element)>,
}

pub(super) fn bundles(workspace: &Workspace) -> Vec<Bundle<'_>> {
    let mut by_root: HashMap<&str, Bundle<'_>> = HashMap::new();
    for (document, root) in workspace.each(|c| match c {
        Content::Apigee(e) => Some(e),
        _ => None,
    }) {
        let path = document.source.path.as_str();
        let key = path.find("apiproxy/").map_or(path, |i| &path[..i]);
        let bundle = by_root.entry(key).or_insert_with(|| Bundle {
            proxies: Vec::new(),
            targets: Vec::new(),
            policies: HashMap::new(),
        });
        match root.name.as_str() {
            "ProxyEndpoint" => bundle.proxies.push((document, root)),
            "TargetEndpoint" => bundle.targets.push((document, root)),
            _ if path.contains("/policies/") => {
                if let Some(name) = root.attr("name") {
                    bundle.policies.insert(name, (document, root));
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<Bundle<'_>> = by_root.into_values().collect();
    out.sort_by(|a, b| first_path(a).cmp(first_path(b)));
    out
}

pub(super) fn first_path<'a>(bundle: &Bundle<'a>) -> &'a str {
    bundle
        .proxies
        .first()
        .or(bundle.targets.first())
        .map_or("", |(d, _)| d.source.path.as_str())
}

/// Names of the policies an endpoint runs on requests.
pub(super) fn request_steps(endpoint: &Element) -> Vec<String> {
    let mut flows = Vec::new();
    for flow in ["PreFlow", "PostFlow"] {
        flows.extend(endpoint.child(flow));
    }
    if let Some(list) = endpoint.child("Flows") {
        flows.extend(list.children.iter().filter(|f| f.name == "Flow"));
    }
    let mut names = Vec::new();
    for flow in flows {
        let mut steps = Vec::new();
        if let Some(request) = flow.child("Request") {
            request.descendants("Name", &mut steps);
        }
        names.extend(steps.iter().map(|s| s.text.clone()));
    }
    names
}

pub(super) fn policy_types<'a>(bundle: &'a Bundle<'_>, steps: &[String]) -> Vec<&'a Element> {
    steps
        .iter()
        .filter_map(|s| bundle.policies.get(s.as_str()).map(|(_, e)| *e))
        .collect()
}

pub(super) fn verifies_identity(policy: &Element) -> bool {
    match policy.name.as_str() {
        "VerifyAPIKey" | "VerifyJWT" | "VerifyJWS" | "ValidateSAMLAssertion" => true,
        "OAuthV2" => policy
            .child("Operation")
            .is_none_or(|o| o.text == "VerifyAccessToken"),
        _ => false,
    }
}

pub static PROXY_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-proxy-without-auth",
        title: "Apigee proxy verifies no credential",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "A proxy endpoint whose request flows run no `VerifyAPIKey`, `OAuthV2` \
            (VerifyAccessToken), `VerifyJWT` or `VerifyJWS` policy passes every caller to the \
            target.",
        fix: "Add a verification policy to the proxy endpoint's PreFlow (or a shared flow through \
            a flow hook), before any policy that reads the caller's identity.",
    },
    target: Target::Apigee,
    check: proxy_without_auth,
};

pub(super) fn proxy_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, proxy) in &bundle.proxies {
            let steps = request_steps(proxy);
            let policies = policy_types(&bundle, &steps);
            // Shared flows and unresolved steps may verify credentials out of sight.
            let unknown = policies.iter().any(|p| p.name == "FlowCallout");
            if unknown || policies.iter().any(|p| verifies_identity(p)) {
                continue;
            }
            let name = proxy.attr("name").unwrap_or("default");
            let message = format!("proxy endpoint `{name}` runs no credential verification policy");
            out.push(
                finding(&PROXY_WITHOUT_AUTH, document, proxy.pos, message)
                    .context(format!("proxy {name}"))
                    .build(),
            );
        }
    }
}

pub static NO_SPIKE_ARREST: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-no-rate-limit",
        title: "Apigee proxy has no SpikeArrest or Quota",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "Without `SpikeArrest` or `Quota` in the request flow, one client can send \
            unlimited requests through the proxy to the target.",
        fix: "Add `SpikeArrest` (with an `Identifier` such as `client_id`) to the proxy \
            endpoint's PreFlow, and a per-app `Quota` where products define one.",
    },
    target: Target::Apigee,
    check: no_spike_arrest,
};

pub(super) fn no_spike_arrest(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, proxy) in &bundle.proxies {
            let policies = policy_types(&bundle, &request_steps(proxy));
            if policies
                .iter()
                .any(|p| matches!(p.name.as_str(), "SpikeArrest" | "Quota" | "FlowCallout"))
            {
                continue;
            }
            let name = proxy.attr("name").unwrap_or("default");
            out.push(
                finding(
                    &NO_SPIKE_ARREST,
                    document,
                    proxy.pos,
                    format!("proxy endpoint `{name}` has no rate limit"),
                )
                .context(format!("proxy {name}"))
                .build(),
            );
        }
    }
}

pub static PLAINTEXT_VIRTUAL_HOST: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-plaintext-virtual-host",
        title: "Apigee proxy listens on the plain HTTP virtual host",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-02",
        owasp: Owasp::Api8,
        rationale: "On Apigee Edge the `default` virtual host is plain HTTP, so a proxy bound to it \
            accepts credentials and data unencrypted.",
        fix: "Bind the proxy only to TLS virtual hosts (`secure`), or on Apigee X serve it through \
            an environment group behind HTTPS.",
    },
    target: Target::Apigee,
    check: plaintext_virtual_host,
};

pub(super) fn plaintext_virtual_host(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, proxy) in &bundle.proxies {
            let Some(connection) = proxy.child("HTTPProxyConnection") else {
                continue;
            };
            for host in connection
                .children
                .iter()
                .filter(|c| c.name == "VirtualHost" && c.text == "default")
            {
                out.push(
                    finding(
                        &PLAINTEXT_VIRTUAL_HOST,
                        document,
                        host.pos,
                        "the proxy listens on virtual host `default` (plain HTTP)",
                    )
                    .value("default")
                    .context("vhost default")
                    .build(),
                );
            }
        }
    }
}

pub static API_KEY_IN_QUERY: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-api-key-in-query",
        title: "Apigee reads the API key from the query string",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-TOKEN-02",
        owasp: Owasp::Api2,
        rationale: "Keys in URLs end up in access logs, browser history, referrers and proxies.",
        fix: "Read the key from a header: `<APIKey ref=\"request.header.x-api-key\"/>`.",
    },
    target: Target::Apigee,
    check: api_key_in_query,
};

pub(super) fn api_key_in_query(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, policy) in bundle.policies.values() {
            let Some(key) = policy
                .child("APIKey")
                .filter(|_| policy.name == "VerifyAPIKey")
            else {
                continue;
            };
            let reference = key.attr("ref").unwrap_or("");
            if reference.starts_with("request.queryparam.") {
                out.push(
                    finding(
                        &API_KEY_IN_QUERY,
                        document,
                        key.pos,
                        format!(
                            "`{}` reads the key from `{reference}`",
                            policy.attr("name").unwrap_or("")
                        ),
                    )
                    .value(reference)
                    .context(reference.to_string())
                    .build(),
                );
            }
        }
    }
}

pub static CORS_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "apigee-cors-wildcard",
        title: "Apigee allows any origin or reflects the Origin header",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CORS-01",
        owasp: Owasp::Api8,
        rationale: "`Access-Control-Allow-Origin: *` (or echoing `{request.header.origin}`) lets \
            every web site read responses; with credentials allowed it acts as the user.",
        fix: "Use the `CORS` policy with an explicit `AllowOrigins` list.",
    },
    target: Target::Apigee,
    check: cors_wildcard,
};

pub(super) fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
    for bundle in bundles(workspace) {
        for (document, policy) in bundle.policies.values() {
            let mut candidates = Vec::new();
            if policy.name == "AssignMessage" {
                let mut headers = Vec::new();
                policy.descendants("Header", &mut headers);
                candidates.extend(headers.into_iter().filter(|h| {
                    h.attr("name")
                        .is_some_and(|n| n.eq_ignore_ascii_case("access-control-allow-origin"))
                }));
            }
            if policy.name == "CORS" {
                candidates.extend(policy.child("AllowOrigins"));
            }
            for element in candidates {
                let text = element.text.to_ascii_lowercase();
                if text == "*" || text.contains("{request.header.origin}") {
                    let message = format!(
                        "`{}` sets Access-Control-Allow-Origin to `{}`",
                        policy.attr("name").unwrap_or(""),
                        element.text
                    );
                    out.push(
                        finding(&CORS_WILDCARD, document, element.pos, message)
                            .value(element.text.clone())
                            .context(format!(
                                "{} {}",
                                policy.attr("name").unwrap_or(""),
                                element.pos.line
                            ))
                            .build(),
                    );
                }
            }
        }
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &PROXY_WITHOUT_AUTH,
    &NO_SPIKE_ARREST,
    &PLAINTEXT_VIRTUAL_HOST,
    &API_KEY_IN_QUERY,
    &CORS_WILDCARD,
];
