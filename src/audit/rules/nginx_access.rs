//! NGINX: who may reach what. Authentication on proxied locations, status
//! pages, listeners without TLS, TLS versions, CORS and header names.

use super::kong_settings::weak_ciphers;
use super::{Rule, Target, at_directive, is_loopback};
use crate::audit::document::{Content, Workspace};
use crate::audit::parsers::nginx::{Directive, NginxConf, walk};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

pub(super) fn each_nginx(workspace: &Workspace) -> impl Iterator<Item = &NginxConf> {
    workspace
        .each(|c| match c {
            Content::Nginx(conf) => Some(conf),
            _ => None,
        })
        .map(|(_, conf)| conf)
}

/// The blocks that apply to a directive, outermost first: the file's top
/// level, then each enclosing block.
pub(super) struct Scope<'a> {
    blocks: Vec<&'a [Directive]>,
}

impl<'a> Scope<'a> {
    pub(super) fn new(
        conf: &'a NginxConf,
        parents: &[&'a Directive],
        own: Option<&'a Directive>,
    ) -> Scope<'a> {
        let mut blocks = vec![conf.directives.as_slice()];
        blocks.extend(parents.iter().map(|p| p.children()));
        if let Some(own) = own {
            blocks.push(own.children());
        }
        Scope { blocks }
    }

    /// Returns the innermost directive named `name` that applies.
    pub(super) fn find(&self, name: &str) -> Option<&'a Directive> {
        self.blocks
            .iter()
            .rev()
            .find_map(|block| block.iter().find(|d| d.name == name))
    }

    /// True when any directive in `names` applies.
    pub(super) fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.find(n).is_some())
    }

    /// True when an include in scope could not be read, so settings may
    /// come from a file gatekit has not seen.
    pub(super) fn unknown(&self) -> bool {
        self.blocks
            .iter()
            .any(|block| block.iter().any(|d| d.name == "include" && !d.resolved))
    }
}

/// Calls `visit` for every `location` (with its ancestors).
pub(super) fn locations<'a>(
    conf: &'a NginxConf,
    visit: &mut dyn FnMut(&'a Directive, &[&'a Directive]),
) {
    walk(&conf.directives, &mut |d, parents| {
        if d.name == "location" {
            visit(d, parents);
        }
    });
}

fn push(
    out: &mut Vec<Finding>,
    rule: &'static Rule,
    conf: &NginxConf,
    d: &Directive,
    message: String,
) -> usize {
    let finding = Finding::builder(&rule.meta)
        .at(at_directive(conf, d), message.clone())
        .context(format!(
            "{} {} {}",
            d.name,
            d.args
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            message
        ))
        .build();
    out.push(finding);
    out.len() - 1
}

const PROXY_DIRECTIVES: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
];
const AUTH_DIRECTIVES: &[&str] = &[
    "auth_request",
    "auth_basic",
    "auth_jwt",
    "access_by_lua_block",
    "access_by_lua",
    "access_by_lua_file",
];

pub static LOCATION_WITHOUT_AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-location-without-auth",
        title: "NGINX proxies a location without authentication",
        severity: Severity::High,
        confidence: Confidence::Low,
        control: "GK-AUTHN-01",
        owasp: Owasp::Api2,
        rationale: "A location that passes requests upstream with no `auth_request`, `auth_jwt`, \
            `auth_basic`, access-phase Lua or address restriction in scope lets anyone reach the \
            upstream; NGINX checks nothing by default.",
        fix: "Add `auth_request` to an authentication service (or `auth_jwt` on NGINX Plus) in the \
            server or location, or suppress the finding with the reason the location is public.",
    },
    target: Target::Nginx,
    check: location_without_auth,
};

fn location_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        locations(conf, &mut |location, parents| {
            let scope = Scope::new(conf, parents, Some(location));
            let proxies = location
                .children()
                .iter()
                .any(|d| PROXY_DIRECTIVES.contains(&d.name.as_str()));
            let internal = location.children().iter().any(|d| d.name == "internal")
                || location.arg(0).starts_with('@');
            if !proxies
                || internal
                || scope.unknown()
                || scope.any(AUTH_DIRECTIVES)
                || denies_all(&scope)
            {
                return;
            }
            let path = location
                .args
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            push(
                out,
                &LOCATION_WITHOUT_AUTH,
                conf,
                location,
                format!("location `{path}` is proxied without authentication"),
            );
        });
    }
}

/// True when `deny all` applies, with any `allow` limited to addresses.
fn denies_all(scope: &Scope<'_>) -> bool {
    scope.find("deny").is_some_and(|d| d.arg(0) == "all")
}

