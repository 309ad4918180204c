//! Escaping of template values for each output format.
//!
//! Every `{{ value }}` in a template is escaped for the format of the file
//! being rendered: YAML and HCL values become quoted strings, XML and
//! Markdown get entity or backslash escapes, NGINX values are quoted and may
//! not contain `$`. Typed output (numbers, lists) goes through the `lit`
//! filter, which writes a literal of the current format. Tera's `safe` filter
//! is disabled, so the only unescaped text is text written in the template
//! itself.
//!
//! Tera takes one escape function per engine, so the format of the file
//! being rendered is kept in a thread-local set by [`with_format`].

use std::cell::Cell;
use std::fmt::Write as _;
use std::io;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tera::{Kwargs, State, Tera, TeraResult, Value};

/// Format of a generated file, which selects its escaping and its parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// YAML, read as YAML 1.1 by most consumers.
    Yaml,
    /// JSON.
    Json,
    /// HashiCorp configuration language (Terraform).
    Hcl,
    /// XML (Apigee bundles).
    Xml,
    /// NGINX configuration.
    Nginx,
    /// Markdown.
    Markdown,
    /// Plain text with no interpolation rules (`.gitignore`, CODEOWNERS).
    Text,
    /// A POSIX shell script.
    Shell,
}

impl Format {
    /// Returns the format's name as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Hcl => "hcl",
            Format::Xml => "xml",
            Format::Nginx => "nginx",
            Format::Markdown => "markdown",
            Format::Text => "text",
            Format::Shell => "shell",
        }
    }
}

thread_local! {
    static CURRENT: Cell<Format> = const { Cell::new(Format::Text) };
}

/// Runs `f` with `format` as the escaping format of the current thread.
pub fn with_format<T>(format: Format, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.replace(format));
    let result = f();
    CURRENT.with(|c| c.set(previous));
    result
}

fn current() -> Format {
    CURRENT.with(Cell::get)
}

/// The escape function registered with Tera: quotes or escapes a string for
/// the current format.
pub fn escape_current(input: &str, output: &mut dyn io::Write) -> io::Result<()> {
    let text = quote(current(), input).map_err(io::Error::other)?;
    output.write_all(text.as_bytes())
}

/// Registers the escaping filters on `tera` and disables `safe`.
pub fn register(tera: &mut Tera) {
    tera.set_escape_fn(escape_current);
    tera.register_filter("safe", |_: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
        Err(tera::Error::message(
            "the `safe` filter is disabled in gatekit blueprints: use `lit`, `text` or a format filter",
        ))
    });
    tera.register_filter("lit", |value: &Value, _: Kwargs, _: &State| {
        literal_filter(current(), value)
    });
    for format in [
        Format::Yaml,
        Format::Json,
        Format::Hcl,
        Format::Xml,
        Format::Nginx,
        Format::Markdown,
        Format::Shell,
    ] {
        let name = match format {
            Format::Markdown => "md",
            other => other.as_str(),
        };
        tera.register_filter(name, move |value: &Value, _: Kwargs, _: &State| {
            literal_filter(format, value)
        });
    }
    tera.register_filter(
        "text",
        |value: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
            let text = scalar_text(value)?;
            inner(current(), &text)
                .map(|s| Value::safe_string(&s))
                .map_err(tera::Error::message)
        },
    );
    tera.register_filter(
        "num",
        |value: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
            if value.is_number() {
                Ok(Value::safe_string(&value.to_string()))
            } else {
                Err(tera::Error::message(format!(
                    "`num` expects a number, got {}",
                    value.name()
                )))
            }
        },
    );
    tera.register_filter(
        "code",
        |value: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
            let text = scalar_text(value)?;
            code_span(&text)
                .map(|s| Value::safe_string(&s))
                .map_err(tera::Error::message)
        },
    );
    tera.register_filter(
        "comment",
        |value: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
            let text = scalar_text(value)?;
            comment(current(), &text)
                .map(|s| Value::safe_string(&s))
                .map_err(tera::Error::message)
        },
    );
    tera.register_filter(
        "mermaid",
        |value: &Value, _: Kwargs, _: &State| -> TeraResult<Value> {
            let text = scalar_text(value)?;
            Ok(Value::safe_string(&mermaid_label(&text)))
        },
    );
}

