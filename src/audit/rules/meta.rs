//! Rules about gatekit's own inputs: suppressions.

use super::{Rule, Target};
use crate::audit::document::Workspace;
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

/// A suppression must say why; the findings are added by the engine.
pub static SUPPRESSION_WITHOUT_REASON: Rule = Rule {
    meta: RuleMeta {
        id: "suppression-without-reason",
        title: "Suppression gives no reason",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CI-01",
        owasp: Owasp::Api8,
        rationale: "A suppression hides a security finding from every later review. Without a \
            reason, nobody can tell an accepted risk from a silenced one, so gatekit ignores the \
            suppression and reports it.",
        fix: "Add the reason after the rule ID: `# gatekit-ignore RULE-ID: why this is acceptable`, \
            or fill in the `reason` of the baseline entry.",
    },
    target: Target::Any,
    check: no_check,
};

fn no_check(_: &Workspace, _: &mut Vec<Finding>) {}

/// Rules in this family.
pub static RULES: &[&Rule] = &[&SUPPRESSION_WITHOUT_REASON];
