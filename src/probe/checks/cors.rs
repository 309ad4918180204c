//! CORS: an origin the answers do not list is never allowed, least of all
//! with credentials.

use super::{Check, Planned, Session, Verdict, skip_for};
use crate::finding::{Confidence, Finding, Location, Owasp, RuleMeta, Severity};
use crate::probe::client::Port;
use crate::probe::context::Context;
use crate::probe::http::{Header, Request, Response};

static ORIGIN_META: RuleMeta = RuleMeta {
    id: "probe-cors-origin",
    title: "An arbitrary Origin is not allowed by CORS",
    severity: Severity::Medium,
    confidence: Confidence::High,
    control: "GK-CORS-01",
    owasp: Owasp::Api8,
    rationale: "A gateway that reflects any Origin, or answers `*`, lets every web site read \
        API responses from its visitors' browsers; with credentials allowed, it reads them as \
        the signed-in user.",
    fix: "Answer CORS requests only for the origins listed in the answers, compare the Origin \
        exactly, and never combine a wildcard or a reflected origin with \
        `Access-Control-Allow-Credentials: true`.",
};

/// `probe-cors-origin`.
pub const ORIGIN: Check = Check {
    meta: &ORIGIN_META,
    plan,
    run,
};

/// The route the check sends to: the first public route, or else the
/// first route, or else the target's own path.
fn path(context: &Context) -> String {
    context
        .public()
        .first()
        .copied()
        .or(context.routes.first())
        .map_or_else(|| context.target.path.clone(), |r| r.path.clone())
}

fn origins(context: &Context) -> [String; 2] {
    // `.invalid` never resolves (RFC 2606); it only ever appears in a header.
    [
        format!("https://gatekit-probe-{}.invalid", context.nonce),
        "null".to_string(),
    ]
}

fn requests(context: &Context) -> Vec<Request> {
    let path = path(context);
    let mut out = Vec::new();
    for origin in origins(context) {
        out.push(
            Request::new("OPTIONS", &path)
                .header(Header::new("Origin", origin.clone()))
                .header(Header::new("Access-Control-Request-Method", "GET"))
                .header(Header::new(
                    "Access-Control-Request-Headers",
                    "authorization",
                )),
        );
        out.push(Request::new("GET", &path).header(Header::new("Origin", origin)));
    }
    out
}

fn plan(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(requests(context)
        .iter()
        .map(|r| {
            let origin = r.headers.first().map_or("", |h| h.value.as_str());
            Planned::one(Port::Https, &r.method, &r.target).note(format!("Origin: {origin}"))
        })
        .collect())
}

fn run(session: &mut Session, context: &Context) -> Verdict {
    let mut findings = Vec::new();
    for request in requests(context) {
        let url = session.client.url(Port::Https, &request.target);
        let origin = request.headers.first().map_or("", |h| h.value.as_str());
        let response = match session.client.send(Port::Https, &request) {
            Ok(response) => response,
            Err(error) => return skip_for(&error),
        };
        if response.status == 429 {
            return super::rate_limited(&url);
        }
        if let Some((message, severity)) = problem(&response, origin) {
            findings.push(
                Finding::builder(&ORIGIN_META)
                    .at(
                        Location::url(&url),
                        format!("{} with Origin `{origin}`: {message}", request.method),
                    )
                    .severity(severity)
                    .context(format!("{} {origin}", request.method))
                    .build(),
            );
        }
    }
    super::verdict(findings)
}

/// Returns what is wrong with the CORS headers of a response to `origin`.
fn problem(response: &Response, origin: &str) -> Option<(String, Severity)> {
    let allowed = response.header("access-control-allow-origin")?.trim();
    let credentials = response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let with = if credentials {
        " with credentials allowed"
    } else {
        ""
    };
    let severity = if credentials {
        Severity::High
    } else {
        Severity::Medium
    };
    if allowed.eq_ignore_ascii_case(origin) {
        return Some((format!("the origin is reflected{with}."), severity));
    }
    if allowed == "*" {
        return Some((format!("every origin is allowed (`*`){with}."), severity));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)]) -> Response {
        Response {
            status: 204,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            closes: false,
        }
    }

    #[test]
    fn reflection_with_credentials_is_high() {
        let reflected = response(&[
            ("access-control-allow-origin", "https://evil.invalid"),
            ("access-control-allow-credentials", "true"),
        ]);
        let (_, severity) = problem(&reflected, "https://evil.invalid").unwrap();
        assert_eq!(severity, Severity::High);
    }

    #[test]
    fn listed_origin_is_fine() {
        let listed = response(&[("access-control-allow-origin", "https://app.example.com")]);
        assert_eq!(problem(&listed, "https://evil.invalid"), None);
        assert_eq!(problem(&response(&[]), "https://evil.invalid"), None);
    }

    #[test]
    fn wildcard_is_reported() {
        let wildcard = response(&[("access-control-allow-origin", "*")]);
        let (_, severity) = problem(&wildcard, "null").unwrap();
        assert_eq!(severity, Severity::Medium);
    }
}
