//! Admin interfaces: no admin API answers on the target's admin ports and
//! no status page is served on the HTTPS port. Only GET requests, and only
//! on the target's pinned address.

use super::{Check, Planned, Session, Verdict, skip_for};
use crate::finding::{Confidence, Finding, Location, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::Context;
use crate::probe::http::{HttpError, Request, Response};

/// Paths where NGINX, Apache, Envoy, Kong and Prometheus exporters serve
/// status pages.
const STATUS_PATHS: [&str; 9] = [
    "/nginx_status",
    "/status",
    "/stub_status",
    "/basic_status",
    "/server-status",
    "/api",
    "/metrics",
    "/stats",
    "/server_info",
];

static STATUS_PAGE_META: RuleMeta = RuleMeta {
    id: "probe-status-page",
    title: "No status page is served to clients",
    severity: Severity::High,
    confidence: Confidence::High,
    control: "GK-ADMIN-01",
    owasp: Owasp::Api8,
    rationale: "Status pages (NGINX `stub_status`, Apache `server-status`, Prometheus metrics, \
        Envoy or Kong status) reveal traffic, upstreams and versions, and some accept changes.",
    fix: "Serve status pages only on a listener bound to loopback or the pod network, never on \
        the client-facing server.",
};

static ADMIN_API_META: RuleMeta = RuleMeta {
    id: "probe-admin-api",
    title: "No admin API answers on the target's admin ports",
    severity: Severity::Critical,
    confidence: Confidence::High,
    control: "GK-ADMIN-01",
    owasp: Owasp::Api8,
    rationale: "An admin API reachable by clients (Kong 8001 and 8444, Envoy 9901) lets anyone \
        who reaches it read the configuration or change routes, plugins and credentials.",
    fix: "Bind admin listeners to loopback (Kong `admin_listen = 127.0.0.1:8001`, Envoy \
        `admin.address` on 127.0.0.1) and expose no Service or load balancer port for them.",
};

/// `probe-status-page`.
pub const STATUS_PAGE: Check = Check {
    meta: &STATUS_PAGE_META,
    plan: plan_status,
    run: run_status,
};

/// `probe-admin-api`.
pub const ADMIN_API: Check = Check {
    meta: &ADMIN_API_META,
    plan: plan_admin,
    run: run_admin,
};

/// Status paths that no declared route covers, since a route's own
/// `/status` is the user's API.
fn status_paths(context: &Context) -> Vec<&'static str> {
    STATUS_PATHS
        .iter()
        .copied()
        .filter(|path| {
            !context.routes.iter().any(|r| {
                let prefix = r.path.trim_end_matches('/');
                *path == prefix || path.starts_with(&format!("{prefix}/"))
            })
        })
        .collect()
}

fn plan_status(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(status_paths(context)
        .into_iter()
        .map(|p| Planned::one(Port::Https, "GET", p))
        .collect())
}

fn run_status(session: &mut Session, context: &Context) -> Verdict {
    let mut findings = Vec::new();
    for path in status_paths(context) {
        let url = session.client.url(Port::Https, path);
        let response = match session.client.get_cached(Port::Https, path) {
            Ok(response) => response,
            Err(error) => return skip_for(&error),
        };
        if response.status == 429 {
            return super::rate_limited(&url);
        }
        if let Some(kind) = status_page_kind(&response) {
            findings.push(
                Finding::builder(&STATUS_PAGE_META)
                    .at(
                        Location::url(&url),
                        format!("GET {path} answers {} with {kind}.", response.status),
                    )
                    .context(path)
                    .build(),
            );
        }
    }
    super::verdict(findings)
}

/// Names the kind of status page a successful response is, if it is one.
fn status_page_kind(response: &Response) -> Option<&'static str> {
    if !response.is_success() {
        return None;
    }
    let text = response.text();
    let trimmed = text.trim();
    if text.contains("Active connections:") && text.contains("server accepts handled requests") {
        return Some("an NGINX stub_status page");
    }
    if text.contains("Apache Server Status") || text.contains("Total Accesses:") {
        return Some("an Apache server-status page");
    }
    if text.contains("# HELP ") && text.contains("# TYPE ") {
        return Some("Prometheus metrics");
    }
    if text.contains("\"connections_accepted\"") || text.contains("\"lua_shared_dicts\"") {
        return Some("the Kong status API");
    }
    if text.contains("admin commands are:")
        || (text.contains("\"state\"") && text.contains("\"hot_restart_version\""))
    {
        return Some("the Envoy admin interface");
    }
    let api_versions = trimmed.starts_with('[')
        && trimmed.ends_with(']')
        && trimmed.len() > 2
        && trimmed[1..trimmed.len() - 1]
            .split(',')
            .all(|v| v.trim().parse::<u32>().is_ok());
    if api_versions {
        return Some("the NGINX Plus API");
    }
    None
}

fn plan_admin(context: &Context) -> Result<Vec<Planned>, String> {
    let mut plan = Vec::new();
    for &port in &context.admin_ports {
        plan.push(Planned::one(Port::Admin { port, tls: false }, "GET", "/"));
        plan.push(
            Planned::one(Port::Admin { port, tls: true }, "GET", "/")
                .note("only when plain HTTP gets no HTTP answer"),
        );
    }
    Ok(plan)
}

fn run_admin(session: &mut Session, context: &Context) -> Verdict {
    let mut findings = Vec::new();
    for &port in &context.admin_ports {
        let mut answer = None;
        for tls in [false, true] {
            let where_ = Port::Admin { port, tls };
            match session.client.send(where_, &Request::new("GET", "/")) {
                Ok(response) => {
                    answer = Some((where_, response));
                    break;
                }
                Err(error) if error.is_closed_port() => break,
                Err(error @ SendError::Budget(_)) => return skip_for(&error),
                // Not HTTP over this transport: try the other one.
                Err(
                    SendError::Http(HttpError::InvalidResponse(_) | HttpError::Closed)
                    | SendError::Handshake(_)
                    | SendError::Connect(_)
                    | SendError::Http(_),
                ) => {}
            }
        }
        if let Some((where_, response)) = answer {
            let url = session.client.url(where_, "/");
            let server = response
                .header("server")
                .map(|s| format!(" (Server: {s})"))
                .unwrap_or_default();
            let severity = if response.is_success() {
                Severity::Critical
            } else {
                Severity::High
            };
            findings.push(
                Finding::builder(&ADMIN_API_META)
                    .at(
                        Location::url(&url),
                        format!(
                            "Admin port {port} answers GET / with {}{server}.",
                            response.status
                        ),
                    )
                    .severity(severity)
                    .context(format!("port {port}"))
                    .build(),
            );
        }
    }
    super::verdict(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> Response {
        Response {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            closes: false,
        }
    }

    #[test]
    fn status_pages_are_recognised() {
        let stub = "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \n";
        assert!(status_page_kind(&ok(stub)).is_some());
        assert!(status_page_kind(&ok("[1,2,3,4,5,6,7,8,9]")).is_some());
        assert!(status_page_kind(&ok("# HELP x y\n# TYPE x counter\nx 1\n")).is_some());
        assert!(status_page_kind(&ok("{\"orders\": []}")).is_none());
        assert!(status_page_kind(&ok("[]")).is_none());
    }

    #[test]
    fn error_status_is_not_a_page() {
        let mut page = ok("Active connections: 1 \nserver accepts handled requests\n");
        page.status = 404;
        assert!(status_page_kind(&page).is_none());
    }
}