fn scalar_text(value: &Value) -> TeraResult<String> {
    match value.as_str() {
        Some(s) => Ok(s.to_string()),
        None if value.is_number() || value.is_bool() => Ok(value.to_string()),
        None => Err(tera::Error::message(format!(
            "expected text, got {}",
            value.name()
        ))),
    }
}

fn literal_filter(format: Format, value: &Value) -> TeraResult<Value> {
    let json = serde_json::to_value(value).map_err(|e| tera::Error::message(e.to_string()))?;
    literal(format, &json)
        .map(|s| Value::safe_string(&s))
        .map_err(tera::Error::message)
}

/// Rejects characters no generated file may carry in a value.
fn check_chars(input: &str) -> Result<(), String> {
    match input
        .chars()
        .find(|&c| crate::answers::validate::is_forbidden_char(c))
    {
        Some(c) => Err(format!(
            "value {:?} contains the control character U+{:04X}",
            input, c as u32
        )),
        None => Ok(()),
    }
}

/// Quotes a string as a complete value of `format`.
pub fn quote(format: Format, input: &str) -> Result<String, String> {
    check_chars(input)?;
    Ok(match format {
        Format::Yaml | Format::Json | Format::Hcl | Format::Nginx => {
            format!("\"{}\"", inner(format, input)?)
        }
        Format::Shell => shell_quote(input),
        Format::Xml | Format::Markdown | Format::Text => inner(format, input)?,
    })
}

