//! Consistency checks over the catalog, the manifests, the audit rules and
//! the probe checks. Each problem is one sentence naming the IDs involved;
//! an empty list means the matrix is complete.

use std::collections::BTreeSet;

use super::{Known, OWASP, declared_files};
use crate::answers::Vendor;
use crate::blueprint::Blueprints;
use crate::blueprint::catalog::{Catalog, Verification};

/// The prefix of every probe check ID, so that a check ID is never
/// mistaken for an audit rule ID.
const PROBE_PREFIX: &str = "probe-";

/// What the checks compare the catalog with.
#[derive(Debug, Clone, Copy)]
pub struct Against<'a> {
    /// The audit rules of this build.
    pub rules: &'a [Known],
    /// The probe checks of this build; `None` when it has no probe, and
    /// check IDs are then only checked for their form.
    pub checks: Option<&'a [Known]>,
}

/// Returns every problem found; empty when the catalog is consistent.
///
/// Vendors without a manifest in `blueprints` still need a verification
/// entry, but their files cannot be checked until their manifest exists.
pub fn check(blueprints: &Blueprints, catalog: &Catalog, against: Against<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    threats_and_controls(catalog, &mut problems);
    for control in &catalog.controls {
        for name in control.verification.keys() {
            if !Vendor::ALL.iter().any(|v| v.as_str() == name) {
                problems.push(format!(
                    "{}: verification names {name}, which is not a vendor",
                    control.id
                ));
            }
        }
        for vendor in Vendor::ALL {
            let Some(entry) = control.verification.get(vendor.as_str()) else {
                problems.push(format!(
                    "{}: no verification entry for {}: name its rules and checks, or say why \
                     it is not applicable",
                    control.id,
                    vendor.as_str()
                ));
                continue;
            };
            entry_shape(&control.id, vendor, entry, &mut problems);
            implementation(blueprints, &control.id, vendor, entry, &mut problems);
            rule_ids(&control.id, vendor, entry, against.rules, &mut problems);
            check_ids(&control.id, entry, against.checks, &mut problems);
        }
    }
    rules_listed(catalog, against.rules, &mut problems);
    if let Some(checks) = against.checks {
        checks_listed(catalog, checks, &mut problems);
    }
    problems
}

/// OWASP categories that no threat maps to.
pub fn uncovered_owasp(catalog: &Catalog) -> Vec<&'static str> {
    OWASP
        .iter()
        .filter(|(id, _)| {
            !catalog
                .threats
                .iter()
                .any(|t| t.owasp.iter().any(|o| o == id))
        })
        .map(|(id, _)| *id)
        .collect()
}

fn threats_and_controls(catalog: &Catalog, problems: &mut Vec<String>) {
    let mut named = BTreeSet::new();
    for threat in &catalog.threats {
        if threat.controls.is_empty() {
            problems.push(format!("{}: the threat has no control", threat.id));
        }
        if threat.attacks.is_empty() {
            problems.push(format!("{}: the threat has no attack example", threat.id));
        }
        for id in &threat.controls {
            if !catalog.contains(id) {
                problems.push(format!(
                    "{}: names control {id}, which the catalog does not define",
                    threat.id
                ));
            }
            named.insert(id.as_str());
        }
        if threat.owasp.is_empty() {
            problems.push(format!("{}: no OWASP API Top 10 category", threat.id));
        }
        for category in &threat.owasp {
            if !OWASP.iter().any(|(id, _)| id == category) {
                problems.push(format!(
                    "{}: {category} is not an OWASP API Security Top 10 (2023) category",
                    threat.id
                ));
            }
        }
    }
    for control in &catalog.controls {
        if !named.contains(control.id.as_str()) {
            problems.push(format!("{}: no threat names this control", control.id));
        }
    }
}

fn entry_shape(control: &str, vendor: Vendor, entry: &Verification, problems: &mut Vec<String>) {
    let name = vendor.as_str();
    let blank = |reason: &Option<String>| reason.as_deref().is_some_and(|r| r.trim().is_empty());
    if blank(&entry.not_applicable) || blank(&entry.unverified) {
        problems.push(format!("{control}, {name}: a reason is empty"));
    }
    let verified = !entry.rules.is_empty() || !entry.checks.is_empty();
    match (&entry.not_applicable, &entry.unverified) {
        (Some(_), Some(_)) => problems.push(format!(
            "{control}, {name}: both not_applicable and unverified; keep one"
        )),
        (Some(_), None) if verified => problems.push(format!(
            "{control}, {name}: not applicable, yet rules or checks are listed"
        )),
        (None, Some(_)) if verified => problems.push(format!(
            "{control}, {name}: unverified, yet rules or checks are listed; drop the reason"
        )),
        (None, None) if !verified => problems.push(format!(
            "{control}, {name}: no rule, no check and no reason"
        )),
        _ => {}
    }
}

