//! `gatekit probe`: a small, bounded set of requests to a running gateway,
//! judged against the controls its answers say it enforces.
//!
//! The target URL is resolved once and every connection goes to that
//! address (`target`); every request is taken from a hard budget of
//! requests and time before it is sent (`budget`); requests go through a
//! small HTTP/1.1 client that sends targets byte for byte and follows no
//! redirect (`client`, `http`, `tls`); TLS 1.0 and 1.1 are offered with a
//! hand-written ClientHello (`hello`). Each check in `checks/` plans its
//! requests, and a check whose plan does not fit in what is left of the
//! budget is skipped rather than cut short.

pub mod budget;
pub mod checks;
pub mod client;
pub mod context;
pub mod credential;
pub mod hello;
pub mod http;
pub mod limits;
pub mod target;
pub mod tls;

mod dry_run;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::answers::Answers;
use crate::finding::{Finding, Skipped};
use budget::Budget;
use checks::{CHECKS, Session, Verdict};
use client::{Client, Port, SendError};
use context::Context;
use credential::Credential;
use target::{Pinned, Resolver, Target};
use tls::{Configs, Failure, Trust};

pub use dry_run::dry_run;

/// Spacing of requests when no answers file sets a rate limit to stay
/// under: five requests a second.
const DEFAULT_PACE: Duration = Duration::from_millis(200);

/// Target and limits of one probe run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The target URL, `https` only.
    pub url: String,
    /// The gateway's answers file, which sets the controls to expect.
    pub answers: Option<Answers>,
    /// Certificates to trust.
    pub trust: Trust,
    /// Credential for checks that need an authenticated request.
    pub credential: Option<Credential>,
    /// Maximum number of requests the run may send.
    pub max_requests: u32,
    /// Maximum duration of the run.
    pub max_time: Duration,
    /// Plaintext HTTP port on the target host.
    pub http_port: u16,
    /// Admin ports on the target host.
    pub admin_ports: Vec<u16>,
    /// The address to connect to instead of resolving the host.
    pub address: Option<IpAddr>,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Findings of the failed checks.
    pub findings: Vec<Finding>,
    /// Checks that reached no verdict.
    pub skipped: Vec<Skipped>,
    /// IDs of the checks that passed.
    pub passed: Vec<&'static str>,
    /// The address every request went to.
    pub address: IpAddr,
    /// Requests sent, TLS handshakes and ClientHellos included.
    pub requests: u32,
    /// How long the run took.
    pub elapsed: Duration,
}

/// Errors that stop a probe before or at its first request.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The target URL is not one the probe accepts.
    #[error("invalid target URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Reason the value is invalid.
        reason: String,
    },
    /// An option is out of range.
    #[error("{0}")]
    InvalidOption(String),
    /// The host name did not resolve.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The host.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// Nothing answers on the target port.
    #[error("cannot connect to {address} port {port}: {source}; is the gateway running?")]
    Unreachable {
        /// The pinned address.
        address: IpAddr,
        /// The port.
        port: u16,
        /// The connection error.
        source: std::io::Error,
    },
    /// The server's certificate is not trusted.
    #[error(
        "the certificate of {host} is not trusted ({reason}); pass its CA with --ca-cert FILE, \
         or --insecure for a lab target"
    )]
    Certificate {
        /// The host.
        host: String,
        /// rustls's reason.
        reason: String,
    },
    /// The `--ca-cert` file is unusable.
    #[error("--ca-cert {}: {message}", path.display())]
    CaCert {
        /// The file.
        path: PathBuf,
        /// Reason the value is invalid.
        message: String,
    },
    /// The credential source is unusable; the value is never shown.
    #[error("credential from {origin}: {message}")]
    Credential {
        /// Source of the credential.
        origin: String,
        /// Reason the value is invalid.
        message: String,
    },
    /// The credential file could not be read.
    #[error("cannot read credential file {}: {source}", path.display())]
    CredentialRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// Checks the limits in `options`.
fn validate(options: &Options) -> Result<Target, ProbeError> {
    if options.max_requests == 0 {
        return Err(ProbeError::InvalidOption(
            "--max-requests must be at least 1".to_string(),
        ));
    }
    if options.max_time.is_zero() {
        return Err(ProbeError::InvalidOption(
            "--max-time must be at least 1 second".to_string(),
        ));
    }
    let target = Target::parse(&options.url)?;
    let clash = options
        .admin_ports
        .iter()
        .chain(std::iter::once(&options.http_port))
        .find(|p| **p == target.port);
    if let Some(port) = clash {
        return Err(ProbeError::InvalidOption(format!(
            "port {port} is both the target's HTTPS port and the plaintext or an admin port; \
             set --http-port and --admin-ports to the gateway's other ports"
        )));
    }
    Ok(target)
}

/// Builds the context of a run; `nonce` marks its requests.
fn context(options: &Options, target: Target, nonce: String) -> Context {
    Context::new(
        target,
        options.answers.clone(),
        options.credential.clone(),
        options.http_port,
        options.admin_ports.clone(),
        nonce,
    )
}