/// Escapes a string for use inside a quoted value of `format` written by the
/// template (`"prefix-{{ name | text }}"`).
pub fn inner(format: Format, input: &str) -> Result<String, String> {
    check_chars(input)?;
    let mut out = String::with_capacity(input.len() + 8);
    match format {
        Format::Yaml | Format::Json => {
            for c in input.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    // YAML 1.1 treats NEL as a line break; keep it escaped.
                    '\u{85}' => out.push_str("\\u0085"),
                    c => out.push(c),
                }
            }
        }
        Format::Hcl => {
            let mut chars = input.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    // `${` and `%{` start HCL template sequences; doubling the
                    // sigil is HCL's escape for a literal one.
                    '$' | '%' if chars.peek() == Some(&'{') => {
                        out.push(c);
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
        }
        Format::Nginx => {
            for c in input.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '$' => {
                        return Err(format!(
                            "value {input:?} contains `$`, which NGINX expands as a variable and cannot escape"
                        ));
                    }
                    c => out.push(c),
                }
            }
        }
        Format::Xml => {
            for c in input.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    c => out.push(c),
                }
            }
        }
        Format::Markdown => {
            let marker = block_marker_end(input);
            for (i, c) in input.char_indices() {
                // Inline markup characters, plus `$` (GitHub renders `$...$` as
                // math) and `#` (a heading when the value starts a line).
                if "\\`*_[]<>|~&$#".contains(c) || Some(i) == marker {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        Format::Text => out.push_str(input),
        Format::Shell => {
            let quoted = shell_quote(input);
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
    }
    Ok(out)
}

/// Returns the byte index of the character that would make `input` a list
/// item, a thematic break or a setext underline when it starts a Markdown
/// line: a leading `-`, `+` or `=`, or the `.` or `)` after leading digits
/// that a space or the end follows. A backslash before it keeps it text,
/// wherever in a line the value lands.
fn block_marker_end(input: &str) -> Option<usize> {
    if input.starts_with(['-', '+', '=']) {
        return Some(0);
    }
    let digits = input.len() - input.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = &input[digits..];
    let ordered = (1..=9).contains(&digits)
        && rest.starts_with(['.', ')'])
        && rest[1..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t');
    ordered.then_some(digits)
}

fn shell_quote(input: &str) -> String {
    format!("'{}'", input.replace('\'', "'\\''"))
}

/// Writes a typed literal of `format`: numbers and booleans as they are,
/// strings quoted, lists and mappings in the format's inline syntax.
pub fn literal(format: Format, value: &Json) -> Result<String, String> {
    match value {
        Json::Null => match format {
            Format::Yaml | Format::Json | Format::Hcl => Ok("null".to_string()),
            _ => Err(format!("cannot write null as {}", format.as_str())),
        },
        Json::Bool(b) => Ok(b.to_string()),
        Json::Number(n) => Ok(n.to_string()),
        Json::String(s) => quote(format, s),
        Json::Array(items) => {
            let parts = items
                .iter()
                .map(|item| literal(format, item))
                .collect::<Result<Vec<_>, _>>()?;
            match format {
                Format::Yaml | Format::Json | Format::Hcl => Ok(format!("[{}]", parts.join(", "))),
                Format::Nginx | Format::Shell => Ok(parts.join(" ")),
                Format::Markdown | Format::Text | Format::Xml => Ok(parts.join(", ")),
            }
        }
        Json::Object(map) => {
            let mut out = String::from("{");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let value = literal(format, item)?;
                match format {
                    Format::Yaml | Format::Json => {
                        let _ = write!(out, "{}: {value}", quote(Format::Json, key)?);
                    }
                    Format::Hcl => {
                        let _ = write!(out, "{} = {value}", quote(Format::Hcl, key)?);
                    }
                    _ => return Err(format!("cannot write a mapping as {}", format.as_str())),
                }
            }
            out.push('}');
            Ok(out)
        }
    }
}

/// Writes `input` as a Markdown code span, with a fence longer than any run
/// of backticks inside it.
fn code_span(input: &str) -> Result<String, String> {
    check_chars(input)?;
    let longest = input.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if input.starts_with('`') || input.ends_with('`') {
        " "
    } else {
        ""
    };
    Ok(format!("{fence}{pad}{input}{pad}{fence}"))
}

/// Makes `input` safe inside a single-line comment of `format`.
fn comment(format: Format, input: &str) -> Result<String, String> {
    check_chars(input)?;
    match format {
        Format::Xml if input.contains("--") => Err(format!(
            "value {input:?} contains `--`, which ends an XML comment"
        )),
        Format::Json => Err("JSON has no comments".to_string()),
        Format::Markdown => inner(Format::Markdown, input),
        _ => Ok(input.to_string()),
    }
}

/// Escapes a Mermaid node label written inside `["..."]`.
fn mermaid_label(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            c if crate::answers::validate::is_forbidden_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_everything() {
        assert_eq!(quote(Format::Yaml, "yes").unwrap(), "\"yes\"");
        assert_eq!(quote(Format::Yaml, "a\"b\\c").unwrap(), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn hcl_escapes_template_sequences() {
        assert_eq!(
            quote(Format::Hcl, "${x} %{y} $z").unwrap(),
            "\"$${x} %%{y} $z\""
        );
    }

    #[test]
    fn nginx_rejects_variables() {
        assert!(quote(Format::Nginx, "a$b").is_err());
        assert_eq!(quote(Format::Nginx, "a\"b").unwrap(), "\"a\\\"b\"");
    }

    #[test]
    fn xml_entities() {
        assert_eq!(
            quote(Format::Xml, "<a & 'b'>").unwrap(),
            "&lt;a &amp; &apos;b&apos;&gt;"
        );
    }

    #[test]
    fn control_characters_rejected_everywhere() {
        for format in [
            Format::Yaml,
            Format::Hcl,
            Format::Xml,
            Format::Markdown,
            Format::Text,
        ] {
            assert!(quote(format, "a\nb").is_err(), "{format:?}");
        }
    }

    #[test]
    fn literal_lists_and_maps() {
        let value = serde_json::json!({"a": [1, "x"], "b": true});
        assert_eq!(
            literal(Format::Yaml, &value).unwrap(),
            "{\"a\": [1, \"x\"], \"b\": true}"
        );
        assert_eq!(
            literal(Format::Hcl, &value).unwrap(),
            "{\"a\" = [1, \"x\"], \"b\" = true}"
        );
    }

    #[test]
    fn code_span_fences_backticks() {
        assert_eq!(code_span("a`b").unwrap(), "``a`b``");
    }
}
