//! XML elements with positions, for Apigee proxy bundles.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::audit::ParseError;
use crate::audit::source::SourceFile;
use crate::yaml::Pos;

/// Maximum element nesting; real bundles stay far below it.
const MAX_DEPTH: usize = 128;

/// An XML element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Local name, without a namespace prefix.
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements.
    pub children: Vec<Element>,
    /// Text content directly inside the element, trimmed.
    pub text: String,
    /// Where the start tag begins.
    pub pos: Pos,
}

impl Element {
    /// Returns the attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns the first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names
            .iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// Returns every descendant named `name`, depth-first.
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for child in &self.children {
            if child.name == name {
                out.push(child);
            }
            child.descendants(name, out);
        }
    }
}

/// Parses a document and returns its root element.
pub fn parse(source: &SourceFile) -> Result<Element, ParseError> {
    let mut reader = Reader::from_str(&source.text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.error_position() as usize;
            invalid(source, at, &e.to_string())
        })?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid(source, offset, "elements nested too deeply"));
                }
                stack.push(element(source, &start, offset)?);
            }
            Event::Empty(start) => {
                let element = element(source, &start, offset)?;
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| invalid(source, offset, "unexpected end tag"))?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let decoded = text
                    .decode()
                    .map_err(|e| invalid(source, offset, &e.to_string()))?;
                push_text(&mut stack, &decoded);
            }
            Event::CData(data) => {
                let decoded = data
                    .decode()
                    .map_err(|e| invalid(source, offset, &e.to_string()))?;
                push_text(&mut stack, &decoded);
            }
            Event::GeneralRef(reference) => {
                let name = reference
                    .decode()
                    .map_err(|e| invalid(source, offset, &e.to_string()))?;
                push_text(&mut stack, &resolve_entity(&name));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(ParseError {
            path: source.path.clone(),
            pos: open.pos,
            message: format!("invalid XML: element <{}> is not closed", open.name),
        });
    }
    root.ok_or_else(|| invalid(source, 0, "no root element"))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, mut element: Element) {
    element.text = element.text.trim().to_string();
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => {
            if root.is_none() {
                *root = Some(element);
            }
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(element) = stack.last_mut() {
        element.text.push_str(text);
    }
}

fn resolve_entity(name: &str) -> String {
    match name {
        "lt" => "<".to_string(),
        "gt" => ">".to_string(),
        "amp" => "&".to_string(),
        "quot" => "\"".to_string(),
        "apos" => "'".to_string(),
        _ => {
            let code = name
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()));
            code.and_then(char::from_u32)
                .map_or_else(|| format!("&{name};"), |c| c.to_string())
        }
    }
}

fn element(
    source: &SourceFile,
    start: &BytesStart<'_>,
    offset: usize,
) -> Result<Element, ParseError> {
    let full = String::from_utf8_lossy(start.name().as_ref()).to_string();
    let name = full.rsplit(':').next().unwrap_or(&full).to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| invalid(source, offset, &e.to_string()))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::default())
            .map_err(|e| invalid(source, offset, &e.to_string()))?
            .to_string();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        pos: source.pos_of(offset),
    })
}

fn invalid(source: &SourceFile, offset: usize, message: &str) -> ParseError {
    ParseError {
        path: source.path.clone(),
        pos: source.pos_of(offset),
        message: format!("invalid XML: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_text_and_positions() {
        let source = SourceFile::new(
            "p.xml",
            "<?xml version=\"1.0\"?>\n<A x=\"1\">\n  <B>t &amp; u</B>\n  <C/>\n</A>\n".to_string(),
        );
        let root = parse(&source).unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.attr("x"), Some("1"));
        let b = root.child("B").unwrap();
        assert_eq!(b.text, "t & u");
        assert_eq!(b.pos, Pos { line: 3, col: 3 });
        assert!(root.child("C").is_some());
    }

    #[test]
    fn unclosed_element_is_an_error() {
        let source = SourceFile::new("p.xml", "<A>\n  <B>\n</A>\n".to_string());
        assert!(parse(&source).is_err());
    }
}
