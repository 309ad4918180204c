//! The finding model that `audit` and `probe` share, and the metadata of the
//! rules and checks that produce findings.
//!
//! A finding is built with [`Finding::builder`], which takes the rule and a
//! location before anything else, so no finding can exist without a place
//! to point at. Severity (how bad the problem is) and confidence (how sure
//! the rule is that it is a problem) are separate.

use std::fmt;

use serde::Serialize;

/// How bad a problem is if it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never a risk on its own.
    Info,
    /// Defence in depth.
    Low,
    /// Weakens a control.
    Medium,
    /// Defeats a control.
    High,
    /// Exposes the gateway or its credentials directly.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Returns the lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is that a match is a real problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often needs context the files do not hold.
    Low,
    /// Usually a problem.
    Medium,
    /// A problem whenever it matches.
    High,
}

impl Confidence {
    /// Returns the lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A category of the OWASP API Security Top 10 (2023).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Owasp {
    /// API1:2023 Broken Object Level Authorization.
    Api1,
    /// API2:2023 Broken Authentication.
    Api2,
    /// API3:2023 Broken Object Property Level Authorization.
    Api3,
    /// API4:2023 Unrestricted Resource Consumption.
    Api4,
    /// API5:2023 Broken Function Level Authorization.
    Api5,
    /// API6:2023 Unrestricted Access to Sensitive Business Flows.
    Api6,
    /// API7:2023 Server Side Request Forgery.
    Api7,
    /// API8:2023 Security Misconfiguration.
    Api8,
    /// API9:2023 Improper Inventory Management.
    Api9,
    /// API10:2023 Unsafe Consumption of APIs.
    Api10,
}

impl Owasp {
    /// Returns the category ID, such as `API8:2023`.
    pub fn id(self) -> &'static str {
        match self {
            Owasp::Api1 => "API1:2023",
            Owasp::Api2 => "API2:2023",
            Owasp::Api3 => "API3:2023",
            Owasp::Api4 => "API4:2023",
            Owasp::Api5 => "API5:2023",
            Owasp::Api6 => "API6:2023",
            Owasp::Api7 => "API7:2023",
            Owasp::Api8 => "API8:2023",
            Owasp::Api9 => "API9:2023",
            Owasp::Api10 => "API10:2023",
        }
    }

    /// Returns the category title.
    pub fn title(self) -> &'static str {
        match self {
            Owasp::Api1 => "Broken Object Level Authorization",
            Owasp::Api2 => "Broken Authentication",
            Owasp::Api3 => "Broken Object Property Level Authorization",
            Owasp::Api4 => "Unrestricted Resource Consumption",
            Owasp::Api5 => "Broken Function Level Authorization",
            Owasp::Api6 => "Unrestricted Access to Sensitive Business Flows",
            Owasp::Api7 => "Server Side Request Forgery",
            Owasp::Api8 => "Security Misconfiguration",
            Owasp::Api9 => "Improper Inventory Management",
            Owasp::Api10 => "Unsafe Consumption of APIs",
        }
    }
}

/// What a rule or probe check is: everything a reporter needs to describe
/// it, independent of any single finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable kebab-case ID: the docs anchor, the suppression token and
    /// the SARIF `ruleId`.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Default severity of its findings.
    pub severity: Severity,
    /// How sure a match is to be a real problem.
    pub confidence: Confidence,
    /// Control ID from the blueprint catalog that the rule verifies.
    pub control: &'static str,
    /// OWASP API Security Top 10 (2023) category.
    pub owasp: Owasp,
    /// Why the problem matters.
    pub rationale: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl RuleMeta {
    /// Returns the URL of the documentation: a page per audit rule, a
    /// section of the probe page per probe check.
    pub fn help_uri(&self) -> String {
        if self.id.starts_with(PROBE_PREFIX) {
            return format!("{PROBE_DOCS}#{}", self.id);
        }
        format!("{DOCS_BASE}/{}.md", self.id)
    }
}

/// Where rule documentation pages live.
pub const DOCS_BASE: &str = "https://github.com/gatekit/gatekit/blob/main/docs/rules";

/// The page that documents every probe check, one section per check ID.
pub const PROBE_DOCS: &str = "https://github.com/gatekit/gatekit/blob/main/docs/probe.md";

/// The prefix of every probe check ID, which no audit rule ID carries.
pub const PROBE_PREFIX: &str = "probe-";

/// A check that reached no verdict, and why. Only probe checks skip: an
/// audit rule always runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Check ID.
    pub rule_id: &'static str,
    /// Check title.
    pub title: &'static str,
    /// Control ID from the blueprint catalog that the check would verify.
    pub control: &'static str,
    /// Why the check reached no verdict, in one sentence.
    pub reason: String,
}

impl Skipped {
    /// Records that `rule` reached no verdict because of `reason`.
    pub fn new(rule: &'static RuleMeta, reason: impl Into<String>) -> Skipped {
        Skipped {
            rule_id: rule.id,
            title: rule.title,
            control: rule.control,
            reason: reason.into(),
        }
    }
}

/// Where a finding points: a file position, or a URL for probe checks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// File path relative to the audited root (with `/` separators), or a URL.
    pub uri: String,
    /// 1-based line, when the location is in a file.
    pub line: Option<usize>,
    /// 1-based column, when the location is in a file.
    pub column: Option<usize>,
}