fn implementation(
    blueprints: &Blueprints,
    control: &str,
    vendor: Vendor,
    entry: &Verification,
    problems: &mut Vec<String>,
) {
    let Some(manifest) = blueprints.vendor_manifest(vendor) else {
        return;
    };
    for m in &blueprints.manifests {
        if m.vendor.is_some_and(|v| v != vendor) {
            continue;
        }
        for file in m
            .files
            .iter()
            .filter(|f| f.controls.iter().any(|c| c == control))
        {
            let template = m.template_path(file);
            if blueprints.files.get(&template).is_none() {
                problems.push(format!(
                    "{control}, {}: {} names template {template}, which does not exist",
                    vendor.as_str(),
                    m.name
                ));
            }
        }
    }
    let files = declared_files(blueprints, control, vendor);
    match (&entry.not_applicable, files.is_empty()) {
        (None, true) => problems.push(format!(
            "{control}, {}: no file of manifest {} or a shared manifest implements it, and no \
             not_applicable reason says why",
            vendor.as_str(),
            manifest.name
        )),
        (Some(_), false) => problems.push(format!(
            "{control}, {}: declared not applicable, yet {} implements it",
            vendor.as_str(),
            files.join(", ")
        )),
        _ => {}
    }
}

fn rule_ids(
    control: &str,
    vendor: Vendor,
    entry: &Verification,
    rules: &[Known],
    problems: &mut Vec<String>,
) {
    for id in &entry.rules {
        match rules.iter().find(|r| &r.id == id) {
            None => problems.push(format!(
                "{control}, {}: audit rule {id} does not exist",
                vendor.as_str()
            )),
            Some(rule) => {
                if rule.control != control {
                    problems.push(format!(
                        "{control}, {}: audit rule {id} verifies {} by its own metadata",
                        vendor.as_str(),
                        rule.control
                    ));
                }
                if rule.vendor.is_some_and(|v| v != vendor) {
                    problems.push(format!(
                        "{control}, {}: audit rule {id} reads only {} files",
                        vendor.as_str(),
                        rule.vendor.map_or("", Vendor::as_str)
                    ));
                }
            }
        }
    }
}

fn check_ids(
    control: &str,
    entry: &Verification,
    checks: Option<&[Known]>,
    problems: &mut Vec<String>,
) {
    for id in &entry.checks {
        if !id.starts_with(PROBE_PREFIX) {
            problems.push(format!(
                "{control}: {id} is not a probe check ID (they start with {})",
                PROBE_PREFIX
            ));
        }
        let Some(checks) = checks else { continue };
        match checks.iter().find(|c| &c.id == id) {
            None => problems.push(format!("{control}: probe check {id} does not exist")),
            Some(check) if check.control != control => problems.push(format!(
                "{control}: probe check {id} verifies {} by its own metadata",
                check.control
            )),
            Some(_) => {}
        }
    }
}

/// Every rule must appear under its own control: for a vendor's rule, under
/// that vendor unless the control does not apply there; for a rule that
/// reads any vendor's files, under at least one vendor.
fn rules_listed(catalog: &Catalog, rules: &[Known], problems: &mut Vec<String>) {
    for rule in rules {
        let Some(control) = catalog.get(&rule.control) else {
            problems.push(format!(
                "audit rule {} names control {}, which the catalog does not define",
                rule.id, rule.control
            ));
            continue;
        };
        let listed = |entry: &Verification| entry.rules.iter().any(|r| r == &rule.id);
        match rule.vendor {
            Some(vendor) => {
                let entry = control.verification.get(vendor.as_str());
                if entry.is_some_and(|e| e.not_applicable.is_none() && !listed(e)) {
                    problems.push(format!(
                        "audit rule {} is not listed under {}, {}",
                        rule.id,
                        control.id,
                        vendor.as_str()
                    ));
                }
            }
            None => {
                if !control.verification.values().any(listed) {
                    problems.push(format!(
                        "audit rule {} is not listed under {} for any vendor",
                        rule.id, control.id
                    ));
                }
            }
        }
    }
}

fn checks_listed(catalog: &Catalog, checks: &[Known], problems: &mut Vec<String>) {
    for check in checks {
        let listed = catalog.get(&check.control).is_some_and(|c| {
            c.verification
                .values()
                .any(|e| e.checks.contains(&check.id))
        });
        if !listed {
            problems.push(format!(
                "probe check {} is not listed under {} for any vendor",
                check.id, check.control
            ));
        }
    }
}
