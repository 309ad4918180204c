//! Request body limit: a body one byte over the configured size gets 413.

use super::{Check, Planned, Session, Verdict, finding, is_denied, skip_for};
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::Port;
use crate::probe::context::{Context, Route};
use crate::probe::http::{Header, Request};

/// Largest body the probe sends, in bytes: a limit above it is not probed.
const MAX_BODY: usize = 64 * 1024 * 1024;

static LIMIT_META: RuleMeta = RuleMeta {
    id: "probe-body-limit",
    title: "A request body over the configured limit gets 413",
    severity: Severity::Medium,
    confidence: Confidence::High,
    control: "GK-RATE-03",
    owasp: Owasp::Api4,
    rationale: "Without a body limit at the gateway, one client can make it buffer and forward \
        bodies of any size, costing memory, disk and upstream work.",
    fix: "Set the body limit from the answers (NGINX `client_max_body_size`, Kong \
        `request-size-limiting`, Envoy `buffer` filter `max_request_bytes`).",
};

/// `probe-body-limit`.
pub const LIMIT: Check = Check {
    meta: &LIMIT_META,
    plan,
    run,
};

/// The route, method and whether to send the credential: a public route
/// that takes a body if there is one, else a protected one.
fn choice(context: &Context) -> Result<(&Route, String, bool), String> {
    if context.answers.is_none() {
        return Err("needs --answers for the configured body limit".to_string());
    }
    if limit_bytes(context) >= MAX_BODY {
        return Err(format!(
            "the body limit of {} KiB needs a body larger than the {} MiB the probe sends",
            limit_bytes(context) / 1024,
            MAX_BODY / (1024 * 1024)
        ));
    }
    let with_body = |r: &&Route| r.takes_body().is_some();
    if let Some(route) = context.public().into_iter().find(with_body) {
        return Ok((
            route,
            route.takes_body().unwrap_or("POST").to_string(),
            false,
        ));
    }
    let route = context
        .protected()
        .into_iter()
        .find(with_body)
        .or(context.routes.first())
        .ok_or_else(|| "the answers list no service".to_string())?;
    let method = route.takes_body().unwrap_or("POST").to_string();
    Ok((
        route,
        method,
        !route.public && context.credential_header().is_some(),
    ))
}

fn limit_bytes(context: &Context) -> usize {
    context
        .answers
        .as_ref()
        .map_or(0, |a| a.body_limit_kb as usize * 1024)
}

fn plan(context: &Context) -> Result<Vec<Planned>, String> {
    let (route, method, credential) = choice(context)?;
    let mut note = format!("body of {} bytes", limit_bytes(context) + 1);
    if credential {
        note.push_str(", with the credential");
    }
    Ok(vec![
        Planned::one(Port::Https, &method, &route.path).note(note),
    ])
}

fn run(session: &mut Session, context: &Context) -> Verdict {
    let (route, method, credential) = match choice(context) {
        Ok(choice) => choice,
        Err(reason) => return Verdict::Skip(reason),
    };
    let size = limit_bytes(context) + 1;
    let mut request = Request::new(&method, &route.path)
        .header(Header::new("Content-Type", "application/octet-stream"))
        .body(vec![b'x'; size]);
    if credential && let Some(header) = context.credential_header() {
        request = request.header(header);
    }
    let url = session.client.url(Port::Https, &route.path);
    let response = match session.client.send(Port::Https, &request) {
        Ok(response) => response,
        Err(error) => return skip_for(&error),
    };
    match response.status {
        413 => Verdict::Pass,
        429 => super::rate_limited(&url),
        _ if is_denied(&response) => Verdict::Skip(format!(
            "{method} {} answered {} before the body size was judged; give a credential \
             (--credential-file or --credential-env) or add a public route that takes a body",
            route.path, response.status
        )),
        404 | 405 | 501 => Verdict::Skip(format!(
            "{method} {} answered {}, so the body size was not judged",
            route.path, response.status
        )),
        status => Verdict::Fail(vec![finding(
            &LIMIT_META,
            &url,
            format!(
                "{method} {} with a body of {size} bytes, one over the {} KiB limit, answers \
                 {status}, not 413.",
                route.path,
                size / 1024
            ),
            &route.path,
        )]),
    }
}
