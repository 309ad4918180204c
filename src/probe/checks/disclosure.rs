//! Disclosure: no product version in headers or error pages, and no stack
//! trace in any response.

use std::sync::LazyLock;

use regex::Regex;

use super::{Check, Planned, Session, Verdict, skip_for};
use crate::finding::{Confidence, Finding, Location, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::Context;
use crate::probe::http::{Header, Request, Response};

static VERSION_META: RuleMeta = RuleMeta {
    id: "probe-version-disclosure",
    title: "Responses name no product version",
    severity: Severity::Low,
    confidence: Confidence::High,
    control: "GK-HDR-01",
    owasp: Owasp::Api8,
    rationale: "A version in `Server`, `Via` or an error page tells an attacker which known \
        vulnerabilities to try, without a single probe of their own.",
    fix: "Turn banners off (NGINX `server_tokens off`, Kong `headers = off`, Envoy \
        `server_header_transformation: PASS_THROUGH` with the header removed) and drop \
        `X-Powered-By` from upstream responses.",
};

static ERROR_DETAIL_META: RuleMeta = RuleMeta {
    id: "probe-error-detail",
    title: "Error responses carry no stack trace",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    control: "GK-ERR-01",
    owasp: Owasp::Api8,
    rationale: "A stack trace shows file paths, library versions and code structure, and \
        often the values that made the code fail.",
    fix: "Replace upstream and gateway error bodies with a fixed message and keep details in \
        the logs (NGINX `proxy_intercept_errors` with `error_page`).",
};

/// `probe-version-disclosure`.
pub const VERSION: Check = Check {
    meta: &VERSION_META,
    plan,
    run: run_version,
};

/// `probe-error-detail`.
pub const ERROR_DETAIL: Check = Check {
    meta: &ERROR_DETAIL_META,
    plan,
    run: run_error_detail,
};

/// `product/1.2` in a header, except the protocol name `HTTP/1.1`.
static HEADER_VERSION: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)\b([a-z][a-z0-9._-]*)/v?\d+(\.\d+)+"));

/// Products whose version in an error page is a disclosure. A generic
/// `name/1.2` pattern would match ordinary text in a body.
static BODY_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(nginx|openresty|kong|envoy|apache|apache-coyote|jetty|tomcat|microsoft-iis|express|werkzeug|gunicorn|uvicorn|caddy|haproxy|traefik|php|lighttpd)/\d+(\.\d+)*",
    )
});

/// Stack-trace shapes of common runtimes: Python, Java, .NET, Node.js, Go,
/// Rust, PHP and Lua (OpenResty and Kong).
static STACK_TRACE: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"Traceback \(most recent call last\)",
        r"|Exception in thread ",
        r"|\bat [\w$.]+\([\w$]+\.java:\d+\)",
        r"|\bat [\w.<>`]+\(.*\) in .+:line \d+",
        r"|(?m)^\s+at .+ \(.+\.(?:js|ts|mjs|cjs):\d+:\d+\)",
        r"|goroutine \d+ \[",
        r"|panicked at ",
        r"|Stack trace:\s*#0",
        r"|stack traceback:",
        r"|\.lua:\d+: ",
    ))
});

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid regex")
}

/// Requests whose responses both checks read: the target's own page, a
/// path no gateway routes (404), an invalid percent escape (400), a
/// protected route (401) and, where a public route takes a body, invalid
/// JSON.
fn requests(context: &Context) -> Vec<Request> {
    let mut out = vec![
        Request::new("GET", &context.target.path),
        Request::new("GET", &format!("/gatekit-probe-{}", context.nonce)),
        Request::new("GET", "/%zz"),
    ];
    if let Some(route) = context.protected().first() {
        out.push(Request::new("GET", &route.path));
    }
    if let Some(route) = context
        .public()
        .into_iter()
        .find(|r| r.takes_body().is_some())
    {
        let method = route.takes_body().unwrap_or("POST");
        out.push(
            Request::new(method, &route.path)
                .header(Header::new("Content-Type", "application/json"))
                .body(b"{\"gatekit-probe\": [".to_vec()),
        );
    }
    out
}

fn plan(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(requests(context)
        .iter()
        .map(|r| {
            let planned = Planned::one(Port::Https, &r.method, &r.target);
            if r.body.is_empty() {
                planned
            } else {
                planned.note("invalid JSON body")
            }
        })
        .collect())
}

/// Sends the shared requests; a GET without headers is sent once per run.
fn responses(
    session: &mut Session,
    context: &Context,
) -> Result<Vec<(Request, Response)>, SendError> {
    let mut out = Vec::new();
    for request in requests(context) {
        let response = if request.method == "GET" && request.headers.is_empty() {
            session.client.get_cached(Port::Https, &request.target)?
        } else {
            session.client.send(Port::Https, &request)?
        };
        out.push((request, response));
    }
    Ok(out)
}

