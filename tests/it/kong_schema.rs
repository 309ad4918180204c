//! A checker for Kong plugin instances against Kong's own plugin schemas, as
//! summarised in `kong-plugins-3.x.json` (fields, types, `one_of`, limits,
//! nested records, entity checks, scope and protocol restrictions).
//!
//! Kong itself cannot run here, so this is the offline stand-in for the
//! schema validation Kong performs when it loads a declarative config.

use std::path::Path;

use serde_json::{Map, Value};

/// Where a plugin instance is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Service,
    Route,
    Consumer,
}

/// Fields of the Kong Enterprise `openid-connect` plugin that the blueprint
/// renders, with the values it may use. The plugin is not in the open source
/// schema summary; names and values are from the plugin's configuration
/// reference, https://developer.konghq.com/plugins/openid-connect/reference/
/// (Kong Gateway Enterprise 3.9).
const OPENID_CONNECT_FIELDS: &[(&str, Option<&[&str]>)] = &[
    ("issuer", None),
    (
        "auth_methods",
        Some(&[
            "authorization_code",
            "bearer",
            "client_credentials",
            "introspection",
            "kong_oauth2",
            "password",
            "refresh_token",
            "session",
            "userinfo",
        ]),
    ),
    ("audience_required", None),
    (
        "bearer_token_param_type",
        Some(&["header", "cookie", "query", "body"]),
    ),
    ("client_id", None),
    ("client_secret", None),
    ("introspection_endpoint", None),
];

/// The plugin schemas of Kong Gateway open source.
pub struct PluginSchemas {
    plugins: Map<String, Value>,
}

impl PluginSchemas {
    /// Loads the schema summary file.
    pub fn load(path: &Path) -> PluginSchemas {
        let text = std::fs::read_to_string(path).expect("plugin schemas readable");
        let mut root: Value = serde_json::from_str(&text).expect("plugin schemas are JSON");
        let plugins = root["plugins"].as_object_mut().map(std::mem::take);
        PluginSchemas {
            plugins: plugins.expect("plugin schemas list plugins"),
        }
    }

    /// Checks one plugin instance; returns every problem found. DB-less mode
    /// and hybrid control planes are assumed, so `one_of_dbless` applies.
    pub fn check(
        &self,
        plugin: &Value,
        scope: Scope,
        route_protocols: &[&str],
        enterprise: bool,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        let name = plugin["name"].as_str().unwrap_or_default();
        let config = &plugin["config"];

        if name == "openid-connect" {
            if !enterprise {
                errors.push("openid-connect is a Kong Enterprise plugin".to_string());
            }
            check_openid_connect(config, &mut errors);
            return errors;
        }
        let Some(schema) = self.plugins.get(name) else {
            errors.push(format!("{name} is not a Kong Gateway open source plugin"));
            return errors;
        };
        if schema.get("flag_only") == Some(&Value::Bool(true)) {
            errors.push(format!("{name} runs arbitrary Lua in the gateway"));
        }

        check_scope(schema, scope, &mut errors);
        check_protocols(schema, plugin, route_protocols, &mut errors);
        let empty = Map::new();
        let fields = schema["config"].as_object().unwrap_or(&empty);
        let shorthands = schema["shorthand_fields"].as_object().unwrap_or(&empty);
        match config.as_object() {
            Some(values) => check_record("config", fields, shorthands, values, &mut errors),
            None => errors.push("config must be a mapping".to_string()),
        }

        for check in schema["entity_checks"].as_array().into_iter().flatten() {
            check_entity(check, plugin, &mut errors);
        }
        if let Some(validator) = schema["config_validator"].as_str() {
            check_config_validator(validator, config, &mut errors);
        }
        errors
    }
}

fn check_openid_connect(config: &Value, errors: &mut Vec<String>) {
    for (key, value) in config.as_object().into_iter().flatten() {
        match OPENID_CONNECT_FIELDS.iter().find(|(name, _)| name == key) {
            None => errors.push(format!("config.{key}: not a field the blueprint may use")),
            Some((_, Some(allowed))) => {
                for item in value.as_array().into_iter().flatten() {
                    if !item.as_str().is_some_and(|v| allowed.contains(&v)) {
                        errors.push(format!("config.{key}: {item} is not one of {allowed:?}"));
                    }
                }
            }
            Some((_, None)) => {}
        }
    }
    if config["issuer"].as_str().is_none() {
        errors.push("config.issuer is required".to_string());
    }
}

fn check_scope(schema: &Value, scope: Scope, errors: &mut Vec<String>) {
    let (flag, what) = match scope {
        Scope::Global => return,
        Scope::Service => ("no_service", "service"),
        Scope::Route => ("no_route", "route"),
        Scope::Consumer => ("no_consumer", "consumer"),
    };
    if schema[flag] == Value::Bool(true) {
        errors.push(format!("cannot be attached to a {what}"));
    }
}

