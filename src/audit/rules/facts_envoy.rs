//! Security facts of an Envoy bootstrap, for blueprint conformance.
//!
//! Scopes are listeners, the routes of their connection managers (named by
//! the route's `name`, or else by its path match) and clusters. Route
//! authentication follows the `envoy-route-without-auth` rule: an
//! authentication filter runs in the connection manager and the route does
//! not disable it.

use super::envoy_auth::{answers_itself, authenticates, for_each_route, route_disables_auth};
use super::envoy_limits::verifies;
use super::facts::{Facts, Kind, Value};
use crate::audit::parsers::envoy::{self, Hcm, at, filter_is};
use crate::yaml::Node;

/// Minimum TLS version of an Envoy server without
/// `tls_minimum_protocol_version` (or with `TLS_AUTO`): TLS 1.2.
const DEFAULT_TLS_MIN: f64 = 1.2;

pub(super) fn envoy(root: &Node, facts: &mut Facts) {
    for hcm in envoy::http_managers(root) {
        manager_facts(&hcm, facts);
    }
    for cluster in envoy::clusters(root) {
        let Some(config) = at(cluster, "transport_socket.typed_config") else {
            continue;
        };
        let upstream_tls = config
            .get("@type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.ends_with("UpstreamTlsContext"));
        if !upstream_tls {
            continue;
        }
        let name = cluster.get("name").and_then(Node::as_str).unwrap_or("");
        let scope = format!("cluster `{name}`");
        facts.scopes.push((scope.clone(), cluster.pos));
        facts.add(
            &scope,
            "upstream certificate verified",
            "GK-TLS-03",
            Kind::Control,
            Value::Flag(verifies(config)),
            config.pos,
        );
    }
}

/// Facts of one connection manager: the listener's TLS floor, the filters
/// that implement controls, their limits, and each route's authentication.
fn manager_facts(hcm: &Hcm<'_>, facts: &mut Facts) {
    let listener = hcm
        .listener
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or("");
    let scope = format!("listener `{listener}`");
    facts.scopes.push((scope.clone(), hcm.listener.pos));
    if envoy::chain_has_tls(hcm.chain) {
        let minimum = at(
            hcm.chain,
            "transport_socket.typed_config.common_tls_context.tls_params.tls_minimum_protocol_version",
        );
        facts.add(
            &scope,
            "tls_minimum_protocol_version",
            "GK-TLS-01",
            Kind::TlsMin,
            Value::Number(
                minimum
                    .and_then(Node::as_str)
                    .map_or(DEFAULT_TLS_MIN, tls_version),
            ),
            minimum.map_or(hcm.chain.pos, |n| n.pos),
        );
    }
    let filters = envoy::http_filters(hcm);
    let authentication = filters.iter().find(|f| authenticates(f));
    facts.add(
        &scope,
        "authentication filter",
        "GK-AUTHN-01",
        Kind::Control,
        Value::Flag(authentication.is_some()),
        authentication.map_or(hcm.config.pos, |f| f.pos),
    );
    for filter in &filters {
        filter_facts(&scope, filter, facts);
    }
    for_each_route(hcm, &mut |virtual_host, route| {
        if answers_itself(route) {
            return;
        }
        let name = route
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| super::envoy_auth::route_path(route), str::to_string);
        let route_scope = format!("{scope} route `{virtual_host} {name}`");
        let pos = route.get("match").map_or(route.pos, |m| m.pos);
        facts.scopes.push((route_scope.clone(), pos));
        facts.add(
            &route_scope,
            "authentication",
            "GK-AUTHN-01",
            Kind::Auth,
            Value::Flag(authentication.is_some() && !route_disables_auth(route)),
            pos,
        );
        let per_route = route
            .get("typed_per_filter_config")
            .and_then(Node::as_map)
            .unwrap_or(&[]);
        for (filter, config) in per_route {
            if filter
                .as_scalar()
                .is_some_and(|n| n.contains("local_ratelimit"))
            {
                bucket_facts(&route_scope, config, facts);
            }
        }
    });
}

