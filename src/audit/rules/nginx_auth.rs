//! NGINX: authentication on proxied locations, status pages and CORS, and
//! the scope helpers other NGINX rules share.

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

/// Adds a finding at a directive and returns its index, so a caller can
/// raise the severity of a worse variant.
pub(super) fn push(
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

pub(super) const PROXY_DIRECTIVES: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
];

pub(super) const AUTH_DIRECTIVES: &[&str] = &[
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

pub(super) fn location_without_auth(workspace: &Workspace, out: &mut Vec<Finding>) {
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
pub(super) fn denies_all(scope: &Scope<'_>) -> bool {
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

pub(super) fn status_exposed(workspace: &Workspace, out: &mut Vec<Finding>) {
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
pub(super) fn only_loopback(parents: &[&Directive]) -> bool {
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

pub(super) fn cors_wildcard(workspace: &Workspace, out: &mut Vec<Finding>) {
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

/// Rules in this family.
pub static RULES: &[&Rule] = &[&LOCATION_WITHOUT_AUTH, &STATUS_EXPOSED, &CORS_WILDCARD];
