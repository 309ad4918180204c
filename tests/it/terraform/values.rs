//! Checks of an argument's value where the value is a literal: allowed
//! values, numeric ranges, list lengths and the keys of object arguments.
//! A value computed from an expression is left to the provider.

use hcl::Expression;

use super::problem::Kind;
use super::schema::Argument;

/// Returns every problem with `expr` as the value of `spec`, described for
/// the argument `name`.
pub fn check(name: &str, spec: &Argument, expr: &Expression) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    if spec.deprecated {
        out.push((Kind::Deprecated, format!("argument `{name}` is deprecated")));
    }
    if let Some(allowed) = spec.enforced_values() {
        out.extend(check_allowed(name, &allowed, expr));
    }
    if let (Some([min, max]), Some(n)) = (spec.range, number(expr))
        && (n < min || n > max)
    {
        out.push((
            Kind::Range,
            format!("`{name}` = {n} is outside the range {min} to {max}"),
        ));
    }
    if let Expression::Array(items) = expr {
        out.extend(check_length(name, spec, items.len()));
    }
    if let Some(keys) = &spec.nested_attributes {
        for object in objects(expr) {
            out.extend(check_object(name, keys, object));
        }
    }
    out
}

/// Returns the text of a literal string, number or bool, as Terraform converts it
/// to a string.
pub fn literal(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.clone()),
        Expression::Number(n) => Some(n.to_string()),
        Expression::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(expr: &Expression) -> Option<f64> {
    match expr {
        Expression::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn check_allowed(name: &str, allowed: &[String], expr: &Expression) -> Vec<(Kind, String)> {
    let values: Vec<String> = match expr {
        Expression::Array(items) => items.iter().filter_map(literal).collect(),
        _ => literal(expr).into_iter().collect(),
    };
    values
        .into_iter()
        .filter(|v| !allowed.contains(v))
        .map(|v| {
            let message = format!(
                "`{name}` = \"{v}\" is not an allowed value; expected one of {}",
                allowed.join(", ")
            );
            (Kind::AllowedValue, message)
        })
        .collect()
}

fn check_length(name: &str, spec: &Argument, len: usize) -> Option<(Kind, String)> {
    let too_few = spec.min_items.is_some_and(|min| len < min);
    let too_many = spec.max_items.is_some_and(|max| len > max);
    if !too_few && !too_many {
        return None;
    }
    let min = spec.min_items.unwrap_or(0);
    let max = spec.max_items.map_or("any".to_string(), |m| m.to_string());
    Some((
        Kind::ListLength,
        format!("`{name}` has {len} items; expected {min} to {max}"),
    ))
}

/// Returns the literal objects of `name = { ... }` or `name = [{ ... }, ...]`.
fn objects(expr: &Expression) -> Vec<&hcl::Object<hcl::ObjectKey, Expression>> {
    match expr {
        Expression::Object(object) => vec![object],
        Expression::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Expression::Object(object) => Some(object),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn check_object(
    name: &str,
    keys: &std::collections::BTreeMap<String, Argument>,
    object: &hcl::Object<hcl::ObjectKey, Expression>,
) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let mut present = Vec::new();
    let mut computed_key = false;
    for (key, value) in object {
        let Some(key) = object_key(key) else {
            computed_key = true;
            continue;
        };
        present.push(key.clone());
        let path = format!("{name}.{key}");
        match keys.get(&key) {
            Some(spec) => out.extend(check(&path, spec, value)),
            None => out.push((
                Kind::UnknownArgument,
                format!("`{path}` is not a key of `{name}`"),
            )),
        }
    }
    for (key, spec) in keys {
        if spec.required && !computed_key && !present.contains(key) {
            out.push((
                Kind::MissingArgument,
                format!("`{name}` lacks the required key `{key}`"),
            ));
        }
    }
    out
}

/// Returns the name of an object key written as an identifier or a literal string.
pub fn object_key(key: &hcl::ObjectKey) -> Option<String> {
    match key {
        hcl::ObjectKey::Identifier(ident) => Some(ident.to_string()),
        hcl::ObjectKey::Expression(Expression::String(s)) => Some(s.clone()),
        _ => None,
    }
}