pub static STATUS_EXPOSED: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-status-exposed",
        title: "NGINX status page or API is open to every client",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-ADMIN-01",
        owasp: Owasp::Api8,
        rationale: "`stub_status` and the NGINX Plus `api` and `status` handlers report traffic and \
            upstreams; `api write=on` also lets callers change upstream servers and key-value \
            stores. Without `allow`/`deny` or authentication anyone who reaches the port can use \
            them.",
        fix: "Restrict the location with `allow <monitoring network>; deny all;` (and \
            `auth_basic` for `api write=on`), or serve it on a loopback listener.",
    },
    target: Target::Nginx,
    check: status_exposed,
};

fn status_exposed(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            if !matches!(d.name.as_str(), "stub_status" | "api" | "status") {
                return;
            }
            let Some(location) = parents.last().filter(|p| p.name == "location") else {
                return;
            };
            let scope = Scope::new(conf, &parents[..parents.len() - 1], Some(location));
            if denies_all(&scope)
                || scope.any(AUTH_DIRECTIVES)
                || scope.unknown()
                || only_loopback(&parents[..parents.len() - 1])
            {
                return;
            }
            let write = d.args.iter().any(|a| a.text == "write=on");
            let index = push(
                out,
                &STATUS_EXPOSED,
                conf,
                d,
                format!(
                    "`{}` is served without `allow`/`deny` or authentication",
                    d.name
                ),
            );
            if write {
                out[index].severity = Severity::Critical;
                out[index].message =
                    "`api write=on` lets any client change the running configuration".to_string();
            }
        });
    }
}

/// True when every `listen` of the enclosing server binds loopback.
fn only_loopback(parents: &[&Directive]) -> bool {
    let Some(server) = parents.iter().rev().find(|p| p.name == "server") else {
        return false;
    };
    let listens: Vec<&Directive> = server
        .children()
        .iter()
        .filter(|d| d.name == "listen")
        .collect();
    !listens.is_empty()
        && listens
            .iter()
            .all(|l| is_loopback(l.arg(0).rsplit_once(':').map_or(l.arg(0), |(h, _)| h)))
}

pub static PLAINTEXT_LISTENER: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-plaintext-listener",
        title: "NGINX serves a site in plain HTTP without redirecting",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        control: "GK-TLS-02",
        owasp: Owasp::Api8,
        rationale: "A server that listens without `ssl` on a non-loopback address and does not \
            redirect to HTTPS carries credentials and data in plain text.",
        fix: "Listen with `ssl` (and `http2`), and make the plain listener only \
            `return 301 https://$host$request_uri;`.",
    },
    target: Target::Nginx,
    check: plaintext_listener,
};

fn plaintext_listener(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |server, _| {
            if server.name != "server" {
                return;
            }
            let children = server.children();
            if redirects_to_https(children) {
                return;
            }
            for listen in children.iter().filter(|d| d.name == "listen") {
                let address = listen.arg(0);
                let host = address.rsplit_once(':').map_or("", |(h, _)| h);
                let ssl = listen
                    .args
                    .iter()
                    .any(|a| a.text == "ssl" || a.text == "quic");
                if ssl || is_loopback(host) || is_loopback(address) {
                    continue;
                }
                push(
                    out,
                    &PLAINTEXT_LISTENER,
                    conf,
                    listen,
                    format!("`listen {address}` serves plain HTTP and does not redirect to HTTPS"),
                );
            }
        });
    }
}

fn redirects_to_https(children: &[Directive]) -> bool {
    let is_redirect = |d: &Directive| {
        (d.name == "return"
            && matches!(d.arg(0), "301" | "302" | "307" | "308")
            && d.arg(1).starts_with("https://"))
            || (d.name == "rewrite" && d.arg(1).starts_with("https://"))
    };
    if children.iter().any(is_redirect) {
        return true;
    }
    let locations: Vec<&Directive> = children.iter().filter(|d| d.name == "location").collect();
    !locations.is_empty()
        && locations
            .iter()
            .all(|l| l.children().iter().any(is_redirect) || l.arg(0).contains("acme-challenge"))
}

pub static WEAK_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-weak-tls",
        title: "NGINX allows TLS below 1.2 or weak ciphers",
        severity: Severity::High,
        confidence: Confidence::High,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "TLS 1.0 and 1.1 are deprecated (RFC 8996) and weak cipher suites allow \
            downgrade and decryption attacks.",
        fix: "Set `ssl_protocols TLSv1.2 TLSv1.3;` and an ECDHE AEAD `ssl_ciphers` list (Mozilla \
            intermediate).",
    },
    target: Target::Nginx,
    check: weak_tls,
};

fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| match d.name.as_str() {
            "ssl_protocols" | "proxy_ssl_protocols" => {
                let old: Vec<&str> = d
                    .args
                    .iter()
                    .map(|a| a.text.as_str())
                    .filter(|p| matches!(*p, "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1"))
                    .collect();
                if !old.is_empty() {
                    push(
                        out,
                        &WEAK_TLS,
                        conf,
                        d,
                        format!("`{}` enables {}", d.name, old.join(" and ")),
                    );
                }
            }
            "ssl_ciphers" | "proxy_ssl_ciphers" => {
                let weak = weak_ciphers(d.arg(0));
                if !weak.is_empty() {
                    push(
                        out,
                        &WEAK_TLS,
                        conf,
                        d,
                        format!("`{}` enables weak suites: {}", d.name, weak.join(", ")),
                    );
                }
            }
            _ => {}
        });
    }
}

pub static EARLY_DATA: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-ssl-early-data",
        title: "NGINX accepts TLS 1.3 early data",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-TLS-01",
        owasp: Owasp::Api8,
        rationale: "0-RTT early data can be replayed by an attacker on the network; an API that \
            changes state on a replayed POST repeats the action.",
        fix: "Remove `ssl_early_data on`, or pass `$ssl_early_data` upstream as `Early-Data` and \
            have the upstream answer 425 for unsafe methods.",
    },
    target: Target::Nginx,
    check: early_data,
};

fn early_data(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| {
            if d.name == "ssl_early_data" && d.arg(0) == "on" {
                push(
                    out,
                    &EARLY_DATA,
                    conf,
                    d,
                    "`ssl_early_data on` accepts replayable 0-RTT requests".to_string(),
                );
            }
        });
    }
}

pub static CORS_WILDCARD: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-cors-wildcard",
        title: "NGINX allows any origin or reflects the Origin header",
        severity: Severity::Medium,
        confidence: Confidence::High,
        control: "GK-CORS-01",
        owasp: Owasp::Api8,
        rationale: "`Access-Control-Allow-Origin: *` lets every web site read responses; echoing \
            `$http_origin` does the same and, with `Access-Control-Allow-Credentials: true`, \
            sends the user's cookies along.",
        fix: "Map allowed origins explicitly (`map $http_origin $cors_origin { ... }`) and send \
            credentials only for them.",
    },
    target: Target::Nginx,
    check: cors_wildcard,
};

fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, parents| {
            if d.name != "add_header"
                || !d.arg(0).eq_ignore_ascii_case("access-control-allow-origin")
            {
                return;
            }
            let value = d.arg(1);
            if value != "*" && value != "$http_origin" {
                return;
            }
            let scope = Scope::new(conf, parents, None);
            let credentials = scope.blocks.iter().flat_map(|b| b.iter()).any(|h| {
                h.name == "add_header"
                    && h.arg(0)
                        .eq_ignore_ascii_case("access-control-allow-credentials")
                    && h.arg(1) == "true"
            });
            let message = match (value, credentials) {
                ("$http_origin", true) => "reflects any Origin with credentials allowed",
                ("$http_origin", false) => "reflects any Origin",
                _ => "allows any origin (`*`)",
            };
            let index = push(out, &CORS_WILDCARD, conf, d, message.to_string());
            if credentials {
                out[index].severity = Severity::High;
            }
        });
    }
}

pub static UNDERSCORES_IN_HEADERS: Rule = Rule {
    meta: RuleMeta {
        id: "nginx-underscores-in-headers",
        title: "NGINX accepts header names with underscores",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        control: "GK-AUTHZ-03",
        owasp: Owasp::Api8,
        rationale: "With `underscores_in_headers on`, `X_User` reaches upstreams that treat it as \
            `X-User`, so a client can smuggle a header the gateway sets or strips.",
        fix: "Leave `underscores_in_headers` off (the default).",
    },
    target: Target::Nginx,
    check: underscores_in_headers,
};

fn underscores_in_headers(workspace: &Workspace, out: &mut Vec<Finding>) {
    for conf in each_nginx(workspace) {
        walk(&conf.directives, &mut |d, _| {
            if d.name == "underscores_in_headers" && d.arg(0) == "on" {
                push(
                    out,
                    &UNDERSCORES_IN_HEADERS,
                    conf,
                    d,
                    "`underscores_in_headers on`".to_string(),
                );
            }
        });
    }
}

/// Rules in this family.
pub static RULES: &[&Rule] = &[
    &LOCATION_WITHOUT_AUTH,
    &STATUS_EXPOSED,
    &PLAINTEXT_LISTENER,
    &WEAK_TLS,
    &EARLY_DATA,
    &CORS_WILDCARD,
    &UNDERSCORES_IN_HEADERS,
];