/// A plugin runs only for requests whose protocol it lists, so every
/// protocol of the routes it covers must be among them.
fn check_protocols(
    schema: &Value,
    plugin: &Value,
    route_protocols: &[&str],
    errors: &mut Vec<String>,
) {
    let allowed = strings(&schema["protocols"]);
    let configured = match plugin.get("protocols") {
        Some(list) => strings(list),
        None => strings(&schema["protocols_default"]),
    };
    for protocol in &configured {
        if !allowed.contains(protocol) {
            errors.push(format!("protocol {protocol} is not allowed"));
        }
    }
    for protocol in route_protocols {
        if !configured.iter().any(|p| p == protocol) {
            errors.push(format!("would not run on {protocol} routes"));
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn check_record(
    path: &str,
    fields: &Map<String, Value>,
    shorthands: &Map<String, Value>,
    values: &Map<String, Value>,
    errors: &mut Vec<String>,
) {
    for (key, value) in values {
        let at = format!("{path}.{key}");
        if let Some(field) = fields.get(key) {
            check_field(&at, field, value, errors);
        } else if let Some(shorthand) = shorthands.get(key) {
            check_field(&at, shorthand, value, errors);
        } else {
            errors.push(format!("{at}: unknown field"));
        }
    }
    for (key, field) in fields {
        let required = field["required"] == Value::Bool(true);
        let filled = field.get("default").is_some()
            || field["required_implicit"] == Value::Bool(true)
            || field.get("auto") == Some(&Value::Bool(true));
        if required && !filled && !values.contains_key(key) {
            errors.push(format!("{path}.{key}: required"));
        }
    }
}

fn check_field(path: &str, field: &Value, value: &Value, errors: &mut Vec<String>) {
    if value.is_null() {
        if field["required"] == Value::Bool(true) && field.get("default").is_none() {
            errors.push(format!("{path}: required, got null"));
        }
        return;
    }
    let kind = field["type"].as_str().unwrap_or_default();
    let type_ok = match kind {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "array" | "set" => value.is_array(),
        "map" | "record" => value.is_object(),
        _ => true,
    };
    if !type_ok {
        errors.push(format!("{path}: expected {kind}, got {value}"));
        return;
    }
    check_limits(path, field, value, errors);
    match kind {
        "string" => check_string(path, field, value.as_str().unwrap_or_default(), errors),
        "array" | "set" => {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                if item.is_null() {
                    errors.push(format!("{path}[{i}]: elements may not be null"));
                } else {
                    check_field(&format!("{path}[{i}]"), &field["elements"], item, errors);
                }
            }
        }
        "map" => {
            for (key, item) in value.as_object().into_iter().flatten() {
                let key_value = Value::String(key.clone());
                check_field(
                    &format!("{path} key {key}"),
                    &field["keys"],
                    &key_value,
                    errors,
                );
                check_field(&format!("{path}.{key}"), &field["values"], item, errors);
            }
        }
        "record" => {
            let empty = Map::new();
            let fields = field["fields"].as_object().unwrap_or(&empty);
            let shorthands = field["shorthand_fields"].as_object().unwrap_or(&empty);
            let values = value.as_object().unwrap_or(&empty);
            check_record(path, fields, shorthands, values, errors);
        }
        _ => {}
    }
}

fn check_limits(path: &str, field: &Value, value: &Value, errors: &mut Vec<String>) {
    let number = value.as_f64();
    if let (Some(n), Some([min, max])) = (number, field["between"].as_array().map(Vec::as_slice))
        && (n < min.as_f64().unwrap_or(f64::MIN) || n > max.as_f64().unwrap_or(f64::MAX))
    {
        errors.push(format!("{path}: {n} is not between {min} and {max}"));
    }
    if let (Some(n), Some(gt)) = (number, field["gt"].as_f64())
        && n <= gt
    {
        errors.push(format!("{path}: {n} is not greater than {gt}"));
    }
    let length = match value {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    };
    if let (Some(len), Some(min)) = (length, field["len_min"].as_u64())
        && (len as u64) < min
    {
        errors.push(format!("{path}: shorter than {min}"));
    }
    // DB-less nodes and hybrid control planes accept the narrower list.
    let one_of = field.get("one_of_dbless").or_else(|| field.get("one_of"));
    if let Some(allowed) = one_of.and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
}

fn check_string(path: &str, field: &Value, text: &str, errors: &mut Vec<String>) {
    let min = field["len_min"].as_u64().unwrap_or(1);
    if (text.chars().count() as u64) < min {
        errors.push(format!("{path}: empty string"));
    }
    if let Some(prefix) = field["starts_with"].as_str()
        && !text.starts_with(prefix)
    {
        errors.push(format!("{path}: must start with {prefix}"));
    }
    if let Some(pattern) = field["match"]["regex"].as_str()
        && !matches(pattern, text)
    {
        errors.push(format!("{path}: {text:?} does not match {pattern}"));
    }
    for rule in field["match_none"].as_array().into_iter().flatten() {
        if let Some(pattern) = rule["regex"].as_str()
            && matches(pattern, text)
        {
            errors.push(format!("{path}: {text:?} matches forbidden {pattern}"));
        }
    }
    if field["validator"] == "header_name" && !matches("^[a-zA-Z0-9_-]+$", text) {
        errors.push(format!("{path}: {text:?} is not a header name"));
    }
}

fn matches(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern)
        .unwrap_or_else(|e| panic!("schema regex {pattern}: {e}"))
        .is_match(text)
}

/// Looks up a dotted path such as `config.redis.host` in a plugin instance.
fn lookup<'a>(plugin: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(plugin, |value, key| &value[key])
}

