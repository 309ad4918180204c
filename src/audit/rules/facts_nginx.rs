//! Security facts of an NGINX configuration, for blueprint conformance.
//!
//! Scopes are servers, named by `server_name` or else by their `listen`
//! arguments, and the locations inside them. A setting becomes a fact of
//! the block that sets it, so moving a limit from the server into each
//! location changes the facts even when it changes nothing on the wire.

use super::facts::{Facts, Kind, Value};
use super::nginx_auth::{AUTH_DIRECTIVES, Scope, locations};
use crate::audit::parsers::nginx::{Directive, NginxConf};

/// Lowest protocol NGINX 1.22 to 1.23.3 accept without `ssl_protocols`
/// (`TLSv1 TLSv1.1 TLSv1.2 TLSv1.3`; 1.23.4 dropped the first two). The
/// blueprint supports 1.22, so a deleted directive counts as TLS 1.0.
const DEFAULT_TLS_MIN: f64 = 1.0;

/// `client_max_body_size` when the directive is absent: 1 MiB.
const DEFAULT_BODY_BYTES: f64 = 1_048_576.0;

pub(super) fn nginx(conf: &NginxConf, facts: &mut Facts) {
    for http in conf.directives.iter().filter(|d| d.name == "http") {
        http_facts(http, facts);
        for server in http.children().iter().filter(|d| d.name == "server") {
            let scope = server_scope(server);
            facts.scopes.push((scope.clone(), server.pos));
            block_facts(&scope, server.children(), facts);
        }
    }
    locations(conf, &mut |location, parents| {
        location_facts(conf, location, parents, facts);
    });
}

/// Facts of the `http` block, where the absence of a directive also
/// counts, because NGINX then applies its own default.
fn http_facts(http: &Directive, facts: &mut Facts) {
    let children = http.children();
    let protocols = children.iter().find(|d| d.name == "ssl_protocols");
    facts.add(
        "",
        "ssl_protocols",
        "GK-TLS-01",
        Kind::TlsMin,
        Value::Number(protocols.map_or(DEFAULT_TLS_MIN, lowest_protocol)),
        protocols.map_or(http.pos, |d| d.pos),
    );
    let body = children.iter().find(|d| d.name == "client_max_body_size");
    facts.add(
        "",
        "client_max_body_size",
        "GK-RATE-03",
        Kind::Limit,
        Value::Number(body.map_or(DEFAULT_BODY_BYTES, |d| size_bytes(d.arg(0)))),
        body.map_or(http.pos, |d| d.pos),
    );
    for zone in children.iter().filter(|d| d.name == "limit_req_zone") {
        let name = argument(zone, "zone=")
            .and_then(|z| z.split(':').next())
            .unwrap_or_default();
        if let Some(rate) = argument(zone, "rate=").and_then(per_second) {
            facts.add(
                "",
                &format!("limit_req_zone `{name}` rate"),
                "GK-RATE-01",
                Kind::Limit,
                Value::Number(rate),
                zone.pos,
            );
        }
    }
    block_facts("", children, facts);
}

/// Facts of the directives that any block (`http`, `server`, `location`)
/// may set for itself.
fn block_facts(scope: &str, children: &[Directive], facts: &mut Facts) {
    for directive in children {
        match directive.name.as_str() {
            "ssl_protocols" if !scope.is_empty() => facts.add(
                scope,
                "ssl_protocols",
                "GK-TLS-01",
                Kind::TlsMin,
                Value::Number(lowest_protocol(directive)),
                directive.pos,
            ),
            "client_max_body_size" if !scope.is_empty() => facts.add(
                scope,
                "client_max_body_size",
                "GK-RATE-03",
                Kind::Limit,
                Value::Number(size_bytes(directive.arg(0))),
                directive.pos,
            ),
            "limit_req" => {
                let zone = argument(directive, "zone=").unwrap_or_default();
                facts.add(
                    scope,
                    &format!("limit_req `{zone}`"),
                    "GK-RATE-01",
                    Kind::Control,
                    Value::Flag(true),
                    directive.pos,
                );
            }
            "server_tokens" => facts.add(
                scope,
                "server_tokens off",
                "GK-HDR-01",
                Kind::Control,
                Value::Flag(directive.arg(0) == "off"),
                directive.pos,
            ),
            "proxy_ssl_verify" => facts.add(
                scope,
                "proxy_ssl_verify",
                "GK-TLS-03",
                Kind::Control,
                Value::Flag(directive.arg(0) == "on"),
                directive.pos,
            ),
            _ => {}
        }
    }
}

