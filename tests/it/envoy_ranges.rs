//! Checks on Envoy bootstraps that `envoy-validate` cannot make: it loads a
//! file into Envoy's typed API models, but skips the protoc-gen-validate
//! rules (port ranges, positive durations, HTTP/2 window bounds) and never
//! follows a name from one part of the bootstrap to another. The bounds
//! below are the `validate.rules` of Envoy's v3 protos, plus gatekit's own
//! where Envoy accepts a value that turns a protection off (a zero timeout).

use std::collections::BTreeSet;

use serde_json::Value;

/// HTTP/2 flow-control windows: at least the protocol's initial 65535
/// bytes, at most 2^31 - 1 (`Http2ProtocolOptions`).
const WINDOW: std::ops::RangeInclusive<u64> = 65_535..=2_147_483_647;

/// Keys whose value is a protobuf `Duration` that must be positive here: a
/// zero timeout disables it.
const DURATIONS: &[&str] = &[
    "cache_duration",
    "connect_timeout",
    "fill_interval",
    "idle_timeout",
    "max_lifetime",
    "refresh_interval",
    "request_headers_timeout",
    "request_timeout",
    "stream_idle_timeout",
    "timeout",
];

/// Returns every value of `bootstrap` that is out of range, each with its
/// path in the document.
pub fn range_problems(bootstrap: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    walk(bootstrap, "", &mut problems);
    problems
}

fn walk(value: &Value, path: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                check_key(key, child, map, &child_path, problems);
                walk(child, &child_path, problems);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

fn check_key(
    key: &str,
    value: &Value,
    parent: &serde_json::Map<String, Value>,
    path: &str,
    problems: &mut Vec<String>,
) {
    let mut within = |low: u64, high: u64| match value.as_u64() {
        Some(n) if (low..=high).contains(&n) => {}
        _ => problems.push(format!("{path}: {value} is not in {low}..={high}")),
    };
    match key {
        "port_value" => within(1, 65_535),
        "max_concurrent_streams" => within(1, 2_147_483_647),
        "initial_stream_window_size" | "initial_connection_window_size" => {
            within(*WINDOW.start(), *WINDOW.end());
        }
        // Envoy caps headers at 8192 KiB; 0 is invalid.
        "max_request_headers_kb" => within(1, 8_192),
        "max_headers_count" | "max_dynamic_descriptors" | "max_request_bytes" => {
            within(1, u64::from(u32::MAX));
        }
        "per_connection_buffer_limit_bytes" => within(1, 1_048_576),
        "max_heap_size_bytes" | "max_active_downstream_connections" => within(1, u64::MAX),
        "max_tokens" | "tokens_per_fill" => within(1, u64::from(u32::MAX)),
        "clock_skew_seconds" => within(0, 300),
        "num_retries" => within(0, 10),
        "numerator" => {
            let limit = match parent.get("denominator").and_then(Value::as_str) {
                Some("HUNDRED") | None => 100,
                Some("TEN_THOUSAND") => 10_000,
                Some("MILLION") => 1_000_000,
                Some(other) => {
                    problems.push(format!("{path}: unknown denominator {other}"));
                    return;
                }
            };
            within(0, limit);
        }
        "threshold" => {
            let fraction = value.get("value").and_then(Value::as_f64);
            if !fraction.is_some_and(|v| v > 0.0 && v <= 1.0) {
                problems.push(format!("{path}: threshold {value} is not in (0, 1]"));
            }
        }
        "token_bucket" => check_token_bucket(value, path, problems),
        "regex" => check_regex(value, path, problems),
        key if key.ends_with(".connection_limit") => within(1, u64::from(u32::MAX)),
        key if DURATIONS.contains(&key) => check_duration(key, value, path, problems),
        _ => {}
    }
}

/// Parses a protobuf JSON duration (`"1.5s"`) into seconds.
pub fn seconds(value: &Value) -> Option<f64> {
    let text = value.as_str()?.strip_suffix('s')?;
    let valid = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.matches('.').count() <= 1;
    if !valid {
        return None;
    }
    text.parse().ok()
}

fn check_duration(key: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
    // `timeout` is also the name of an ext_authz gRPC message field; only
    // strings are durations.
    if key == "timeout" && value.is_object() {
        return;
    }
    match seconds(value) {
        // Envoy rejects a token bucket that refills more often than every 50 ms.
        Some(s) if key == "fill_interval" && s < 0.05 => {
            problems.push(format!("{path}: {value} is below 50 ms"));
        }
        Some(s) if s > 0.0 && s <= 86_400.0 => {}
        Some(_) => problems.push(format!("{path}: {value} is not in (0 s, 1 day]")),
        None => problems.push(format!("{path}: {value} is not a duration such as \"5s\"")),
    }
}

fn check_token_bucket(bucket: &Value, path: &str, problems: &mut Vec<String>) {
    let max = bucket.get("max_tokens").and_then(Value::as_u64);
    let fill = bucket.get("tokens_per_fill").and_then(Value::as_u64);
    if let (Some(max), Some(fill)) = (max, fill)
        && fill > max
    {
        problems.push(format!(
            "{path}: tokens_per_fill {fill} exceeds max_tokens {max}, so part of every fill is lost"
        ));
    }
    if max.is_none() {
        problems.push(format!("{path}: max_tokens is missing"));
    }
}

fn check_regex(value: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(pattern) = value.as_str() else {
        problems.push(format!("{path}: {value} is not a string"));
        return;
    };
    if let Err(error) = regex::Regex::new(pattern) {
        problems.push(format!("{path}: {pattern:?} does not compile: {error}"));
    }
    if !(pattern.starts_with('^') && pattern.ends_with('$')) {
        problems.push(format!("{path}: {pattern:?} is not anchored with ^ and $"));
    }
}

/// Returns the names in `bootstrap` that point at nothing: clusters that
/// routes, JWKS and authorization calls use, runtime keys of listeners,
/// overload triggers, filter order, and duplicate names or ports.
pub fn reference_problems(bootstrap: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let resources = &bootstrap["static_resources"];
    let listeners = resources["listeners"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let clusters = resources["clusters"]
        .as_array()
        .cloned()
        .unwrap_or_default();

    let cluster_names = unique_names(&clusters, "cluster", &mut problems);
    let listener_names = unique_names(&listeners, "listener", &mut problems);
    for cluster in &clusters {
        let assigned = &cluster["load_assignment"]["cluster_name"];
        if *assigned != cluster["name"] {
            problems.push(format!(
                "cluster {}: load_assignment names {assigned}",
                cluster["name"]
            ));
        }
    }

    let mut ports = BTreeSet::new();
    for listener in &listeners {
        let port = &listener["address"]["socket_address"]["port_value"];
        if !ports.insert(port.to_string()) {
            problems.push(format!(
                "listener {}: port {port} used twice",
                listener["name"]
            ));
        }
    }
    let admin_port = &bootstrap["admin"]["address"]["socket_address"]["port_value"];
    if ports.contains(&admin_port.to_string()) {
        problems.push(format!(
            "the admin port {admin_port} is also a listener port"
        ));
    }

    let mut used = Vec::new();
    collect_clusters(resources, &mut used);
    for name in used {
        if !cluster_names.contains(name.as_str()) {
            problems.push(format!("cluster {name} is used but not defined"));
        }
    }

    for layer in bootstrap["layered_runtime"]["layers"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for key in layer["static_layer"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if let Some(rest) = key.strip_prefix("envoy.resource_limits.listener.") {
                let name = rest.trim_end_matches(".connection_limit");
                if !listener_names.contains(name) {
                    problems.push(format!("runtime key {key} names no listener"));
                }
            }
        }
    }

    let monitors: BTreeSet<&str> = bootstrap["overload_manager"]["resource_monitors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str())
        .collect();
    for action in bootstrap["overload_manager"]["actions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for trigger in action["triggers"].as_array().into_iter().flatten() {
            let name = trigger["name"].as_str().unwrap_or_default();
            if !monitors.contains(name) {
                problems.push(format!("overload trigger {name} names no resource monitor"));
            }
        }
    }

    for manager in connection_managers(bootstrap) {
        check_filter_chain(manager, &mut problems);
    }
    problems
}

fn unique_names<'a>(
    items: &'a [Value],
    kind: &str,
    problems: &mut Vec<String>,
) -> BTreeSet<&'a str> {
    let mut names = BTreeSet::new();
    for item in items {
        let name = item["name"].as_str().unwrap_or_default();
        if !names.insert(name) {
            problems.push(format!("{kind} name {name:?} is used twice"));
        }
    }
    names
}