fn check_entity(check: &Value, plugin: &Value, errors: &mut Vec<String>) {
    let set = |paths: &Value| -> usize {
        paths
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|p| !lookup(plugin, p).is_null())
            .count()
    };
    if let Some(paths) = check.get("only_one_of") {
        if set(paths) > 1 {
            errors.push(format!("only one of {paths} may be set"));
        }
    } else if let Some(paths) = check.get("at_least_one_of") {
        if set(paths) == 0 {
            errors.push(format!("at least one of {paths} must be set"));
        }
    } else if let Some(conditional) = check.get("conditional") {
        check_conditional(conditional, plugin, errors);
    } else {
        errors.push(format!(
            "entity check {check} is not understood by this test"
        ));
    }
}

fn check_conditional(rule: &Value, plugin: &Value, errors: &mut Vec<String>) {
    let if_field = rule["if_field"].as_str().unwrap_or_default();
    let if_value = lookup(plugin, if_field);
    let if_match = &rule["if_match"];
    let applies = if let Some(gt) = if_match["gt"].as_f64() {
        if_value.as_f64().is_some_and(|v| v > gt)
    } else if let Some(eq) = if_match.get("eq") {
        if_value == eq
    } else {
        errors.push(format!("conditional {rule} is not understood by this test"));
        return;
    };
    if !applies {
        return;
    }
    let then_field = rule["then_field"].as_str().unwrap_or_default();
    let then_value = lookup(plugin, then_field);
    let then_match = &rule["then_match"];
    if let Some(item) = then_match.get("contains") {
        if !then_value.as_array().is_some_and(|a| a.contains(item)) {
            errors.push(format!(
                "{then_field} must contain {item} when {if_field} is set"
            ));
        }
    } else if then_match["required"] == Value::Bool(true) {
        if then_value.is_null() {
            errors.push(format!("{then_field} is required when {if_field} is set"));
        }
    } else {
        errors.push(format!("conditional {rule} is not understood by this test"));
    }
}

/// Whole-config validators (described in the schema's `validators` table)
/// of the plugins the blueprint renders.
fn check_config_validator(name: &str, config: &Value, errors: &mut Vec<String>) {
    match name {
        "rate_limiting_periods_and_sync_rate" => {
            let periods = ["second", "minute", "hour", "day", "month", "year"];
            let set: Vec<f64> = periods.iter().filter_map(|p| config[p].as_f64()).collect();
            if set.windows(2).any(|w| w[1] < w[0]) {
                errors.push("a longer period's limit is lower than a shorter one's".to_string());
            }
            let sync_rate = config["sync_rate"].as_f64().unwrap_or(-1.0);
            if sync_rate != -1.0 && config["policy"] != "redis" {
                errors.push("sync_rate needs policy redis".to_string());
            }
        }
        "request_termination_body_rules" => {
            let present = |k: &str| config[k].as_str().is_some_and(|s| !s.is_empty());
            if present("message") && (present("content_type") || present("body")) {
                errors.push("message cannot be combined with content_type or body".to_string());
            }
            if present("content_type") && !present("body") {
                errors.push("content_type requires body".to_string());
            }
        }
        "http_log_userinfo_vs_authorization" => {
            let endpoint = config["http_endpoint"].as_str().unwrap_or_default();
            let userinfo = url::Url::parse(endpoint)
                .map(|u| !u.username().is_empty())
                .unwrap_or(false);
            let authorization = config["headers"]
                .as_object()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("authorization")));
            if userinfo && authorization {
                errors.push("http_endpoint userinfo and an Authorization header".to_string());
            }
        }
        // Kong's configuration loader adds the prometheus_metrics shared
        // dict whenever the plugin is enabled, so nothing in the config can
        // fail this validator.
        "prometheus_shared_dict" => {}
        other => errors.push(format!(
            "config validator {other} is not understood by this test"
        )),
    }
}