fn run_version(session: &mut Session, context: &Context) -> Verdict {
    let responses = match responses(session, context) {
        Ok(responses) => responses,
        Err(error) => return skip_for(&error),
    };
    let mut findings = Vec::new();
    for (request, response) in &responses {
        let url = session.client.url(Port::Https, &request.target);
        let status = response.status;
        for (name, value) in &response.headers {
            let banner = match name.as_str() {
                "x-powered-by" | "x-aspnet-version" | "x-aspnetmvc-version" => Some(value.clone()),
                "server" | "via" => header_version(value),
                _ => None,
            };
            if let Some(banner) = banner {
                findings.push(disclosure(
                    &url,
                    format!("The {status} response's `{name}` header names `{banner}`."),
                    name,
                    value,
                ));
            }
        }
        if let Some(found) = BODY_VERSION.find(&response.text()) {
            findings.push(disclosure(
                &url,
                format!("The {status} response body names `{}`.", found.as_str()),
                "body",
                found.as_str(),
            ));
        }
    }
    findings.sort_by(|a, b| a.message.cmp(&b.message));
    findings.dedup_by(|a, b| a.value == b.value && a.fingerprint == b.fingerprint);
    super::verdict(findings)
}

fn disclosure(url: &str, message: String, where_: &str, value: &str) -> Finding {
    Finding::builder(&VERSION_META)
        .at(Location::url(url), message)
        .value(value)
        .context(format!("{where_} {value}"))
        .build()
}

/// Returns the first `product/version` of a header value, skipping the
/// protocol name `HTTP/1.1` that `Via` may carry.
fn header_version(value: &str) -> Option<String> {
    HEADER_VERSION
        .captures_iter(value)
        .filter(|c| !c[1].eq_ignore_ascii_case("http"))
        .map(|c| c[0].to_string())
        .next()
}

fn run_error_detail(session: &mut Session, context: &Context) -> Verdict {
    let responses = match responses(session, context) {
        Ok(responses) => responses,
        Err(error) => return skip_for(&error),
    };
    let mut findings = Vec::new();
    for (request, response) in &responses {
        let text = response.text();
        if let Some(found) = STACK_TRACE.find(&text) {
            let url = session.client.url(Port::Https, &request.target);
            findings.push(
                Finding::builder(&ERROR_DETAIL_META)
                    .at(
                        Location::url(&url),
                        format!(
                            "The {} response to {} {} carries a stack trace.",
                            response.status, request.method, request.target
                        ),
                    )
                    .value(found.as_str())
                    .context(&request.target)
                    .build(),
            );
        }
    }
    super::verdict(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_versions() {
        assert_eq!(
            header_version("nginx/1.22.1"),
            Some("nginx/1.22.1".to_string())
        );
        assert_eq!(
            header_version("1.1 kong/3.9.0"),
            Some("kong/3.9.0".to_string())
        );
        assert_eq!(header_version("HTTP/1.1 proxy"), None);
        assert_eq!(header_version("nginx"), None);
        assert_eq!(header_version("envoy"), None);
    }

    #[test]
    fn body_versions() {
        assert!(BODY_VERSION.is_match("<hr><center>nginx/1.22.1</center>"));
        assert!(!BODY_VERSION.is_match("<hr><center>nginx</center>"));
        assert!(!BODY_VERSION.is_match("see RFC 9110/1.1 and text/1.0"));
    }

    #[test]
    fn stack_traces_of_common_runtimes() {
        let traces = [
            "Traceback (most recent call last):\n  File \"app.py\", line 3",
            "java.lang.NullPointerException\n\tat com.example.Orders.get(Orders.java:42)",
            "Error: boom\n    at handler (/srv/app/index.js:10:5)",
            "goroutine 1 [running]:\nmain.main()",
            "thread 'main' panicked at src/main.rs:2:5",
            "PHP Fatal error: x\nStack trace:\n#0 /var/www/index.php(3)",
            "/usr/local/share/lua/5.1/kong/init.lua:123: attempt to index a nil value",
            "System.Exception: x\n   at Orders.Get() in C:\\src\\Orders.cs:line 12",
        ];
        for trace in traces {
            assert!(STACK_TRACE.is_match(trace), "{trace}");
        }
        for clean in [
            "Unauthorized",
            "{\"error\":\"not found\"}",
            "at least 3 items",
        ] {
            assert!(!STACK_TRACE.is_match(clean), "{clean}");
        }
    }
}