/// Collects the value of every `cluster` key: routes, `http_uri` and
/// `server_uri` name their cluster that way.
fn collect_clusters(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "cluster"
                    && let Some(name) = child.as_str()
                {
                    out.push(name.to_string());
                }
                collect_clusters(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_clusters(item, out)),
        _ => {}
    }
}

/// Returns the `HttpConnectionManager` configuration of every listener.
pub fn connection_managers(bootstrap: &Value) -> Vec<&Value> {
    bootstrap["static_resources"]["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|l| l["filter_chains"].as_array().into_iter().flatten())
        .flat_map(|chain| chain["filters"].as_array().into_iter().flatten())
        .filter(|f| f["name"] == "envoy.filters.network.http_connection_manager")
        .map(|f| &f["typed_config"])
        .collect()
}

fn check_filter_chain(manager: &Value, problems: &mut Vec<String>) {
    let prefix = &manager["stat_prefix"];
    let filters: Vec<&str> = manager["http_filters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str())
        .collect();
    if filters.last() != Some(&"envoy.filters.http.router") {
        problems.push(format!("{prefix}: the router is not the last HTTP filter"));
    }
    for filter in manager["http_filters"].as_array().into_iter().flatten() {
        let config = &filter["typed_config"];
        let Some(base) = seconds(&config["token_bucket"]["fill_interval"]) else {
            continue;
        };
        for descriptor in config["descriptors"].as_array().into_iter().flatten() {
            let interval = seconds(&descriptor["token_bucket"]["fill_interval"]).unwrap_or(0.0);
            let ratio = interval / base;
            // Envoy requires each descriptor's interval to be a multiple of the default one.
            if (ratio - ratio.round()).abs() > 1e-9 || ratio < 1.0 {
                problems.push(format!(
                    "{prefix}: descriptor fill_interval {interval} s is not a multiple of {base} s"
                ));
            }
        }
    }
}
