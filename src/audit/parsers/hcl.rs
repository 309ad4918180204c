//! Terraform HCL: resources as position-carrying trees, parsed with
//! hcl-edit, which keeps the byte span of every attribute and expression.
//!
//! Each resource body becomes a [`Node`] mapping: attributes map to their
//! value, nested blocks map to a sequence of bodies (a block type may
//! repeat). Literal strings are quoted scalars; any other expression is a
//! plain scalar holding its source text, so `var.x` is never mistaken for
//! a literal.

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};

use crate::audit::ParseError;
use crate::audit::source::SourceFile;
use crate::yaml::{Node, Pos, Style, Value};

/// Maximum block and expression nesting converted into the tree.
const MAX_DEPTH: usize = 64;

/// A `resource`, `data` or `module` block (a module's kind is `module`).
#[derive(Debug, Clone)]
pub struct Resource {
    /// `resource` or `data`.
    pub block: String,
    /// Resource type, such as `aws_api_gateway_method`.
    pub kind: String,
    /// Resource name.
    pub name: String,
    /// Where the block starts.
    pub pos: Pos,
    /// The body.
    pub body: Node,
}

impl Resource {
    /// Returns the Terraform address, `type.name`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }
}

/// The resources of one `.tf` file.
#[derive(Debug, Clone, Default)]
pub struct Terraform {
    /// Resources and data sources in file order.
    pub resources: Vec<Resource>,
}

impl Terraform {
    /// Returns the `module` blocks.
    pub fn modules(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.block == "module")
    }

    /// Returns the resources of type `kind`.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.block == "resource" && r.kind == kind)
    }
}

/// Parses a `.tf` file.
pub fn parse(source: &SourceFile) -> Result<Terraform, ParseError> {
    let body = hcl_edit::parser::parse_body(&source.text).map_err(|e| {
        let location = e.location();
        ParseError {
            path: source.path.clone(),
            pos: Pos {
                line: location.line(),
                col: location.column(),
            },
            message: format!("invalid HCL: {}", e.message()),
        }
    })?;
    let converter = Converter { source };
    let mut resources = Vec::new();
    for structure in body.iter() {
        let Structure::Block(block) = structure else {
            continue;
        };
        let kind = block.ident.as_str();
        let (resource_type, name) = match (kind, block.labels.as_slice()) {
            ("resource" | "data", [t, n]) => (t.as_str(), n.as_str()),
            ("module", [n]) => ("module", n.as_str()),
            _ => continue,
        };
        resources.push(Resource {
            block: kind.to_string(),
            kind: resource_type.to_string(),
            name: name.to_string(),
            pos: converter.pos(block.span()),
            body: converter.body(&block.body, converter.pos(block.span()), 0),
        });
    }
    Ok(Terraform { resources })
}

struct Converter<'a> {
    source: &'a SourceFile,
}