/// Spacing of ordinary requests: 80 % of the tightest configured rate, so
/// the checks before the rate-limit burst never trip the limit themselves.
fn pace(answers: Option<&Answers>) -> Duration {
    let Some(answers) = answers else {
        return DEFAULT_PACE;
    };
    let mut rate = answers.rate_limit.per_second;
    if answers.rate_limit.global_per_second > 0 {
        rate = rate.min(answers.rate_limit.global_per_second);
    }
    if rate == 0 {
        return DEFAULT_PACE;
    }
    Duration::from_secs_f64(1.25 / f64::from(rate))
}

/// Runs every check against the target.
pub fn probe(options: &Options, resolver: &mut dyn Resolver) -> Result<Outcome, ProbeError> {
    let started = Instant::now();
    let target = validate(options)?;
    let configs = Configs::new(&options.trust)?;
    let mut extra_ports = vec![options.http_port];
    extra_ports.extend_from_slice(&options.admin_ports);
    let pinned = match options.address {
        Some(address) => Pinned::fixed(address, &target, &extra_ports),
        None => Pinned::resolve(&target, &extra_ports, resolver)?,
    };
    let address = pinned.address;
    let budget = Budget::new(
        options.max_requests,
        options.max_time,
        pace(options.answers.as_ref()),
    );
    let client = Client::new(target.clone(), pinned, configs, budget);
    let mut session = Session::new(client);
    let context = context(options, target.clone(), nonce());
    preflight(&mut session, &target, address)?;

    let mut outcome = Outcome {
        findings: Vec::new(),
        skipped: Vec::new(),
        passed: Vec::new(),
        address,
        requests: 0,
        elapsed: Duration::ZERO,
    };
    for check in &CHECKS {
        let verdict = match (check.plan)(&context) {
            Err(reason) => Verdict::Skip(reason),
            Ok(plan) => {
                let needed: u32 = plan.iter().map(|p| p.count).sum();
                let left = session.client.budget.remaining();
                if needed > left {
                    Verdict::Skip(format!(
                        "needs up to {needed} requests, but only {left} of --max-requests are left"
                    ))
                } else {
                    (check.run)(&mut session, &context)
                }
            }
        };
        tracing::debug!(check = check.meta.id, verdict = ?verdict, "probe check done");
        match verdict {
            Verdict::Pass => outcome.passed.push(check.meta.id),
            Verdict::Fail(findings) => outcome.findings.extend(findings),
            Verdict::Skip(reason) => outcome.skipped.push(Skipped::new(check.meta, reason)),
        }
    }
    outcome.requests = session.client.budget.sent();
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// Fetches the target's own page first, so an unreachable gateway or an
/// untrusted certificate stops the run with one clear error instead of
/// sixteen skipped checks.
fn preflight(session: &mut Session, target: &Target, address: IpAddr) -> Result<(), ProbeError> {
    match session.client.get_cached(Port::Https, &target.path) {
        Ok(_) => Ok(()),
        Err(SendError::Connect(source)) => Err(ProbeError::Unreachable {
            address,
            port: target.port,
            source,
        }),
        Err(SendError::Handshake(Failure::Certificate(reason))) => Err(ProbeError::Certificate {
            host: target.host.clone(),
            reason,
        }),
        // Other failures are for the checks to report: a refused handshake
        // is what probe-tls-modern looks for.
        Err(error) => {
            tracing::debug!(error = %error, "preflight request failed");
            Ok(())
        }
    }
}

/// A random token that marks this run's requests.
fn nonce() -> String {
    let mut bytes = [0u8; 8];
    if rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .is_err()
    {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (now as u64).to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> Options {
        Options {
            url: url.to_string(),
            answers: None,
            trust: Trust::Public,
            credential: None,
            max_requests: 10,
            max_time: Duration::from_secs(10),
            http_port: 80,
            admin_ports: vec![8001],
            address: None,
        }
    }

    #[test]
    fn pace_stays_under_the_limit() {
        let mut answers = Answers::default();
        answers.rate_limit.per_second = 10;
        answers.rate_limit.global_per_second = 0;
        assert_eq!(pace(Some(&answers)), Duration::from_millis(125));
        answers.rate_limit.global_per_second = 4;
        assert_eq!(pace(Some(&answers)), Duration::from_secs_f64(1.25 / 4.0));
        assert_eq!(pace(None), DEFAULT_PACE);
    }

    #[test]
    fn zero_limits_are_rejected() {
        let mut zero_requests = options("https://127.0.0.1:8443/");
        zero_requests.max_requests = 0;
        assert!(validate(&zero_requests).is_err());
        let mut zero_time = options("https://127.0.0.1:8443/");
        zero_time.max_time = Duration::ZERO;
        assert!(validate(&zero_time).is_err());
    }

    #[test]
    fn ports_may_not_clash_with_the_target() {
        let clash = options("https://127.0.0.1:8001/");
        assert!(validate(&clash).is_err());
    }

    #[test]
    fn nonce_is_hex() {
        let value = nonce();
        assert_eq!(value.len(), 16);
        assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
