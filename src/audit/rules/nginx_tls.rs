//! NGINX: TLS on client listeners and to upstreams, and header names.

use super::nginx_auth::{each_nginx, push};
use super::weak_ciphers;
use super::{Rule, Target, is_loopback};
use crate::audit::document::Workspace;
use crate::audit::parsers::nginx::{Directive, walk};
use crate::finding::{Confidence, Finding, Owasp, RuleMeta, Severity};

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

pub(super) fn plaintext_listener(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn redirects_to_https(children: &[Directive]) -> bool {
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

pub(super) fn weak_tls(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn early_data(workspace: &Workspace, out: &mut Vec<Finding>) {
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

pub(super) fn underscores_in_headers(workspace: &Workspace, out: &mut Vec<Finding>) {
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
    &PLAINTEXT_LISTENER,
    &WEAK_TLS,
    &EARLY_DATA,
    &UNDERSCORES_IN_HEADERS,
];