impl Converter<'_> {
    fn pos(&self, span: Option<std::ops::Range<usize>>) -> Pos {
        span.map_or(Pos { line: 1, col: 1 }, |s| self.source.pos_of(s.start))
    }

    fn raw(&self, span: Option<std::ops::Range<usize>>) -> String {
        span.and_then(|s| self.source.text.get(s))
            .unwrap_or("")
            .trim()
            .to_string()
    }

    fn body(&self, body: &Body, pos: Pos, depth: usize) -> Node {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = scalar(attr.key.as_str(), Style::Plain, self.pos(attr.span()));
                    entries.push((key, self.expr(&attr.value, depth + 1)));
                }
                Structure::Block(block) if depth < MAX_DEPTH => {
                    // `dynamic "x" { content { ... } }` may produce `x`
                    // blocks; gatekit cannot evaluate `for_each`, so it
                    // reads the content as one block that may be present.
                    let dynamic = block.ident.as_str() == "dynamic" && block.labels.len() == 1;
                    let name = if dynamic {
                        block.labels[0].as_str()
                    } else {
                        block.ident.as_str()
                    };
                    let block_pos = self.pos(block.span());
                    let content = dynamic
                        .then(|| {
                            block.body.iter().find_map(|s| {
                                s.as_block().filter(|b| b.ident.as_str() == "content")
                            })
                        })
                        .flatten();
                    let child = self.body(
                        content.map_or(&block.body, |c| &c.body),
                        block_pos,
                        depth + 1,
                    );
                    match entries
                        .iter_mut()
                        .find(|(k, _)| k.as_scalar() == Some(name))
                    {
                        Some((
                            _,
                            Node {
                                value: Value::Seq(items),
                                ..
                            },
                        )) => items.push(child),
                        _ => entries.push((
                            scalar(name, Style::Plain, block_pos),
                            Node {
                                pos: block_pos,
                                value: Value::Seq(vec![child]),
                            },
                        )),
                    }
                }
                Structure::Block(_) => {}
            }
        }
        Node {
            pos,
            value: Value::Map(entries),
        }
    }

    fn expr(&self, expr: &Expression, depth: usize) -> Node {
        let pos = self.pos(expr.span());
        match expr {
            Expression::String(s) => scalar(s.value(), Style::Quoted, pos),
            Expression::Bool(b) => {
                scalar(if *b.value() { "true" } else { "false" }, Style::Plain, pos)
            }
            Expression::Number(n) => scalar(&n.value().to_string(), Style::Plain, pos),
            Expression::Null(_) => scalar("null", Style::Plain, pos),
            Expression::Array(array) if depth < MAX_DEPTH => Node {
                pos,
                value: Value::Seq(array.iter().map(|e| self.expr(e, depth + 1)).collect()),
            },
            Expression::Object(object) if depth < MAX_DEPTH => {
                let entries = object
                    .iter()
                    .map(|(key, value)| {
                        let key_text = match key {
                            ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            ObjectKey::Expression(e) => match e {
                                Expression::String(s) => s.value().to_string(),
                                other => self.raw(other.span()),
                            },
                        };
                        let key_node = scalar(&key_text, Style::Plain, self.pos(key.span()));
                        (key_node, self.expr(value.expr(), depth + 1))
                    })
                    .collect();
                Node {
                    pos,
                    value: Value::Map(entries),
                }
            }
            Expression::Parenthesis(inner) => self.expr(inner.inner(), depth + 1),
            other => scalar(&self.raw(other.span()), Style::Plain, pos),
        }
    }
}

fn scalar(text: &str, style: Style, pos: Pos) -> Node {
    Node {
        pos,
        value: Value::Scalar(text.to_string(), style),
    }
}

/// Returns the string of a literal (quoted) value, never of an expression.
pub fn literal(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(text, Style::Quoted) => Some(text),
        _ => None,
    }
}

/// Returns the bodies of the nested blocks named `name`.
pub fn blocks<'a>(body: &'a Node, name: &str) -> &'a [Node] {
    body.get(name).and_then(Node::as_seq).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_attributes_and_blocks() {
        let text = "resource \"aws_api_gateway_method\" \"get\" {\n  authorization = \"NONE\"\n  rest_api_id   = aws_api_gateway_rest_api.api.id\n  settings {\n    logging_level = \"INFO\"\n  }\n}\n";
        let source = SourceFile::new("main.tf", text.to_string());
        let tf = parse(&source).unwrap();
        let method = &tf.resources[0];
        assert_eq!(method.address(), "aws_api_gateway_method.get");
        let auth = method.body.get("authorization").unwrap();
        assert_eq!(literal(auth), Some("NONE"));
        assert_eq!(auth.pos, Pos { line: 2, col: 19 });
        assert_eq!(literal(method.body.get("rest_api_id").unwrap()), None);
        let settings = blocks(&method.body, "settings");
        assert_eq!(settings[0].get("logging_level").unwrap().pos.line, 5);
    }

    #[test]
    fn syntax_error_has_position() {
        let source = SourceFile::new("main.tf", "resource \"a\" \"b\" {\n  x = \n}\n".to_string());
        let err = parse(&source).unwrap_err();
        assert!(err.pos.line >= 2, "{err:?}");
    }
}