/// Facts of one location: whether it authenticates, and what it sets.
/// Authentication is judged as `nginx-location-without-auth` judges it:
/// the innermost authentication directive in scope, unless it is `off`,
/// or an `if` block in the location that returns 401. Named locations
/// (`@name`) serve error pages and are skipped.
fn location_facts<'a>(
    conf: &'a NginxConf,
    location: &'a Directive,
    parents: &[&'a Directive],
    facts: &mut Facts,
) {
    let Some(server) = parents.iter().rev().find(|p| p.name == "server") else {
        return;
    };
    if location.arg(0).starts_with('@') {
        return;
    }
    let mut scope = server_scope(server);
    let enclosing = parents.iter().filter(|p| p.name == "location");
    for block in enclosing.chain(std::iter::once(&location)) {
        scope.push_str(&format!(" location `{}`", words(block)));
    }
    facts.scopes.push((scope.clone(), location.pos));
    let in_scope = Scope::new(conf, parents, Some(location));
    let children = location.children();
    let auth = AUTH_DIRECTIVES
        .iter()
        .filter_map(|name| in_scope.find(name))
        .find(|d| d.arg(0) != "off")
        .or_else(|| children.iter().find(|d| rejects_unauthenticated(d)));
    facts.add(
        &scope,
        "authentication",
        "GK-AUTHN-01",
        Kind::Auth,
        Value::Flag(auth.is_some()),
        auth.map_or(location.pos, |d| d.pos),
    );
    block_facts(&scope, children, facts);
}

/// Returns true for an `if` block that returns 401, which is how the API
/// key and client certificate modes reject a request.
fn rejects_unauthenticated(directive: &Directive) -> bool {
    directive.name == "if"
        && directive
            .children()
            .iter()
            .any(|d| d.name == "return" && d.arg(0) == "401")
}

/// Names a server by `server_name`, or else by its `listen` arguments.
fn server_scope(server: &Directive) -> String {
    let children = server.children();
    if let Some(names) = children.iter().find(|d| d.name == "server_name") {
        return format!("server `{}`", words(names));
    }
    let listens: Vec<String> = children
        .iter()
        .filter(|d| d.name == "listen")
        .map(words)
        .collect();
    format!("server `listen {}`", listens.join(", "))
}

/// Joins a directive's arguments with spaces.
fn words(directive: &Directive) -> String {
    let args: Vec<&str> = directive.args.iter().map(|a| a.text.as_str()).collect();
    args.join(" ")
}

/// Returns the value of a `key=value` argument, such as `zone=` of
/// `limit_req`.
fn argument<'a>(directive: &'a Directive, key: &str) -> Option<&'a str> {
    directive.args.iter().find_map(|a| a.text.strip_prefix(key))
}

/// Returns the lowest protocol an `ssl_protocols` directive enables.
fn lowest_protocol(directive: &Directive) -> f64 {
    super::facts::lowest_protocol(&words(directive))
}

/// Converts a size such as `1024k` or `8m` to bytes. `0` turns the limit
/// off, so it counts as unlimited. An unreadable size counts the same,
/// because NGINX would not start with it and the intent is unknown.
fn size_bytes(text: &str) -> f64 {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, ' '),
    };
    let factor = match unit {
        ' ' => 1.0,
        'k' => 1024.0,
        'm' => 1024.0 * 1024.0,
        'g' => 1024.0 * 1024.0 * 1024.0,
        _ => return f64::INFINITY,
    };
    match digits.parse::<f64>() {
        Ok(n) if n > 0.0 => n * factor,
        _ => f64::INFINITY,
    }
}

/// Converts a `limit_req_zone` rate such as `10r/s` or `600r/m` to
/// requests per second.
fn per_second(rate: &str) -> Option<f64> {
    let (count, unit) = rate.split_once("r/")?;
    let count: f64 = count.parse().ok()?;
    match unit {
        "s" => Some(count),
        "m" => Some(count / 60.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_rates() {
        assert_eq!(size_bytes("1024k"), 1_048_576.0);
        assert_eq!(size_bytes("8M"), 8.0 * 1_048_576.0);
        assert_eq!(size_bytes("512"), 512.0);
        assert_eq!(size_bytes("0"), f64::INFINITY);
        assert_eq!(size_bytes("1x"), f64::INFINITY);
        assert_eq!(per_second("10r/s"), Some(10.0));
        assert_eq!(per_second("600r/m"), Some(10.0));
        assert_eq!(per_second("10"), None);
    }
}
