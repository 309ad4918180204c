//! Path normalisation: spellings of a protected path that a backend
//! resolves to the same resource must not get past authentication.

use super::{Check, Planned, Session, Verdict, finding, is_denied, skip_for};
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::{Context, Route};
use crate::probe::http::{Request, Response};

/// Protected routes tried; each costs one request per variant.
const ROUTES: usize = 2;

static NORMALISATION_META: RuleMeta = RuleMeta {
    id: "probe-path-normalisation",
    title: "Other spellings of a protected path are not served without credentials",
    severity: Severity::Critical,
    confidence: Confidence::High,
    control: "GK-AUTHZ-03",
    owasp: Owasp::Api5,
    rationale: "When the gateway matches routes on the raw path but the upstream normalises it, \
        `//admin`, `/./admin`, `/public/../admin` or `/%2Fadmin` reach a protected resource \
        through a route without authentication.",
    fix: "Normalise paths before matching (merge slashes, resolve dot segments, reject or \
        decode encoded slashes) and keep a catch-all that denies unknown paths.",
};

/// `probe-path-normalisation`.
pub const NORMALISATION: Check = Check {
    meta: &NORMALISATION_META,
    plan,
    run,
};

fn routes(context: &Context) -> Result<Vec<&Route>, String> {
    if context.answers.is_none() {
        return Err("needs --answers to know which paths are protected".to_string());
    }
    let routes: Vec<&Route> = context.protected().into_iter().take(ROUTES).collect();
    if routes.is_empty() {
        return Err("every service in the answers is public".to_string());
    }
    Ok(routes)
}

/// Spellings of `path` that normalise to it. `public` is a path prefix that
/// routes without authentication, or a made-up one.
pub fn variants(path: &str, public: &str) -> Vec<String> {
    let rest = path.trim_start_matches('/');
    let mut out = vec![
        format!("/{path}"),
        format!("/.{path}"),
        format!("{}/..{path}", public.trim_end_matches('/')),
        format!("/%2F{rest}"),
        format!("/%2f{rest}"),
        format!("/%2e{path}"),
    ];
    if rest.contains('/') {
        out.push(format!("/{}", rest.replace('/', "%2F")));
    }
    out
}

fn public_prefix(context: &Context) -> String {
    context
        .public()
        .first()
        .map_or_else(|| "/gatekit-probe".to_string(), |r| r.path.clone())
}

fn plan(context: &Context) -> Result<Vec<Planned>, String> {
    let public = public_prefix(context);
    let mut plan = Vec::new();
    for route in routes(context)? {
        let method = route.first_method();
        plan.push(Planned::one(Port::Https, method, &route.path).note("no credentials"));
        for variant in variants(&route.path, &public) {
            plan.push(Planned::one(Port::Https, method, &variant).note("no credentials"));
        }
    }
    Ok(plan)
}

fn send(session: &mut Session, method: &str, target: &str) -> Result<Response, SendError> {
    if method == "GET" {
        return session.client.get_cached(Port::Https, target);
    }
    session
        .client
        .send(Port::Https, &Request::new(method, target))
}

fn run(session: &mut Session, context: &Context) -> Verdict {
    let routes = match routes(context) {
        Ok(routes) => routes,
        Err(reason) => return Verdict::Skip(reason),
    };
    let public = public_prefix(context);
    let mut findings = Vec::new();
    for route in routes {
        let method = route.first_method();
        let url = session.client.url(Port::Https, &route.path);
        let canonical = match send(session, method, &route.path) {
            Ok(response) => response,
            Err(error) => return skip_for(&error),
        };
        if canonical.status == 429 {
            return super::rate_limited(&url);
        }
        if !is_denied(&canonical) {
            return Verdict::Skip(format!(
                "{method} {} itself answers {} without credentials, so there is no \
                 authentication to get around (probe-auth-required reports it)",
                route.path, canonical.status
            ));
        }
        for variant in variants(&route.path, &public) {
            let variant_url = session.client.url(Port::Https, &variant);
            let response = match send(session, method, &variant) {
                Ok(response) => response,
                Err(error) => return skip_for(&error),
            };
            if response.status == 429 {
                return super::rate_limited(&variant_url);
            }
            if response.is_success() {
                findings.push(finding(
                    &NORMALISATION_META,
                    &variant_url,
                    format!(
                        "{method} {variant} answers {} without credentials, while {} answers {}.",
                        response.status, route.path, canonical.status
                    ),
                    &variant,
                ));
            }
        }
    }
    super::verdict(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_a_single_segment() {
        assert_eq!(
            variants("/admin", "/public"),
            [
                "//admin",
                "/./admin",
                "/public/../admin",
                "/%2Fadmin",
                "/%2fadmin",
                "/%2e/admin"
            ]
        );
    }

    #[test]
    fn nested_path_gets_encoded_slashes() {
        let all = variants("/api/orders", "/health/");
        assert!(all.contains(&"/api%2Forders".to_string()), "{all:?}");
        assert!(
            all.contains(&"/health/../api/orders".to_string()),
            "{all:?}"
        );
    }
}
