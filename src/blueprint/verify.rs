//! Parses every rendered file with a real parser for its format.
//!
//! A file that fails here is a bug in the blueprint (or in gatekit), never
//! something the user did, because every answer was validated before
//! rendering. Catching it here means a broken file is never written.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::escape::Format;
use crate::yaml;

/// Checks that `text` is well-formed `format`, returning the first problem.
pub fn check(format: Format, text: &str) -> Result<(), String> {
    if text.contains('\r') {
        return Err("contains a carriage return: generated files use LF line endings".to_string());
    }
    match format {
        Format::Yaml => check_yaml(text),
        // The parsed values are not kept, so nothing is built from them.
        Format::Json => serde_json::from_str::<IgnoredAny>(text)
            .map(drop)
            .map_err(|e| e.to_string()),
        Format::Hcl => hcl_edit::parser::parse_body(text)
            .map(drop)
            .map_err(|e| e.to_string()),
        Format::Xml => check_xml(text),
        Format::Nginx => check_nginx(text),
        Format::Markdown => check_markdown(text),
        Format::Text | Format::Shell => Ok(()),
    }
}

fn check_yaml(text: &str) -> Result<(), String> {
    let docs = yaml::parse(text, yaml::Limits::default()).map_err(|e| e.to_string())?;
    for doc in &docs {
        if let Some((key, pos)) = doc.duplicate_keys().into_iter().next() {
            return Err(format!("line {}: duplicate key {key:?}", pos.line));
        }
    }
    // serde_yaml is a second, independent reader; it rejects some inputs
    // (tabs in odd places, bad escapes) that consumers built on libyaml do.
    for doc in serde_yaml::Deserializer::from_str(text) {
        IgnoredAny::deserialize(doc).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn check_xml(text: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(format!("at byte {}: {e}", reader.error_position()));
            }
        }
    }
    if depth != 0 {
        return Err("unclosed element at end of file".to_string());
    }
    if roots != 1 {
        return Err(format!("expected one root element, found {roots}"));
    }
    Ok(())
}

/// Tokenizes NGINX configuration and checks that quotes close, blocks
/// balance and every directive ends with `;` or a block.
fn check_nginx(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut words = 0usize;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '"' | '\'' => {
                let quote = c;
                let start = line;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '\n' => line += 1,
                        c if c == quote => {
                            closed = true;
                            break;
                        }
                        _ => {}
                    }
                }
                if !closed {
                    return Err(format!("line {start}: unclosed quote"));
                }
                words += 1;
            }
            ';' => {
                if words == 0 {
                    return Err(format!("line {line}: empty directive"));
                }
                words = 0;
            }
            '{' => {
                if words == 0 {
                    return Err(format!("line {line}: block without a directive name"));
                }
                depth += 1;
                words = 0;
            }
            '}' => {
                if words != 0 {
                    return Err(format!("line {line}: directive not terminated by `;`"));
                }
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("line {line}: unbalanced `}}`"))?;
            }
            c if c.is_whitespace() => {}
            _ => {
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || matches!(next, ';' | '{' | '}' | '"' | '\'') {
                        break;
                    }
                    if next == '\\' {
                        chars.next();
                    }
                    chars.next();
                }
                words += 1;
            }
        }
    }
    if words != 0 {
        return Err("last directive not terminated by `;`".to_string());
    }
    if depth != 0 {
        return Err("unclosed block at end of file".to_string());
    }
    Ok(())
}

/// Checks that code fences close and that YAML, JSON and HCL fences parse.
fn check_markdown(text: &str) -> Result<(), String> {
    let mut fence: Option<(String, String, usize)> = None;
    let mut body = String::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &fence {
            None => {
                if let Some(marker) = fence_marker(trimmed) {
                    let lang = trimmed[marker.len()..].trim().to_string();
                    fence = Some((marker, lang, index + 1));
                    body.clear();
                }
            }
            Some((marker, lang, start)) => {
                if trimmed.starts_with(marker.as_str()) && trimmed.trim_end() == marker.as_str() {
                    let format = match lang.as_str() {
                        "yaml" | "yml" => Some(Format::Yaml),
                        "json" => Some(Format::Json),
                        "hcl" | "terraform" => Some(Format::Hcl),
                        _ => None,
                    };
                    if let Some(format) = format {
                        check(format, &body)
                            .map_err(|e| format!("{lang} block at line {start}: {e}"))?;
                    }
                    fence = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    match fence {
        Some((_, _, start)) => Err(format!("code block at line {start} is not closed")),
        None => Ok(()),
    }
}

fn fence_marker(line: &str) -> Option<String> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = line.chars().take_while(|c| *c == ch).count();
    (count >= 3).then(|| ch.to_string().repeat(count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_balanced() {
        assert_eq!(
            check(Format::Nginx, "events {}\nhttp { server { listen 80; } }\n"),
            Ok(())
        );
        assert!(check(Format::Nginx, "http { listen 80 }\n").is_err());
        assert!(check(Format::Nginx, "http { listen 80; \n").is_err());
        assert!(check(Format::Nginx, "add_header X \"a;\n").is_err());
    }

    #[test]
    fn yaml_duplicate_keys_fail() {
        assert!(check(Format::Yaml, "a: 1\na: 2\n").is_err());
        assert_eq!(check(Format::Yaml, "a: 1\n---\na: 2\n"), Ok(()));
    }

    #[test]
    fn markdown_fences_parse() {
        assert_eq!(check(Format::Markdown, "# x\n```yaml\na: 1\n```\n"), Ok(()));
        assert!(check(Format::Markdown, "```yaml\na: [\n```\n").is_err());
        assert!(check(Format::Markdown, "```sh\nls\n").is_err());
    }

    #[test]
    fn xml_well_formed() {
        assert_eq!(check(Format::Xml, "<a><b/></a>\n"), Ok(()));
        assert!(check(Format::Xml, "<a><b></a>\n").is_err());
    }

    #[test]
    fn hcl_parses() {
        assert_eq!(
            check(Format::Hcl, "resource \"a\" \"b\" {\n  x = 1\n}\n"),
            Ok(())
        );
        assert!(check(Format::Hcl, "resource \"a\" {\n").is_err());
    }
}
