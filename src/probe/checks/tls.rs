//! TLS versions: the configured minimum works, older versions are refused.

use super::{Check, Planned, Session, Verdict, finding, skip_for};
use crate::answers::TlsVersion;
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::Context;
use crate::probe::hello::{Legacy, Reply};
use crate::probe::tls::{Failure, Offer};

static MODERN_META: RuleMeta = RuleMeta {
    id: "probe-tls-modern",
    title: "The configured minimum TLS version works and older modern versions are refused",
    severity: Severity::High,
    confidence: Confidence::High,
    control: "GK-TLS-01",
    owasp: Owasp::Api8,
    rationale: "Clients must be able to connect with the minimum TLS version the answers set, \
        using forward-secret AEAD cipher suites; with a 1.3 minimum, TLS 1.2 must be refused.",
    fix: "Set the listener's protocols to the answers' minimum and later (NGINX `ssl_protocols \
        TLSv1.2 TLSv1.3`), with ECDHE AEAD cipher suites.",
};

static LEGACY_META: RuleMeta = RuleMeta {
    id: "probe-tls-legacy",
    title: "TLS 1.0 and 1.1 are refused",
    severity: Severity::High,
    confidence: Confidence::High,
    control: "GK-TLS-01",
    owasp: Owasp::Api8,
    rationale: "TLS 1.0 and 1.1 lack AEAD cipher suites and are deprecated by RFC 8996; a \
        gateway that still negotiates them lets a downgraded client use weak cryptography.",
    fix: "Remove TLSv1 and TLSv1.1 from the listener's protocols, and do not lower the OpenSSL \
        security level (`@SECLEVEL=0`) to let them through.",
};

/// `probe-tls-modern`.
pub const MODERN: Check = Check {
    meta: &MODERN_META,
    plan: plan_modern,
    run: run_modern,
};

/// `probe-tls-legacy`.
pub const LEGACY: Check = Check {
    meta: &LEGACY_META,
    plan: plan_legacy,
    run: run_legacy,
};

fn minimum(context: &Context) -> TlsVersion {
    context
        .answers
        .as_ref()
        .map_or(TlsVersion::V1_2, |a| a.tls.min_version)
}

fn plan_modern(context: &Context) -> Result<Vec<Planned>, String> {
    let host = context.target.authority(context.target.port, 0);
    let mut plan = Vec::new();
    match minimum(context) {
        TlsVersion::V1_2 => plan.push(Planned::one(Port::Https, "TLS 1.2 handshake", &host)),
        TlsVersion::V1_3 => {
            plan.push(Planned::one(Port::Https, "TLS 1.3 handshake", &host));
            plan.push(
                Planned::one(Port::Https, "TLS 1.2 handshake", &host).note("must be refused"),
            );
        }
    }
    Ok(plan)
}

fn run_modern(session: &mut Session, context: &Context) -> Verdict {
    let url = context.target.url("/");
    let (required, required_name) = match minimum(context) {
        TlsVersion::V1_2 => (Offer::Tls12, "TLS 1.2"),
        TlsVersion::V1_3 => (Offer::Tls13, "TLS 1.3"),
    };
    let mut findings = Vec::new();
    match session.client.handshake(required) {
        Ok(()) => {}
        Err(SendError::Handshake(Failure::Refused(why))) => findings.push(finding(
            &MODERN_META,
            &url,
            format!(
                "A {required_name} handshake with forward-secret AEAD cipher suites was refused \
                 ({why})."
            ),
            required_name,
        )),
        Err(error) => return skip_for(&error),
    }
    if minimum(context) == TlsVersion::V1_3 {
        match session.client.handshake(Offer::Tls12) {
            Ok(()) => findings.push(finding(
                &MODERN_META,
                &url,
                "A TLS 1.2 handshake succeeded although the answers set TLS 1.3 as the minimum."
                    .to_string(),
                "TLS 1.2 below minimum",
            )),
            Err(SendError::Handshake(Failure::Refused(_))) => {}
            Err(error) => return skip_for(&error),
        }
    }
    super::verdict(findings)
}

fn plan_legacy(context: &Context) -> Result<Vec<Planned>, String> {
    let host = context.target.authority(context.target.port, 0);
    Ok([Legacy::Tls10, Legacy::Tls11]
        .iter()
        .map(|v| {
            Planned::one(Port::Https, &format!("{} ClientHello", v.name()), &host)
                .note("handshake stops at the ServerHello")
        })
        .collect())
}

fn run_legacy(session: &mut Session, context: &Context) -> Verdict {
    let url = context.target.url("/");
    let mut findings = Vec::new();
    let mut untested = Vec::new();
    let mut refused = Vec::new();
    for version in [Legacy::Tls10, Legacy::Tls11] {
        match session.client.legacy_hello(version) {
            Ok(Reply::Accepted(why)) => findings.push(finding(
                &LEGACY_META,
                &url,
                format!("{} is accepted: {why}.", version.name()),
                version.name(),
            )),
            Ok(Reply::Refused(_)) => refused.push(version.name()),
            Ok(Reply::Unclear(why)) => {
                untested.push(format!("{} not tested: {why}", version.name()))
            }
            Err(error) => untested.push(format!("{} not tested: {error}", version.name())),
        }
    }
    if !findings.is_empty() {
        return Verdict::Fail(findings);
    }
    if !untested.is_empty() {
        let mut reason = untested.join("; ");
        if !refused.is_empty() {
            reason = format!("{} refused; {reason}", refused.join(" and "));
        }
        return Verdict::Skip(reason);
    }
    Verdict::Pass
}
