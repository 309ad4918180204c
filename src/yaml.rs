//! YAML documents with line and column for every node.
//!
//! serde_yaml drops positions, but answers errors and audit findings must
//! point at a line, so this module builds its own tree from saphyr's event
//! stream. It also bounds what a hostile file can cost: nesting depth, the
//! number of nodes after alias expansion, and input size are all limited.

use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Limits applied while parsing, so that nested or alias-bomb input fails
/// fast with an error instead of exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum nesting depth of sequences and mappings.
    pub max_depth: usize,
    /// Maximum number of nodes, counting every node an alias expands to.
    pub max_nodes: usize,
    /// Maximum number of alias references.
    pub max_aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 32 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 4_000_000,
            max_aliases: 10_000,
        }
    }
}

/// A position in a text file: 1-based line, 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// How a scalar was written, which decides how it resolves to a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Written without quotes: may resolve to null, a boolean or a number.
    Plain,
    /// Quoted or a block scalar: always a string.
    Quoted,
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// The node's content.
    pub value: Value,
}

/// The content of a node. Mappings keep their entries in file order and keep
/// duplicate keys, so callers can report them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar with its source text and style.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax error or a limit that was exceeded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {}, column {}: {message}", pos.line, pos.col)]
pub struct Error {
    /// Where the problem was found.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl Node {
    /// Returns the scalar text when the node is a scalar.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// Returns the string value of a scalar that resolves to a string under
    /// the YAML 1.2 core schema (quoted, or plain and not null, bool or number).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, Style::Quoted) => Some(text),
            Value::Scalar(text, Style::Plain) if matches!(resolve_plain(text), Resolved::Str) => {
                Some(text)
            }
            _ => None,
        }
    }

    /// Returns the boolean value of a plain scalar. YAML 1.1 forms (`yes`,
    /// `on`) are accepted because Kong and most gateway tools read YAML 1.1.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(text, Style::Plain) => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => Some(true),
                "false" | "no" | "off" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Returns the integer value of a plain scalar.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(text, Style::Plain) => parse_int(text),
            _ => None,
        }
    }

    /// Returns the entries of a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Returns the items of a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Returns the value of the first entry whose key is `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, value)| value)
    }

    /// Returns the key node and value of the first entry whose key is `key`.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Returns true for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(text, Style::Plain) if matches!(resolve_plain(text), Resolved::Null))
    }

    /// Converts the node to a JSON value with YAML 1.2 core schema typing.
    /// Mapping keys become strings; for duplicate keys the last one wins,
    /// so callers that care must check [`Node::duplicate_keys`] first.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Scalar(text, Style::Quoted) => serde_json::Value::String(text.clone()),
            Value::Scalar(text, Style::Plain) => match resolve_plain(text) {
                Resolved::Null => serde_json::Value::Null,
                Resolved::Bool(b) => serde_json::Value::Bool(b),
                Resolved::Int(i) => serde_json::Value::from(i),
                Resolved::Float(f) => serde_json::Number::from_f64(f).map_or(
                    serde_json::Value::String(text.clone()),
                    serde_json::Value::Number,
                ),
                Resolved::Str => serde_json::Value::String(text.clone()),
            },
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (key, value) in entries {
                    let key = match key.as_scalar() {
                        Some(text) => text.to_string(),
                        None => key.to_json().to_string(),
                    };
                    map.insert(key, value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// Returns every mapping key that appears more than once in its mapping,
    /// with the position of the repeated occurrence, anywhere in the tree.
    pub fn duplicate_keys(&self) -> Vec<(String, Pos)> {
        let mut found = Vec::new();
        self.collect_duplicates(&mut found);
        found
    }

    fn collect_duplicates(&self, found: &mut Vec<(String, Pos)>) {
        match &self.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => items.iter().for_each(|item| item.collect_duplicates(found)),
            Value::Map(entries) => {
                let mut seen = HashMap::new();
                for (key, value) in entries {
                    if let Some(text) = key.as_scalar()
                        && seen.insert(text, ()).is_some()
                    {
                        found.push((text.to_string(), key.pos));
                    }
                    value.collect_duplicates(found);
                }
            }
        }
    }

    /// Records the position of every node under `prefix` using the dotted
    /// key syntax of answers files (`services[0].path`).
    pub fn index_positions(&self, prefix: &str, out: &mut HashMap<String, Pos>) {
        out.entry(prefix.to_string()).or_insert(self.pos);
        match &self.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.index_positions(&format!("{prefix}[{i}]"), out);
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(name) = key.as_scalar() else {
                        continue;
                    };
                    let path = if prefix.is_empty() {
                        name.to_string()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    // A key's own line is the useful one for "unknown key" errors.
                    out.entry(format!("{path}#key")).or_insert(key.pos);
                    value.index_positions(&path, out);
                }
            }
        }
    }
}

enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// Resolves a plain scalar under the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Resolved::Int(i);
    }
    let float_like = text
        .trim_start_matches(['-', '+'])
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if float_like
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && let Ok(f) = text.parse::<f64>()
    {
        return Resolved::Float(f);
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        _ => Resolved::Str,
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

/// Parses every document in `text`.
pub fn parse(text: &str, limits: Limits) -> Result<Vec<Node>, Error> {
    if text.len() > limits.max_bytes {
        return Err(Error {
            pos: Pos { line: 1, col: 1 },
            message: format!(
                "input is {} bytes, over the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    Builder::new(text, limits).run()
}

/// Returns the first explicit tag in `text` (`!!binary`, `!custom`) and its
/// position. [`parse`] drops tags and types scalars by the core schema
/// alone, so a caller that must read a file as other YAML tools do rejects
/// tagged input. A syntax error ends the scan without a result.
pub fn first_tag(text: &str) -> Option<(Pos, String)> {
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let tag = match event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, tag)
            | Event::MappingStart(_, tag) => tag,
            _ => None,
        };
        if let Some(tag) = tag {
            // Written as in the file: the parser expands `!!` to the core
            // schema's prefix.
            let shown = match tag.handle.as_str() {
                "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
                "!" => format!("!{}", tag.suffix),
                handle => format!("{handle}{}", tag.suffix),
            };
            return Some((pos_of(&span), shown));
        }
    }
    None
}

/// Parses a file that must hold exactly one document; an empty file is an
/// empty mapping.
pub fn parse_one(text: &str, limits: Limits) -> Result<Node, Error> {
    let mut docs = parse(text, limits)?;
    match docs.len() {
        0 => Ok(Node {
            pos: Pos { line: 1, col: 1 },
            value: Value::Map(Vec::new()),
        }),
        1 => Ok(docs.remove(0)),
        _ => Err(Error {
            pos: docs[1].pos,
            message: "expected one YAML document, found several".to_string(),
        }),
    }
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    limits: Limits,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    aliases: usize,
}

enum Frame {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Node, Node)>, Option<Node>),
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: Limits) -> Self {
        Self {
            parser: Parser::new_from_str(text),
            limits,
            anchors: HashMap::new(),
            nodes: 0,
            aliases: 0,
        }
    }

    fn run(mut self) -> Result<Vec<Node>, Error> {
        let mut docs = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut last_pos = Pos { line: 1, col: 1 };
        while let Some(event) = self.parser.next_event() {
            let (event, span) = event.map_err(|e| Error {
                pos: Pos {
                    line: e.marker().line(),
                    col: e.marker().col() + 1,
                },
                message: e.info().to_string(),
            })?;
            let pos = pos_of(&span);
            last_pos = pos;
            let finished = match event {
                Event::StreamStart
                | Event::DocumentStart(_)
                | Event::DocumentEnd
                | Event::Nothing => None,
                Event::StreamEnd => break,
                Event::Scalar(text, style, anchor, _) => {
                    let style = match style {
                        ScalarStyle::Plain => Style::Plain,
                        _ => Style::Quoted,
                    };
                    let node = Node {
                        pos,
                        value: Value::Scalar(text.into_owned(), style),
                    };
                    self.count(1, pos)?;
                    self.remember(anchor, &node);
                    Some(node)
                }
                Event::Alias(id) => {
                    self.aliases += 1;
                    if self.aliases > self.limits.max_aliases {
                        return Err(Error {
                            pos,
                            message: format!("more than {} aliases", self.limits.max_aliases),
                        });
                    }
                    let target = self.anchors.get(&id).cloned().ok_or_else(|| Error {
                        pos,
                        message: "alias to an unknown anchor".to_string(),
                    })?;
                    self.count(count_nodes(&target), pos)?;
                    Some(Node {
                        pos,
                        value: target.value,
                    })
                }
                Event::SequenceStart(anchor, _) => {
                    self.check_depth(stack.len() + 1, pos)?;
                    stack.push(Frame::Seq(pos, anchor, Vec::new()));
                    None
                }
                Event::MappingStart(anchor, _) => {
                    self.check_depth(stack.len() + 1, pos)?;
                    stack.push(Frame::Map(pos, anchor, Vec::new(), None));
                    None
                }
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq(start, anchor, items)) => {
                        let node = Node {
                            pos: start,
                            value: Value::Seq(items),
                        };
                        self.count(1, pos)?;
                        self.remember(anchor, &node);
                        Some(node)
                    }
                    _ => return Err(unbalanced(pos)),
                },
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(start, anchor, entries, None)) => {
                        let node = Node {
                            pos: start,
                            value: Value::Map(entries),
                        };
                        self.count(1, pos)?;
                        self.remember(anchor, &node);
                        Some(node)
                    }
                    _ => return Err(unbalanced(pos)),
                },
            };
            if let Some(node) = finished {
                match stack.last_mut() {
                    None => docs.push(node),
                    Some(Frame::Seq(_, _, items)) => items.push(node),
                    Some(Frame::Map(_, _, entries, pending)) => match pending.take() {
                        None => *pending = Some(node),
                        Some(key) => entries.push((key, node)),
                    },
                }
            }
        }
        if !stack.is_empty() {
            return Err(unbalanced(last_pos));
        }
        Ok(docs)
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn count(&mut self, added: usize, pos: Pos) -> Result<(), Error> {
        self.nodes = self.nodes.saturating_add(added);
        if self.nodes > self.limits.max_nodes {
            return Err(Error {
                pos,
                message: format!(
                    "document expands to more than {} nodes (aliases included)",
                    self.limits.max_nodes
                ),
            });
        }
        Ok(())
    }

    fn check_depth(&self, depth: usize, pos: Pos) -> Result<(), Error> {
        if depth > self.limits.max_depth {
            return Err(Error {
                pos,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        Ok(())
    }
}

fn unbalanced(pos: Pos) -> Error {
    Error {
        pos,
        message: "unbalanced sequence or mapping".to_string(),
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        Value::Scalar(..) => 1,
        Value::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let doc = parse_one("a: 1\nb:\n  - x\n  - y: z\n", Limits::default()).unwrap();
        let (key, value) = doc.get_entry("b").unwrap();
        assert_eq!(key.pos, Pos { line: 2, col: 1 });
        assert_eq!(
            value.as_seq().unwrap()[1].get("y").unwrap().pos,
            Pos { line: 4, col: 8 }
        );
    }

    #[test]
    fn plain_scalars_resolve_by_core_schema() {
        let doc = parse_one("a: 1\nb: 'yes'\nc: ~\nd: 1.5\ne: yes\n", Limits::default()).unwrap();
        let json = doc.to_json();
        assert_eq!(json["a"], 1);
        assert_eq!(json["b"], "yes");
        assert!(json["c"].is_null());
        assert_eq!(json["d"], 1.5);
        assert_eq!(json["e"], "yes");
        assert_eq!(doc.get("e").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let doc = parse_one("a: 1\nb:\n  c: 1\n  c: 2\n", Limits::default()).unwrap();
        assert_eq!(
            doc.duplicate_keys(),
            vec![("c".to_string(), Pos { line: 4, col: 3 })]
        );
    }

    #[test]
    fn alias_bomb_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text, Limits::default()).unwrap_err();
        assert!(err.message.contains("nodes"), "{err}");
    }

    #[test]
    fn first_tag_found_with_position() {
        let text = "a: 1\nb: !!binary aGk=\n";
        assert_eq!(
            first_tag(text),
            Some((Pos { line: 2, col: 4 }, "!!binary".to_string()))
        );
        assert_eq!(
            first_tag("a: !x 1\n").map(|(_, tag)| tag),
            Some("!x".to_string())
        );
        assert_eq!(first_tag("a: '!!str'\n"), None);
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = "[".repeat(1000) + &"]".repeat(1000);
        let err = parse(&text, Limits::default()).unwrap_err();
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err}"
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: c\n", Limits::default()).unwrap_err();
        assert!(err.pos.line >= 1);
    }

    #[test]
    fn index_positions_uses_answer_key_syntax() {
        let doc = parse_one("services:\n  - name: a\n    path: /a\n", Limits::default()).unwrap();
        let mut index = HashMap::new();
        doc.index_positions("", &mut index);
        assert_eq!(index["services[0].path"], Pos { line: 3, col: 11 });
        assert_eq!(index["services[0].path#key"], Pos { line: 3, col: 5 });
    }
}
