//! Security facts of Apigee proxy bundle files, for blueprint conformance.
//!
//! Conformance compares one file at a time, so each file yields its own
//! facts. A policy file states whether the policy is on and its limits. A
//! proxy endpoint states which policies its flows run. A step names a
//! policy defined in another file, so its control comes from the name
//! prefix the built-in blueprint gives its policies (`JWT-`, `SA-` and so
//! on).
// NOTE: a `Condition` added to a step (for example one that is never true)
// is not compared, so it can switch a policy off without a finding.

use super::apigee_proxy::verifies_identity;
use super::facts::{Facts, Kind, Value};
use crate::audit::parsers::xml::Element;

/// Policy types, other than those that verify identity, whose being off,
/// or failing open, weakens a control.
const POLICY_CONTROLS: &[(&str, &str)] = &[
    ("SpikeArrest", "GK-RATE-01"),
    ("Quota", "GK-RATE-01"),
    ("JSONThreatProtection", "GK-INPUT-01"),
    ("XMLThreatProtection", "GK-INPUT-01"),
    ("RegularExpressionProtection", "GK-INPUT-01"),
    ("MessageLogging", "GK-LOG-01"),
    ("CORS", "GK-CORS-01"),
];

/// Name prefixes and names of the built-in blueprint's policies, with the
/// control each implements.
const STEP_CONTROLS: &[(&str, &str)] = &[
    ("JWT-", "GK-AUTHN-01"),
    ("VA-", "GK-AUTHN-01"),
    ("OA-", "GK-AUTHN-01"),
    ("SA-", "GK-RATE-01"),
    ("Q-", "GK-RATE-01"),
    ("RF-TooLarge", "GK-RATE-03"),
    ("RF-MethodNotAllowed", "GK-AUTHZ-01"),
    ("JTP-", "GK-INPUT-01"),
    ("XTP-", "GK-INPUT-01"),
    ("RE-", "GK-INPUT-01"),
    ("CORS-", "GK-CORS-01"),
    ("ML-", "GK-LOG-01"),
    ("AM-SecurityHeaders", "GK-HDR-01"),
    ("AM-StripCredentials", "GK-TOKEN-02"),
    ("AM-GenericError", "GK-ERR-01"),
];

/// `JSONThreatProtection` limits; an unset one means no limit.
const JSON_LIMITS: &[&str] = &[
    "ArrayElementCount",
    "ContainerDepth",
    "ObjectEntryCount",
    "ObjectEntryNameLength",
    "StringValueLength",
];

pub(super) fn apigee(root: &Element, facts: &mut Facts) {
    if root.name == "ProxyEndpoint" {
        endpoint_facts(root, facts);
        return;
    }
    // Identity checks are recognised as `apigee-proxy-without-auth`
    // recognises them.
    let control = if verifies_identity(root) {
        "GK-AUTHN-01"
    } else {
        match POLICY_CONTROLS.iter().find(|(kind, _)| *kind == root.name) {
            Some((_, control)) => control,
            None => return,
        }
    };
    let on = root.attr("enabled") != Some("false") && root.attr("continueOnError") != Some("true");
    facts.add(
        "",
        &format!("{} policy on and failing closed", root.name),
        control,
        Kind::Control,
        Value::Flag(on),
        root.pos,
    );
    match root.name.as_str() {
        "SpikeArrest" => {
            if let Some(rate) = root.child("Rate") {
                facts.add(
                    "",
                    "SpikeArrest rate per second",
                    control,
                    Kind::Limit,
                    Value::Number(spike_rate(&rate.text).unwrap_or(f64::INFINITY)),
                    rate.pos,
                );
            }
        }
        "Quota" => {
            if let Some(allow) = root.child("Allow") {
                facts.add(
                    "",
                    "Quota requests per second",
                    control,
                    Kind::Limit,
                    Value::Number(quota_rate(root).unwrap_or(f64::INFINITY)),
                    allow.pos,
                );
            }
        }
        "JSONThreatProtection" => {
            for limit in JSON_LIMITS {
                let element = root.child(limit);
                let value = element.and_then(|e| e.text.parse::<f64>().ok());
                facts.add(
                    "",
                    &format!("JSONThreatProtection {limit}"),
                    control,
                    Kind::Limit,
                    Value::Number(value.unwrap_or(f64::INFINITY)),
                    element.map_or(root.pos, |e| e.pos),
                );
            }
        }
        _ => {}
    }
}

/// Facts of a proxy endpoint: each step of the built-in blueprint's
/// policies that its flows run.
fn endpoint_facts(endpoint: &Element, facts: &mut Facts) {
    let name = endpoint.attr("name").unwrap_or("");
    let scope = format!("proxy endpoint `{name}`");
    facts.scopes.push((scope.clone(), endpoint.pos));
    let mut steps = Vec::new();
    endpoint.descendants("Step", &mut steps);
    for step in steps {
        let Some(policy) = step.child("Name") else {
            continue;
        };
        let Some((_, control)) = STEP_CONTROLS
            .iter()
            .find(|(prefix, _)| policy.text.starts_with(prefix))
        else {
            continue;
        };
        facts.add(
            &scope,
            &format!("step `{}`", policy.text),
            control,
            Kind::Control,
            Value::Flag(true),
            step.pos,
        );
    }
}

/// Converts a SpikeArrest rate such as `10ps` or `600pm` to requests per
/// second.
fn spike_rate(text: &str) -> Option<f64> {
    let text = text.trim();
    let (count, divisor) = if let Some(count) = text.strip_suffix("ps") {
        (count, 1.0)
    } else {
        (text.strip_suffix("pm")?, 60.0)
    };
    Some(count.parse::<f64>().ok()? / divisor)
}

/// Converts a Quota's `Allow count`, `Interval` and `TimeUnit` to requests
/// per second.
fn quota_rate(quota: &Element) -> Option<f64> {
    let count: f64 = quota.child("Allow")?.attr("count")?.parse().ok()?;
    let interval: f64 = quota.child("Interval")?.text.parse().ok()?;
    let unit = match quota.child("TimeUnit")?.text.as_str() {
        "second" => 1.0,
        "minute" => 60.0,
        "hour" => 3_600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        // A calendar month, counted as 30 days.
        "month" => 2_592_000.0,
        _ => return None,
    };
    (interval > 0.0).then(|| count / (interval * unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spike_rates() {
        assert_eq!(spike_rate("10ps"), Some(10.0));
        assert_eq!(spike_rate("600pm"), Some(10.0));
        assert_eq!(spike_rate("10"), None);
    }
}
