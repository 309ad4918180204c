//! NGINX configuration: a tokenizer and parser that keep the position of
//! every directive and argument, and resolve `include` safely.
//!
//! The grammar follows NGINX's own reader: whitespace-separated words,
//! `;` ends a directive, `{ }` open and close blocks, `#` starts a comment
//! outside quotes, quotes and backslash escapes group words, and `${name}`
//! inside a word is a variable, not a block. `*_by_lua_block` bodies are Lua
//! and are skipped as one raw argument.

use std::path::{Path, PathBuf};

use crate::audit::ParseError;
use crate::audit::source::SourceFile;
use crate::yaml::Pos;

/// Maximum nesting of `include` files.
const MAX_INCLUDE_DEPTH: usize = 8;
/// Maximum number of files one configuration may pull in through includes.
const MAX_INCLUDED_FILES: usize = 256;
/// Maximum block nesting.
const MAX_BLOCK_DEPTH: usize = 64;

/// One word of a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The word with quotes removed and escapes resolved.
    pub text: String,
    /// Where it starts.
    pub pos: Pos,
}

/// A directive with its arguments and block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name.
    pub name: String,
    /// Arguments after the name.
    pub args: Vec<Arg>,
    /// Where the name starts.
    pub pos: Pos,
    /// Index of the file in [`NginxConf::files`] that holds it.
    pub file: usize,
    /// Children, for block directives.
    pub block: Option<Vec<Directive>>,
    /// For `include`: false when the included files were not read, so the
    /// block may hold settings gatekit cannot see.
    pub resolved: bool,
}

impl Directive {
    /// Returns the first argument's text, or "".
    pub fn arg(&self, index: usize) -> &str {
        self.args.get(index).map_or("", |a| a.text.as_str())
    }

    /// Returns the children, or an empty slice for simple directives.
    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// A parsed configuration with its included files.
#[derive(Debug, Clone)]
pub struct NginxConf {
    /// Paths of the main file (index 0) and every included file.
    pub files: Vec<String>,
    /// Top-level directives, includes expanded in place.
    pub directives: Vec<Directive>,
}

/// Parses `source`, expanding includes found under `root`.
pub fn parse(source: &SourceFile, disk_path: &Path, root: &Path) -> Result<NginxConf, ParseError> {
    let mut conf = NginxConf {
        files: vec![source.path.clone()],
        directives: Vec::new(),
    };
    let directives = parse_text(source, 0)?;
    let mut reader = IncludeReader {
        root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        conf: &mut conf,
        stack: vec![disk_path.to_path_buf()],
    };
    let expanded = reader.expand(directives, disk_path, 0);
    conf.directives = expanded;
    Ok(conf)
}

struct IncludeReader<'a> {
    root: PathBuf,
    conf: &'a mut NginxConf,
    stack: Vec<PathBuf>,
}

impl IncludeReader<'_> {
    fn expand(&mut self, directives: Vec<Directive>, from: &Path, depth: usize) -> Vec<Directive> {
        let mut out = Vec::with_capacity(directives.len());
        for mut directive in directives {
            if directive.name == "include" && directive.block.is_none() {
                match self.include(&directive, from, depth) {
                    Some(children) => {
                        directive.resolved = true;
                        out.push(directive);
                        out.extend(children);
                    }
                    None => out.push(directive),
                }
                continue;
            }
            if let Some(block) = directive.block.take() {
                directive.block = Some(self.expand(block, from, depth));
            }
            out.push(directive);
        }
        out
    }

    /// Reads the files an include names, when they are inside the audited
    /// folder; returns None when any cannot be read.
    fn include(
        &mut self,
        directive: &Directive,
        from: &Path,
        depth: usize,
    ) -> Option<Vec<Directive>> {
        let pattern = directive.arg(0);
        if depth >= MAX_INCLUDE_DEPTH || pattern.is_empty() || pattern.contains('$') {
            return None;
        }
        let base = from.parent().unwrap_or(Path::new("."));
        let paths = expand_glob(&base.join(pattern))?;
        let mut children = Vec::new();
        for path in paths {
            let canonical = path.canonicalize().ok()?;
            let inside = canonical.starts_with(&self.root);
            let cycle = self.stack.contains(&canonical);
            if !inside || cycle || self.conf.files.len() >= MAX_INCLUDED_FILES {
                return None;
            }
            let text = std::fs::read_to_string(&canonical).ok()?;
            let shown = canonical
                .strip_prefix(&self.root)
                .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
            let index = self.conf.files.len();
            self.conf.files.push(shown.replace('\\', "/"));
            let source = SourceFile::new(shown, text);
            let parsed = parse_text(&source, index).ok()?;
            self.stack.push(canonical.clone());
            children.extend(self.expand(parsed, &canonical, depth + 1));
            self.stack.pop();
        }
        Some(children)
    }
}

