//! The probe checks: one file per family, each check with a stable ID, the
//! control it verifies, a plan of the requests it sends (printed by
//! `--dry-run`, and compared with the request cap before it runs) and the
//! run itself.

mod admin;
mod auth;
mod body;
mod cors;
mod disclosure;
mod methods;
mod paths;
mod rate;
mod tls;
mod transport;

use std::fmt;

use super::client::{Client, Port, SendError};
use super::context::Context;
use super::http::Response;
use crate::finding::{Finding, RuleMeta};

/// A probe check.
#[derive(Debug)]
pub struct Check {
    /// ID, title, control and advice.
    pub meta: &'static RuleMeta,
    /// The requests the check will send at most, or why it cannot run.
    pub plan: fn(&Context) -> Result<Vec<Planned>, String>,
    /// Sends the requests and judges the responses.
    pub run: fn(&mut Session, &Context) -> Verdict,
}

/// One planned request, or a group of alike requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Where it goes.
    pub port: Port,
    /// Method, or a protocol step such as `TLS 1.2 handshake`.
    pub method: String,
    /// Request target.
    pub target: String,
    /// What is special about it: headers, body, credential.
    pub note: String,
    /// How many requests at most.
    pub count: u32,
}

impl Planned {
    /// One request with no note.
    pub fn one(port: Port, method: &str, target: &str) -> Planned {
        Planned {
            port,
            method: method.to_string(),
            target: target.to_string(),
            note: String::new(),
            count: 1,
        }
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Planned {
        self.note = note.into();
        self
    }

    /// Sets how many alike requests this stands for.
    pub fn times(mut self, count: u32) -> Planned {
        self.count = count;
        self
    }
}

impl fmt::Display for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = match self.port {
            Port::Https => "https".to_string(),
            Port::Plain(p) => format!("http port {p}"),
            Port::Admin { port, tls: false } => format!("admin port {port}, http"),
            Port::Admin { port, tls: true } => format!("admin port {port}, https"),
        };
        if self.count > 1 {
            write!(f, "up to {} x ", self.count)?;
        }
        write!(f, "{} {} ({port})", self.method, self.target)?;
        if !self.note.is_empty() {
            write!(f, ": {}", self.note)?;
        }
        Ok(())
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The control holds.
    Pass,
    /// The control does not hold; at least one finding.
    Fail(Vec<Finding>),
    /// The check could not decide, with the reason.
    Skip(String),
}

/// What the first rate-limit burst left for the spoofed-address check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurstResult {
    /// Whether the burst got a 429.
    pub limited: bool,
}

/// The client plus what checks pass on to later checks.
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub client: Client,
    /// Set by the rate-limit check.
    pub burst: Option<BurstResult>,
    /// Protected routes that answered a request without credentials, set
    /// by `probe-auth-required`; `None` when it did not run.
    pub open_routes: Option<Vec<String>>,
}

impl Session {
    /// A session that no check has run in yet.
    pub fn new(client: Client) -> Session {
        Session {
            client,
            burst: None,
            open_routes: None,
        }
    }
}

/// Every check, in run order. The rate-limit checks come last, because
/// their bursts leave the probe's address rate limited for a while.
pub static CHECKS: [Check; 16] = [
    tls::MODERN,
    tls::LEGACY,
    transport::PLAINTEXT,
    transport::HSTS,
    auth::REQUIRED,
    auth::INVALID_TOKEN,
    paths::NORMALISATION,
    methods::METHODS,
    cors::ORIGIN,
    body::LIMIT,
    disclosure::VERSION,
    disclosure::ERROR_DETAIL,
    admin::STATUS_PAGE,
    admin::ADMIN_API,
    rate::LIMIT,
    rate::SPOOFED_IP,
];

/// Every check's metadata, in run order.
pub fn metas() -> Vec<&'static RuleMeta> {
    CHECKS.iter().map(|c| c.meta).collect()
}

/// The reason a check stops when a request could not be sent or answered.
pub fn skip_for(error: &SendError) -> Verdict {
    Verdict::Skip(match error {
        SendError::Budget(e) => format!("stopped: {e}"),
        other => format!("no usable response: {other}"),
    })
}

/// The reason a check stops when the gateway rate limited it.
pub fn rate_limited(url: &str) -> Verdict {
    Verdict::Skip(format!(
        "the gateway answered 429 at {url} before the check could decide; rerun later or \
         with a higher limit for the probe's address"
    ))
}

/// Starts a finding for `meta` at `url`, fingerprinted by the URL and
/// `context`.
pub fn finding(meta: &'static RuleMeta, url: &str, message: String, context: &str) -> Finding {
    Finding::builder(meta)
        .at(crate::finding::Location::url(url), message)
        .context(context)
        .build()
}

/// Returns true for the statuses that mean "authentication required" or
/// "forbidden".
pub fn is_denied(response: &Response) -> bool {
    matches!(response.status, 401 | 403)
}

/// Turns findings into a verdict.
pub fn verdict(findings: Vec<Finding>) -> Verdict {
    if findings.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::PROBE_PREFIX;

    #[test]
    fn ids_are_unique_and_prefixed() {
        let mut ids: Vec<&str> = CHECKS.iter().map(|c| c.meta.id).collect();
        for id in &ids {
            assert!(id.starts_with(PROBE_PREFIX), "{id}");
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
    }

    #[test]
    fn rate_limit_checks_run_last() {
        let last: Vec<&str> = CHECKS[CHECKS.len() - 2..]
            .iter()
            .map(|c| c.meta.id)
            .collect();
        assert_eq!(last, ["probe-rate-limit", "probe-rate-limit-spoofed-ip"]);
    }
}