/// Facts of one HTTP filter that implements a control.
fn filter_facts(scope: &str, filter: &Node, facts: &mut Facts) {
    let config = filter.get("typed_config");
    let present = |subject: &str, control: &'static str, facts: &mut Facts| {
        facts.add(
            scope,
            subject,
            control,
            Kind::Control,
            Value::Flag(true),
            filter.pos,
        );
    };
    if filter_is(filter, "local_ratelimit") {
        present("local_ratelimit filter", "GK-RATE-01", facts);
        if let Some(config) = config {
            bucket_facts(scope, config, facts);
        }
    } else if filter_is(filter, "buffer") {
        present("buffer filter", "GK-RATE-03", facts);
        if let Some(limit) = config.and_then(|c| c.get("max_request_bytes")) {
            facts.add(
                scope,
                "max_request_bytes",
                "GK-RATE-03",
                Kind::Limit,
                Value::Number(number(limit).unwrap_or(f64::INFINITY)),
                limit.pos,
            );
        }
    } else if filter_is(filter, "cors") {
        present("cors filter", "GK-CORS-01", facts);
    }
}

/// Facts of a `local_ratelimit` configuration: the size and refill rate of
/// its default bucket and of each descriptor's bucket, so raising either is
/// reported.
fn bucket_facts(scope: &str, config: &Node, facts: &mut Facts) {
    if let Some(bucket) = config.get("token_bucket") {
        bucket_limits(scope, "local_ratelimit", bucket, facts);
    }
    for descriptor in envoy::list(config.get("descriptors")) {
        let Some(bucket) = descriptor.get("token_bucket") else {
            continue;
        };
        let entries: Vec<String> = envoy::list(descriptor.get("entries"))
            .iter()
            .map(|entry| {
                let key = entry.get("key").and_then(Node::as_str).unwrap_or("");
                match entry.get("value").and_then(Node::as_str) {
                    Some(value) => format!("{key}={value}"),
                    None => key.to_string(),
                }
            })
            .collect();
        let label = format!("local_ratelimit descriptor `{}`", entries.join(", "));
        bucket_limits(scope, &label, bucket, facts);
    }
}

/// Adds the size and the refill rate of one token bucket.
fn bucket_limits(scope: &str, label: &str, bucket: &Node, facts: &mut Facts) {
    if let Some(tokens) = bucket.get("max_tokens") {
        facts.add(
            scope,
            &format!("{label} max_tokens"),
            "GK-RATE-01",
            Kind::Limit,
            Value::Number(number(tokens).unwrap_or(f64::INFINITY)),
            tokens.pos,
        );
    }
    let per_fill = bucket.get("tokens_per_fill");
    let interval = bucket.get("fill_interval");
    // Envoy adds one token per interval when `tokens_per_fill` is unset.
    let tokens = per_fill.map_or(Some(1.0), number);
    let seconds = interval.and_then(Node::as_str).and_then(duration_seconds);
    if let (Some(tokens), Some(seconds), Some(interval)) = (tokens, seconds, interval) {
        facts.add(
            scope,
            &format!("{label} tokens per second"),
            "GK-RATE-01",
            Kind::Limit,
            Value::Number(tokens / seconds),
            per_fill.map_or(interval.pos, |n| n.pos),
        );
    }
}

/// Converts `TLSv1_2` and its siblings to a number; `TLS_AUTO` and unknown
/// values count as Envoy's default.
fn tls_version(text: &str) -> f64 {
    match text {
        "TLSv1_0" => 1.0,
        "TLSv1_1" => 1.1,
        "TLSv1_3" => 1.3,
        _ => DEFAULT_TLS_MIN,
    }
}

/// Reads a number written as a YAML number or a string (proto JSON writes
/// 64-bit integers as strings).
fn number(node: &Node) -> Option<f64> {
    node.as_scalar()?.parse().ok()
}

/// Converts a proto JSON duration such as `1s` or `0.5s` to seconds.
fn duration_seconds(text: &str) -> Option<f64> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    (seconds > 0.0).then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_versions() {
        assert_eq!(duration_seconds("1s"), Some(1.0));
        assert_eq!(duration_seconds("0.5s"), Some(0.5));
        assert_eq!(duration_seconds("0s"), None);
        assert_eq!(duration_seconds("1m"), None);
        assert_eq!(tls_version("TLSv1_1"), 1.1);
        assert_eq!(tls_version("TLS_AUTO"), 1.2);
    }
}