/// Expands a `*` in the last path component; returns None when nothing
/// matches a plain path (a glob that matches nothing is valid in NGINX).
fn expand_glob(path: &Path) -> Option<Vec<PathBuf>> {
    let name = path.file_name()?.to_string_lossy().to_string();
    if !name.contains('*') {
        return path.is_file().then(|| vec![path.to_path_buf()]);
    }
    let dir = path.parent()?;
    let (prefix, suffix) = name.split_once('*')?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            p.is_file() && n.starts_with(prefix) && n.ends_with(suffix) && n.len() >= name.len() - 1
        })
        .collect();
    found.sort();
    Some(found)
}

/// Parses one file's text without following includes.
pub fn parse_text(source: &SourceFile, file: usize) -> Result<Vec<Directive>, ParseError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        file,
        path: &source.path,
    };
    let directives = parser.block(0)?;
    if let Some(token) = parser.tokens.get(parser.next) {
        return Err(error(parser.path, token.pos, "unexpected \"}\""));
    }
    Ok(directives)
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Semicolon,
    Open,
    Close,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    text: String,
    pos: Pos,
}

fn error(path: &str, pos: Pos, message: &str) -> ParseError {
    ParseError {
        path: path.to_string(),
        pos,
        message: format!("invalid NGINX configuration: {message}"),
    }
}

struct Parser<'a> {
    tokens: Vec<Token>,
    next: usize,
    file: usize,
    path: &'a str,
}

