//! Plain HTTP and HSTS: the plaintext port redirects to HTTPS or refuses,
//! and HTTPS responses carry a year-long Strict-Transport-Security.

use super::{Check, Planned, Session, Verdict, finding, skip_for};
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::Context;
use crate::probe::http::{HttpError, Request, Response};

/// Shortest HSTS `max-age` accepted, in seconds: one year, the value
/// browsers' preload lists require.
pub const MIN_HSTS_AGE: u64 = 31_536_000;

static PLAINTEXT_META: RuleMeta = RuleMeta {
    id: "probe-plaintext-redirect",
    title: "Plain HTTP is redirected to HTTPS or refused",
    severity: Severity::High,
    confidence: Confidence::High,
    control: "GK-TLS-02",
    owasp: Owasp::Api8,
    rationale: "A request answered over plain HTTP travels readable and alterable, credentials \
        included; the plaintext port may only redirect to HTTPS, refuse, or be closed.",
    fix: "Make the plaintext listener return 301 or 308 to the https URL for every path, or \
        close the port.",
};

static HSTS_META: RuleMeta = RuleMeta {
    id: "probe-hsts",
    title: "HTTPS responses carry Strict-Transport-Security for at least a year",
    severity: Severity::Medium,
    confidence: Confidence::High,
    control: "GK-TLS-02",
    owasp: Owasp::Api8,
    rationale: "Without HSTS a browser's first request may go over plain HTTP, where an \
        attacker on the path can keep the client off HTTPS.",
    fix: "Send `Strict-Transport-Security: max-age=63072000` on every response, errors \
        included (NGINX `add_header ... always`).",
};

/// `probe-plaintext-redirect`.
pub const PLAINTEXT: Check = Check {
    meta: &PLAINTEXT_META,
    plan: plan_plaintext,
    run: run_plaintext,
};

/// `probe-hsts`.
pub const HSTS: Check = Check {
    meta: &HSTS_META,
    plan: plan_hsts,
    run: run_hsts,
};

/// The target's own path and the first protected route.
fn paths(context: &Context) -> Vec<String> {
    let mut paths = vec![context.target.path.clone()];
    if let Some(route) = context.protected().first() {
        paths.push(route.path.clone());
    }
    if let Some(route) = context.public().first() {
        paths.push(route.path.clone());
    }
    paths.dedup();
    paths
}

fn plan_plaintext(context: &Context) -> Result<Vec<Planned>, String> {
    let port = Port::Plain(context.http_port);
    Ok(paths(context)
        .iter()
        .map(|p| Planned::one(port, "GET", p))
        .collect())
}

fn run_plaintext(session: &mut Session, context: &Context) -> Verdict {
    let port = Port::Plain(context.http_port);
    let mut findings = Vec::new();
    for path in paths(context) {
        let url = session.client.url(port, &path);
        match session.client.send(port, &Request::new("GET", &path)) {
            Ok(response) => {
                if let Some(problem) = plaintext_problem(&response) {
                    findings.push(finding(&PLAINTEXT_META, &url, problem, &path));
                }
            }
            // A closed port, or a listener that hangs up, serves nothing.
            Err(error) if error.is_closed_port() => {}
            Err(SendError::Connect(_) | SendError::Http(HttpError::Closed)) => {}
            Err(error) => return skip_for(&error),
        }
    }
    super::verdict(findings)
}

/// Returns what is wrong with a plaintext response, if anything.
fn plaintext_problem(response: &Response) -> Option<String> {
    let status = response.status;
    match status {
        300..=399 => match response.header("location") {
            Some(location) if location.to_ascii_lowercase().starts_with("https://") => None,
            Some(location) => Some(format!(
                "Plain HTTP answers {status} with a redirect to `{location}`, which is not an \
                 https URL."
            )),
            None => Some(format!(
                "Plain HTTP answers {status} without a Location header."
            )),
        },
        400..=499 => None,
        _ => Some(format!(
            "Plain HTTP answers {status} instead of redirecting to HTTPS or refusing."
        )),
    }
}

fn plan_hsts(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(paths(context)
        .iter()
        .map(|p| Planned::one(Port::Https, "GET", p))
        .collect())
}

fn run_hsts(session: &mut Session, context: &Context) -> Verdict {
    let mut findings = Vec::new();
    for path in paths(context) {
        let url = session.client.url(Port::Https, &path);
        let response = match session.client.get_cached(Port::Https, &path) {
            Ok(response) => response,
            Err(error) => return skip_for(&error),
        };
        if response.status == 429 {
            return super::rate_limited(&url);
        }
        let status = response.status;
        match response.header("strict-transport-security") {
            None => findings.push(finding(
                &HSTS_META,
                &url,
                format!("The {status} response carries no Strict-Transport-Security header."),
                &path,
            )),
            Some(value) => match max_age(value) {
                Some(age) if age >= MIN_HSTS_AGE => {}
                _ => findings.push(
                    crate::finding::Finding::builder(&HSTS_META)
                        .at(
                            crate::finding::Location::url(&url),
                            format!(
                                "Strict-Transport-Security on the {status} response has a \
                                 max-age below one year ({MIN_HSTS_AGE} seconds)."
                            ),
                        )
                        .value(value)
                        .context(&path)
                        .build(),
                ),
            },
        }
    }
    super::verdict(findings)
}

/// Reads `max-age` from a Strict-Transport-Security value.
fn max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|part| {
        let (name, number) = part.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        number.trim().trim_matches('"').parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            closes: false,
        }
    }

    #[test]
    fn max_age_is_read() {
        assert_eq!(
            max_age("max-age=63072000; includeSubDomains"),
            Some(63_072_000)
        );
        assert_eq!(max_age("includeSubDomains; Max-Age=\"10\""), Some(10));
        assert_eq!(max_age("preload"), None);
    }

    #[test]
    fn plaintext_answers() {
        let redirect = response(301, &[("location", "https://gw.example.com/")]);
        assert_eq!(plaintext_problem(&redirect), None);
        let refused = response(400, &[]);
        assert_eq!(plaintext_problem(&refused), None);
        let served = response(200, &[]);
        assert!(plaintext_problem(&served).is_some());
        let to_http = response(302, &[("location", "http://gw.example.com/")]);
        assert!(plaintext_problem(&to_http).is_some());
    }
}
