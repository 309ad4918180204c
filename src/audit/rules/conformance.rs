//! Blueprint conformance: inside a repository gatekit generated, compare
//! each generated gateway file with a fresh render of the recorded answers
//! and report every control the file no longer keeps.
//!
//! The comparison is semantic (see `facts`), so comments, key order and
//! formatting never matter; only a weaker route, limit, TLS floor or a
//! removed plugin does.

use std::path::Path;

use super::facts::{self, Fact, Facts, Kind, Value};
use super::{Rule, Target};
use crate::audit::detect::{self, Loaded};
use crate::audit::document::Workspace;
use crate::audit::source::SourceFile;
use crate::blueprint::SourceSpec;
use crate::finding::{Confidence, Finding, Location, Owasp, RuleMeta, Severity};
use crate::record::RECORD_PATH;

const FIX: &str = "Restore the generated setting (`gatekit render --check` shows the difference), or change the \
    answer with `gatekit update --set KEY=VALUE` so the blueprint regenerates the file.";

pub static ROUTE_PUBLIC: Rule = Rule {
    meta: RuleMeta {
        id: "conformance-route-public",
        title: "Route the blueprint protected no longer requires authentication",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "The answers mark this route as private and the generated file authenticated \
            it; the edited file lets requests through without credentials.",
        fix: FIX,
    },
    target: Target::Any,
    check: check_all,
};

pub static LIMIT_RAISED: Rule = Rule {
    meta: RuleMeta {
        id: "conformance-limit-raised",
        title: "Limit raised above what the answers allow",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-RATE-01",
        owasp: Owasp::Api4,
        rationale: "The generated file enforced the rate or size limit from the answers; the \
            edited file allows more, so the limit the team agreed on no longer holds.",
        fix: FIX,
    },
    target: Target::Any,
    check: no_check,
};

pub static TLS_LOWERED: Rule = Rule {
    meta: RuleMeta {
        id: "conformance-tls-lowered",
        title: "Minimum TLS version lowered below the answers",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "The generated file accepted only the TLS versions the answers allow; the \
            edited file accepts older ones.",
        fix: FIX,
    },
    target: Target::Any,
    check: no_check,
};

pub static CONTROL_REMOVED: Rule = Rule {
    meta: RuleMeta {
        id: "conformance-control-removed",
        title: "Control the blueprint generated was removed or turned off",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CI-01",
        owasp: Owasp::Api8,
        rationale: "A plugin, filter or setting that the blueprint generated to implement a \
            control is gone or off in the edited file. The finding names the control it \
            implemented.",
        fix: FIX,
    },
    target: Target::Any,
    check: no_check,
};

pub static SCOPE_WIDENED: Rule = Rule {
    meta: RuleMeta {
        id: "conformance-scope-widened",
        title: "Allowlist widened beyond the answers",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-AUTHZ-01",
        owasp: Owasp::Api5,
        rationale: "The generated file allowed only the methods, origins or proxies listed in the \
            answers; the edited file allows more.",
        fix: FIX,
    },
    target: Target::Any,
    check: no_check,
};

/// All conformance findings are produced by one pass, listed under the
/// first rule; the other rules only carry metadata.
fn no_check(_: &Workspace, _: &mut Vec<Finding>) {}

fn check_all(workspace: &Workspace, out: &mut Vec<Finding>) {
    for root in &workspace.roots {
        if root.join(RECORD_PATH).is_file() {
            check_repository(root, out);
        }
    }
}

fn check_repository(root: &Path, out: &mut Vec<Finding>) {
    let record = root.join(RECORD_PATH);
    let sources = crate::answers::Sources {
        file: Some(record),
        ..Default::default()
    };
    let loaded = match crate::answers::load(&sources) {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::warn!("blueprint conformance skipped: {error}");
            return;
        }
    };
    let origin = loaded
        .record
        .as_ref()
        .map_or("builtin", |r| r.blueprints.source.as_str());
    let spec = SourceSpec::parse(Some(origin));
    let pristine = crate::generate::load_blueprints(&spec).and_then(|(blueprints, origin)| {
        crate::generate::generate(&blueprints, &origin, &loaded.answers)
    });
    let pristine = match pristine {
        Ok(generated) => generated,
        Err(error) => {
            tracing::warn!(
                "blueprint conformance skipped: cannot render the recorded answers: {error}"
            );
            return;
        }
    };
    for (path, file) in &pristine.tree.files {
        let on_disk = root.join(path);
        let Ok(current) = std::fs::read_to_string(&on_disk) else {
            continue;
        };
        let generated = String::from_utf8_lossy(&file.bytes).to_string();
        compare_file(root, path, &generated, &current, out);
    }
}

fn compare_file(root: &Path, path: &str, generated: &str, current: &str, out: &mut Vec<Finding>) {
    let disk = root.join(path);
    let parse =
        |text: &str| match detect::load(SourceFile::new(path, text.to_string()), &disk, root) {
            Loaded::Document(document) => Some(facts::extract(&document.content)),
            _ => None,
        };
    let (Some(before), Some(after)) = (parse(generated), parse(current)) else {
        return;
    };
    for fact in &before.facts {
        if let Some(finding) = weakened(path, fact, &after) {
            out.push(finding);
        }
    }
}

fn weakened(path: &str, promised: &Fact, current: &Facts) -> Option<Finding> {
    let now = current.facts.iter().find(|f| f.key == promised.key);
    let scope_pos = current.scope_pos(&promised.scope)?;
    let (rule, message, pos) = match (
        promised.kind,
        &promised.value,
        now.map(|f| (&f.value, f.pos)),
    ) {
        (Kind::Auth, Value::Flag(true), None | Some((Value::Flag(false), _))) => (
            &ROUTE_PUBLIC,
            format!("{} no longer requires authentication", promised.scope),
            now.map_or(scope_pos, |f| f.pos),
        ),
        (Kind::Control, Value::Flag(true), None) => (
            &CONTROL_REMOVED,
            format!("{} was removed", promised.label),
            scope_pos,
        ),
        (Kind::Control, Value::Flag(true), Some((Value::Flag(false), pos))) => {
            (&CONTROL_REMOVED, format!("{} is off", promised.label), pos)
        }
        (Kind::Limit, Value::Number(was), Some((Value::Number(is), pos))) if is > was => (
            &LIMIT_RAISED,
            format!("{} raised from {was} to {is}", promised.label),
            pos,
        ),
        (Kind::TlsMin, Value::Number(was), Some((Value::Number(is), pos))) if is < was => (
            &TLS_LOWERED,
            format!(
                "{} lowered from TLS {was:.1} to TLS {is:.1}",
                promised.label
            ),
            pos,
        ),
        (Kind::Allowed, Value::Set(was), Some((Value::Set(is), pos))) if !is.is_subset(was) => {
            let added: Vec<&str> = is.difference(was).map(String::as_str).collect();
            (
                &SCOPE_WIDENED,
                format!("{} now also allows {}", promised.label, added.join(", ")),
                pos,
            )
        }
        _ => return None,
    };
    let finding = Finding::builder(&rule.meta)
        .at(
            Location::file(path, pos.line, pos.col),
            format!("{message} (control {})", promised.control),
        )
        .control(promised.control)
        .context(promised.key.clone())
        .build();
    Some(finding)
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &ROUTE_PUBLIC,
    &LIMIT_RAISED,
    &TLS_LOWERED,
    &CONTROL_REMOVED,
    &SCOPE_WIDENED,
];