impl Parser<'_> {
    fn block(&mut self, depth: usize) -> Result<Vec<Directive>, ParseError> {
        let mut out = Vec::new();
        while let Some(token) = self.tokens.get(self.next) {
            match token.kind {
                Kind::Close => return Ok(out),
                Kind::Word => out.push(self.directive(depth)?),
                Kind::Semicolon | Kind::Open => {
                    return Err(error(
                        self.path,
                        token.pos,
                        &format!("unexpected \"{}\"", token.text),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn directive(&mut self, depth: usize) -> Result<Directive, ParseError> {
        let name_token = &self.tokens[self.next];
        let (name, pos) = (name_token.text.clone(), name_token.pos);
        self.next += 1;
        let mut args = Vec::new();
        loop {
            let Some(token) = self.tokens.get(self.next) else {
                return Err(error(
                    self.path,
                    pos,
                    &format!("directive \"{name}\" has no ending \";\""),
                ));
            };
            self.next += 1;
            match token.kind {
                Kind::Word => args.push(Arg {
                    text: token.text.clone(),
                    pos: token.pos,
                }),
                Kind::Semicolon => return Ok(self.make(name, args, pos, None)),
                Kind::Open => {
                    if depth >= MAX_BLOCK_DEPTH {
                        return Err(error(self.path, token.pos, "blocks nested too deeply"));
                    }
                    let children = self.block(depth + 1)?;
                    if self.tokens.get(self.next).map(|t| &t.kind) != Some(&Kind::Close) {
                        return Err(error(
                            self.path,
                            pos,
                            &format!("block \"{name}\" is not closed"),
                        ));
                    }
                    self.next += 1;
                    return Ok(self.make(name, args, pos, Some(children)));
                }
                Kind::Close => {
                    return Err(error(
                        self.path,
                        token.pos,
                        &format!("unexpected \"}}\" after \"{name}\""),
                    ));
                }
            }
        }
    }

    fn make(
        &self,
        name: String,
        args: Vec<Arg>,
        pos: Pos,
        block: Option<Vec<Directive>>,
    ) -> Directive {
        Directive {
            name,
            args,
            pos,
            file: self.file,
            block,
            resolved: false,
        }
    }
}

fn tokenize(source: &SourceFile) -> Result<Vec<Token>, ParseError> {
    let text = source.text.as_str();
    let bytes = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let pos = source.pos_of(i);
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => i = skip_line(bytes, i),
            b';' | b'{' | b'}' => {
                let kind = match c {
                    b';' => Kind::Semicolon,
                    b'{' => Kind::Open,
                    _ => Kind::Close,
                };
                if kind == Kind::Open && lua_block_pending(&tokens) {
                    let end = skip_lua(bytes, i)
                        .ok_or_else(|| error(&source.path, pos, "Lua block is not closed"))?;
                    tokens.push(Token {
                        kind: Kind::Word,
                        text: text[i..end].to_string(),
                        pos,
                    });
                    tokens.push(Token {
                        kind: Kind::Semicolon,
                        text: String::new(),
                        pos,
                    });
                    i = end;
                    continue;
                }
                tokens.push(Token {
                    kind,
                    text: (c as char).to_string(),
                    pos,
                });
                i += 1;
            }
            _ => {
                let (word, end) = read_word(text, i)
                    .ok_or_else(|| error(&source.path, pos, "quoted string is not closed"))?;
                tokens.push(Token {
                    kind: Kind::Word,
                    text: word,
                    pos,
                });
                i = end;
            }
        }
    }
    Ok(tokens)
}

fn skip_line(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// True when the words since the last `;`, `{` or `}` start with a
/// directive whose block is Lua code (`content_by_lua_block` and friends).
fn lua_block_pending(tokens: &[Token]) -> bool {
    let start = tokens
        .iter()
        .rposition(|t| t.kind != Kind::Word)
        .map_or(0, |i| i + 1);
    tokens
        .get(start)
        .is_some_and(|t| t.text.ends_with("_by_lua_block"))
}

/// Returns the offset after the `}` that closes the Lua block opening at
/// `open`, skipping Lua strings and comments.
fn skip_lua(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Reads one word starting at `start`: quoted strings, escapes and
/// `${var}` are part of it. Returns the word and the offset after it.
fn read_word(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let mut word = String::new();
    let mut i = start;
    if bytes[i] == b'"' || bytes[i] == b'\'' {
        let quote = bytes[i];
        i += 1;
        let begin = i;
        while i < bytes.len() && bytes[i] != quote {
            if bytes[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        word.push_str(&unescape(&text[begin..i]));
        return Some((word, i + 1));
    }
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' => break,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                let close = text[i..].find('}').map_or(bytes.len(), |p| i + p + 1);
                word.push_str(&text[i..close]);
                i = close;
                continue;
            }
            b'\\' if i + 1 < bytes.len() => {
                let next = text[i + 1..].chars().next().unwrap_or('\\');
                word.push(next);
                i += 1 + next.len_utf8();
                continue;
            }
            _ => {}
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        word.push(ch);
        i += ch.len_utf8();
    }
    Some((word, i))
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Walks every directive depth-first with its ancestors (outermost first).
pub fn walk<'a>(
    directives: &'a [Directive],
    visit: &mut dyn FnMut(&'a Directive, &[&'a Directive]),
) {
    fn go<'a>(
        directives: &'a [Directive],
        parents: &mut Vec<&'a Directive>,
        visit: &mut dyn FnMut(&'a Directive, &[&'a Directive]),
    ) {
        for directive in directives {
            visit(directive, parents);
            if let Some(children) = &directive.block {
                parents.push(directive);
                go(children, parents, visit);
                parents.pop();
            }
        }
    }
    go(directives, &mut Vec::new(), visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Vec<Directive> {
        parse_text(&SourceFile::new("t.conf", text.to_string()), 0).unwrap()
    }

    #[test]
    fn blocks_arguments_and_positions() {
        let d = parse_str("http {\n  server {\n    listen 443 ssl;\n  }\n}\n");
        let listen = &d[0].children()[0].children()[0];
        assert_eq!(listen.name, "listen");
        assert_eq!(listen.arg(1), "ssl");
        assert_eq!(listen.pos, Pos { line: 3, col: 5 });
    }

    #[test]
    fn quotes_variables_and_comments() {
        let d = parse_str("log_format x '$remote_addr \"${http_host}\"'; # c ; {\nset ${a}b 1;\n");
        assert_eq!(d[0].arg(1), "$remote_addr \"${http_host}\"");
        assert_eq!(d[1].arg(0), "${a}b");
    }

    #[test]
    fn lua_blocks_are_one_argument() {
        let d = parse_str("content_by_lua_block {\n  local t = { a = '}' }\n}\nlisten 80;\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].name, "listen");
    }

    #[test]
    fn errors_have_lines() {
        let source = SourceFile::new("t.conf", "server {\n  listen 80\n".to_string());
        let err = parse_text(&source, 0).unwrap_err();
        assert!(err.message.contains("listen"), "{}", err.message);
        let err = parse_text(&SourceFile::new("t.conf", "a;\n}\n".to_string()), 0).unwrap_err();
        assert_eq!(err.pos.line, 2);
    }
}
