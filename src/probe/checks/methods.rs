//! Methods: TRACE and methods a route does not declare are refused.

use super::{Check, Planned, Session, Verdict, finding, skip_for};
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::Port;
use crate::probe::context::Context;
use crate::probe::http::{Header, Request};

/// Standard methods tried in this order when a route does not list them.
const CANDIDATES: [&str; 5] = ["DELETE", "PUT", "PATCH", "POST", "GET"];

/// A method no server implements.
const MADE_UP: &str = "GATEKITPROBE";

static METHODS_META: RuleMeta = RuleMeta {
    id: "probe-methods",
    title: "TRACE and methods a route does not declare are refused",
    severity: Severity::Medium,
    confidence: Confidence::High,
    control: "GK-AUTHZ-01",
    owasp: Owasp::Api8,
    rationale: "TRACE echoes requests, headers included, back to the client (cross-site \
        tracing), and a method the answers do not list reaches upstream code nobody meant to \
        expose.",
    fix: "Allow only the route's declared methods at the gateway (NGINX `limit_except`, Kong \
        route `methods`, Envoy route header matchers) and reject TRACE everywhere.",
};

/// `probe-methods`.
pub const METHODS: Check = Check {
    meta: &METHODS_META,
    plan,
    run,
};

/// A request this check sends, with why.
struct Attempt {
    request: Request,
    why: String,
}

fn attempts(context: &Context) -> Vec<Attempt> {
    let marker = Header::new("X-Gatekit-Probe", context.nonce.clone());
    let open = context.open_path();
    let mut out = vec![Attempt {
        request: Request::new("TRACE", &open).header(marker.clone()),
        why: "TRACE".to_string(),
    }];
    if let Some(route) = context.protected().first() {
        out.push(Attempt {
            request: Request::new("TRACE", &route.path).header(marker.clone()),
            why: "TRACE".to_string(),
        });
    }
    let credential = context.credential_header();
    for route in context.public().into_iter().chain(context.protected()) {
        let Some(method) = CANDIDATES
            .iter()
            .find(|m| !route.methods.iter().any(|r| r == *m))
        else {
            continue;
        };
        let mut request = Request::new(method, &route.path);
        if let (false, Some(header)) = (route.public, &credential) {
            request = request.header(header.clone());
        }
        out.push(Attempt {
            request,
            why: format!("{method}, which service `{}` does not list", route.name),
        });
    }
    let made_up_target = context
        .routes
        .first()
        .map_or(open, |route| route.path.clone());
    out.push(Attempt {
        request: Request::new(MADE_UP, &made_up_target),
        why: "a made-up method".to_string(),
    });
    out
}

fn plan(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(attempts(context)
        .iter()
        .map(|a| {
            let mut planned = Planned::one(Port::Https, &a.request.method, &a.request.target);
            if a.request.headers.iter().any(|h| h.secret) {
                planned = planned.note("with the credential");
            }
            planned
        })
        .collect())
}

fn run(session: &mut Session, context: &Context) -> Verdict {
    let mut findings = Vec::new();
    for attempt in attempts(context) {
        let request = &attempt.request;
        let url = session.client.url(Port::Https, &request.target);
        let response = match session.client.send(Port::Https, request) {
            Ok(response) => response,
            Err(error) => return skip_for(&error),
        };
        if response.status == 429 {
            return super::rate_limited(&url);
        }
        let echoed = request.method == "TRACE" && response.text().contains(&context.nonce);
        if response.is_success() || echoed {
            let detail = if echoed {
                ", echoing the request back"
            } else {
                ""
            };
            findings.push(finding(
                &METHODS_META,
                &url,
                format!(
                    "{} {} ({}) answers {}{detail}.",
                    request.method, request.target, attempt.why, response.status
                ),
                &format!("{} {}", request.method, request.target),
            ));
        }
    }
    super::verdict(findings)
}
