//! The baseline: findings a team has accepted, each with a reason, stored
//! as JSON (`.gatekit/audit-baseline.json` by convention).
//!
//! ```json
//! {"version": 1, "accepted": [
//!   {"rule": "kong-route-without-auth", "path": "kong/kong.yaml",
//!    "fingerprint": "…", "reason": "health check, no data"}]}
//! ```
//!
//! Entries match on rule, path and fingerprint, so they survive edits that
//! move a line. An entry without a reason accepts nothing and is reported.

use std::path::Path;

use serde::Serialize;

use super::AuditError;
use super::rules::meta;
use crate::finding::{Finding, Location};
use crate::yaml::{self, Node, Pos};

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Rule ID.
    pub rule: String,
    /// File path as findings show it.
    pub path: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Why it is accepted.
    pub reason: String,
    /// Where the entry is in the baseline file.
    #[serde(skip)]
    pub pos: Pos,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Display path of the baseline file.
    pub path: String,
    /// Entries in file order.
    pub entries: Vec<Entry>,
}

impl Baseline {
    /// Loads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, AuditError> {
        let shown = path.display().to_string();
        let fail = |message: String| AuditError::Baseline {
            path: shown.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let root = yaml::parse_one(&text, super::detect::YAML_LIMITS)
            .map_err(|e| fail(format!("line {}: invalid JSON: {}", e.pos.line, e.message)))?;
        if root.get("version").and_then(Node::as_i64) != Some(1) {
            return Err(fail("expected \"version\": 1".to_string()));
        }
        let items = root
            .get("accepted")
            .and_then(Node::as_seq)
            .ok_or_else(|| fail("expected an \"accepted\" list".to_string()))?;
        let mut entries = Vec::new();
        for item in items {
            let field = |name: &str| {
                item.get(name)
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let entry = Entry {
                rule: field("rule"),
                path: field("path"),
                fingerprint: field("fingerprint"),
                reason: field("reason").trim().to_string(),
                pos: item.pos,
            };
            if entry.rule.is_empty() || entry.fingerprint.is_empty() {
                return Err(fail(format!(
                    "line {}: an entry needs \"rule\" and \"fingerprint\"",
                    item.pos.line
                )));
            }
            entries.push(entry);
        }
        Ok(Baseline {
            path: shown,
            entries,
        })
    }

    /// Builds a baseline that accepts `findings`, with empty reasons for a
    /// person to fill in.
    pub fn from_findings(findings: &[Finding]) -> String {
        let entries: Vec<Entry> = findings
            .iter()
            .filter(|f| f.rule_id != meta::SUPPRESSION_WITHOUT_REASON.meta.id)
            .map(|f| Entry {
                rule: f.rule_id.to_string(),
                path: f.location.uri.clone(),
                fingerprint: f.fingerprint.clone(),
                reason: String::new(),
                pos: Pos::default(),
            })
            .collect();
        let document = serde_json::json!({ "version": 1, "accepted": entries });
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Returns true when an entry with a reason accepts `finding`.
    pub fn accepts(&self, finding: &Finding) -> bool {
        self.entries.iter().any(|e| {
            !e.reason.is_empty()
                && e.rule == finding.rule_id
                && e.path == finding.location.uri
                && e.fingerprint == finding.fingerprint
        })
    }

    /// Returns a finding for every entry that gives no reason.
    pub fn entries_without_reason(&self) -> Vec<Finding> {
        self.entries
            .iter()
            .filter(|e| e.reason.is_empty())
            .map(|e| {
                Finding::builder(&meta::SUPPRESSION_WITHOUT_REASON.meta)
                    .at(
                        Location::file(self.path.clone(), e.pos.line, e.pos.col),
                        format!(
                            "baseline entry for {} in {} gives no reason, so it accepts nothing",
                            e.rule, e.path
                        ),
                    )
                    .context(format!("baseline {} {}", e.rule, e.fingerprint))
                    .build()
            })
            .collect()
    }
}