impl Location {
    /// A position in a file.
    pub fn file(path: impl Into<String>, line: usize, column: usize) -> Location {
        Location {
            uri: path.into(),
            line: Some(line.max(1)),
            column: Some(column.max(1)),
        }
    }

    /// A URL, for findings about a running service.
    pub fn url(url: impl Into<String>) -> Location {
        Location {
            uri: url.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// One problem found by a rule or a probe check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule or check ID.
    pub rule_id: &'static str,
    /// Rule title.
    pub title: &'static str,
    /// Severity of this finding.
    pub severity: Severity,
    /// Confidence of this finding.
    pub confidence: Confidence,
    /// Control ID from the blueprint catalog.
    pub control: &'static str,
    /// OWASP API Security Top 10 (2023) category ID.
    pub owasp: &'static str,
    /// What is wrong here, in one sentence.
    pub message: String,
    /// Where.
    pub location: Location,
    /// The offending value, redacted when it is or looks like a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The source line, redacted like `value`; filled in by the engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Stable identity across runs: rule, file and a context key that does
    /// not depend on the line number.
    pub fingerprint: String,
    /// Text the engine must remove from the snippet because it is secret.
    #[serde(skip)]
    pub secret: Option<String>,
}

impl Finding {
    /// Starts a finding for `rule`; a location is required next.
    pub fn builder(rule: &'static RuleMeta) -> NeedsLocation {
        NeedsLocation { rule }
    }
}

/// First step of building a finding: the rule is known, the location not.
#[derive(Debug)]
pub struct NeedsLocation {
    rule: &'static RuleMeta,
}

impl NeedsLocation {
    /// Sets the location and the one-sentence message.
    pub fn at(self, location: Location, message: impl Into<String>) -> FindingBuilder {
        FindingBuilder {
            rule: self.rule,
            location,
            message: message.into(),
            severity: self.rule.severity,
            confidence: self.rule.confidence,
            control: self.rule.control,
            value: None,
            secret: None,
            context: String::new(),
        }
    }
}

/// A finding with its rule and location, ready for optional details.
#[derive(Debug)]
pub struct FindingBuilder {
    rule: &'static RuleMeta,
    location: Location,
    message: String,
    severity: Severity,
    confidence: Confidence,
    control: &'static str,
    value: Option<String>,
    secret: Option<String>,
    context: String,
}

impl FindingBuilder {
    /// Records the offending value as it appears in the file.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Records a secret value: the finding shows a redacted form only.
    pub fn secret_value(mut self, value: &str) -> Self {
        self.value = Some(redact(value));
        self.secret = Some(value.to_string());
        self
    }

    /// Overrides the rule's default severity for this finding.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Overrides the rule's default confidence for this finding.
    pub fn confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    /// Overrides the rule's control, for rules that check several controls.
    pub fn control(mut self, control: &'static str) -> Self {
        self.control = control;
        self
    }

    /// Names what the finding is about (a route, a setting) independently
    /// of its line, so the fingerprint survives unrelated edits above it.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = context.into();
        self
    }

    /// Finishes the finding.
    pub fn build(self) -> Finding {
        let context = if self.context.is_empty() {
            self.message.clone()
        } else {
            self.context
        };
        let fingerprint = crate::tree::digest(
            format!("{}\n{}\n{}", self.rule.id, self.location.uri, context).as_bytes(),
        );
        Finding {
            rule_id: self.rule.id,
            title: self.rule.title,
            severity: self.severity,
            confidence: self.confidence,
            control: self.control,
            owasp: self.rule.owasp.id(),
            message: self.message,
            location: self.location,
            value: self.value,
            snippet: None,
            fingerprint: fingerprint.trim_start_matches("sha256:")[..32].to_string(),
            secret: self.secret,
        }
    }
}

/// Shortens a secret so that reports never carry it: four characters of a
/// long value, none of a short one.
pub fn redact(value: &str) -> String {
    let count = value.chars().count();
    if count < 12 {
        return "****".to_string();
    }
    let shown: String = value.chars().take(4).collect();
    format!("{shown}****")
}

#[cfg(test)]
mod tests {
    use super::*;

    static RULE: RuleMeta = RuleMeta {
        id: "example-rule",
        title: "Example",
        severity: Severity::High,
        confidence: Confidence::Medium,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "",
        fix: "",
    };

    #[test]
    fn fingerprint_ignores_line() {
        let a = Finding::builder(&RULE)
            .at(Location::file("a.yaml", 3, 1), "m")
            .context("route x")
            .build();
        let b = Finding::builder(&RULE)
            .at(Location::file("a.yaml", 9, 5), "m")
            .context("route x")
            .build();
        assert_eq!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn secret_value_is_redacted() {
        let f = Finding::builder(&RULE)
            .at(Location::file("a.yaml", 1, 1), "m")
            .secret_value("supersecretpassword123")
            .build();
        assert_eq!(f.value.as_deref(), Some("supe****"));
        assert_eq!(redact("short"), "****");
    }

    #[test]
    fn probe_checks_link_to_the_probe_page() {
        let probe = RuleMeta {
            id: "probe-example",
            ..RULE.clone()
        };
        assert_eq!(
            probe.help_uri(),
            format!("{PROBE_DOCS}#probe-example"),
            "probe check"
        );
        assert_eq!(
            RULE.help_uri(),
            format!("{DOCS_BASE}/example-rule.md"),
            "audit rule"
        );
    }

    #[test]
    fn severities_order_low_to_high() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
    }
}
