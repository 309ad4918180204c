//! Reads generated files back into a neutral tree, the way the product that
//! consumes each format would, so tests can compare two renders value by
//! value: YAML and JSON as data, HCL with string templates decoded, XML with
//! entities decoded, NGINX as tokens, Markdown as rendered text.

use gatekit::blueprint::Format;

/// A parsed file: the values a consumer sees, and the shape around them.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    /// A string as the consumer reads it.
    Str(String),
    /// Any other scalar, or syntax that carries no user value.
    Other(String),
    /// A sequence.
    List(Vec<Tree>),
    /// A mapping, in file order.
    Map(Vec<(Tree, Tree)>),
}

/// Parses `text` of `format` into a tree.
pub fn read(format: Format, text: &str) -> Result<Tree, String> {
    match format {
        Format::Yaml => yaml(text),
        Format::Json => serde_json::from_str::<serde_json::Value>(text)
            .map(|v| json(&v))
            .map_err(|e| e.to_string()),
        Format::Hcl => hcl::parse(text)
            .map(|b| hcl_body(&b))
            .map_err(|e| e.to_string()),
        Format::Xml => xml(text),
        Format::Nginx => Ok(nginx(text)),
        Format::Markdown => Ok(markdown(text)),
        Format::Text | Format::Shell => Ok(Tree::List(
            text.lines().map(|l| Tree::Str(l.to_string())).collect(),
        )),
    }
}

fn yaml(text: &str) -> Result<Tree, String> {
    let docs =
        gatekit::yaml::parse(text, gatekit::yaml::Limits::default()).map_err(|e| e.to_string())?;
    Ok(Tree::List(docs.iter().map(yaml_node).collect()))
}

fn yaml_node(node: &gatekit::yaml::Node) -> Tree {
    use gatekit::yaml::{Style, Value};
    match &node.value {
        Value::Scalar(text, Style::Quoted) => Tree::Str(text.clone()),
        Value::Scalar(text, Style::Plain) => match node.to_json() {
            serde_json::Value::String(_) => Tree::Str(text.clone()),
            other => Tree::Other(other.to_string()),
        },
        Value::Seq(items) => Tree::List(items.iter().map(yaml_node).collect()),
        Value::Map(entries) => Tree::Map(
            entries
                .iter()
                .map(|(k, v)| (yaml_node(k), yaml_node(v)))
                .collect(),
        ),
    }
}

/// Converts a JSON value (also used for YAML read by a YAML 1.1 reader).
pub fn json(value: &serde_json::Value) -> Tree {
    match value {
        serde_json::Value::String(s) => Tree::Str(s.clone()),
        serde_json::Value::Array(items) => Tree::List(items.iter().map(json).collect()),
        serde_json::Value::Object(map) => Tree::Map(
            map.iter()
                .map(|(k, v)| (Tree::Str(k.clone()), json(v)))
                .collect(),
        ),
        other => Tree::Other(other.to_string()),
    }
}

fn hcl_body(body: &hcl::Body) -> Tree {
    Tree::Map(
        body.iter()
            .map(|structure| match structure {
                hcl::Structure::Attribute(attr) => {
                    (Tree::Str(attr.key.to_string()), hcl_expr(&attr.expr))
                }
                hcl::Structure::Block(block) => {
                    let labels = block
                        .labels
                        .iter()
                        .map(|l| Tree::Str(l.as_str().to_string()))
                        .collect();
                    (
                        Tree::Str(block.identifier.to_string()),
                        Tree::Map(vec![
                            (Tree::Other("labels".into()), Tree::List(labels)),
                            (Tree::Other("body".into()), hcl_body(&block.body)),
                        ]),
                    )
                }
            })
            .collect(),
    )
}

fn hcl_expr(expr: &hcl::Expression) -> Tree {
    use hcl::Expression as E;
    match expr {
        E::String(s) => Tree::Str(s.clone()),
        E::TemplateExpr(template) => match hcl::Template::from_expr(template) {
            Ok(parsed) => {
                let parts: Vec<Tree> = parsed
                    .elements()
                    .iter()
                    .map(|element| match element {
                        hcl::template::Element::Literal(text) => Tree::Str(text.clone()),
                        other => Tree::Other(format!("{other:?}")),
                    })
                    .collect();
                match parts.as_slice() {
                    [single @ Tree::Str(_)] => single.clone(),
                    _ => Tree::List(parts),
                }
            }
            Err(e) => Tree::Other(format!("unparsable template: {e}")),
        },
        E::Array(items) => Tree::List(items.iter().map(hcl_expr).collect()),
        E::Object(map) => Tree::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::ObjectKey::Identifier(id) => Tree::Str(id.to_string()),
                        hcl::ObjectKey::Expression(e) => hcl_expr(e),
                        other => Tree::Other(format!("{other:?}")),
                    };
                    (key, hcl_expr(v))
                })
                .collect(),
        ),
        E::FuncCall(call) => Tree::Map(vec![(
            Tree::Other(format!("call {}", call.name)),
            Tree::List(call.args.iter().map(hcl_expr).collect()),
        )]),
        E::Parenthesis(inner) => hcl_expr(inner),
        E::Conditional(c) => Tree::List(vec![
            hcl_expr(&c.cond_expr),
            hcl_expr(&c.true_expr),
            hcl_expr(&c.false_expr),
        ]),
        other => Tree::Other(format!("{other:?}")),
    }
}

fn xml(text: &str) -> Result<Tree, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Vec<(Tree, Tree)>> = vec![Vec::new()];
    // quick-xml reports `a &amp; b` as text, an entity reference and text
    // again; they are joined into the one text node a consumer reads.
    let mut pending = String::new();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Text(t) => {
                let text = t.decode().map_err(|e| e.to_string())?;
                let text = quick_xml::escape::unescape(&text).map_err(|e| e.to_string())?;
                pending.push_str(&text);
                continue;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let entity = format!("&{name};");
                let resolved = quick_xml::escape::unescape(&entity).map_err(|e| e.to_string())?;
                pending.push_str(&resolved);
                continue;
            }
            _ => {}
        }
        if !pending.trim().is_empty() {
            stack
                .last_mut()
                .ok_or("unbalanced")?
                .push((Tree::Other("text".into()), Tree::Str(pending.clone())));
        }
        pending.clear();
        match event {
            Event::Start(e) => {
                let entry = xml_element(&e)?;
                stack.last_mut().ok_or("unbalanced")?.push(entry);
                stack.push(Vec::new());
            }
            Event::Empty(e) => {
                let entry = xml_element(&e)?;
                stack.last_mut().ok_or("unbalanced")?.push(entry);
            }
            Event::End(_) => {
                let children = stack.pop().ok_or("unbalanced")?;
                let top = stack.last_mut().ok_or("unbalanced")?;
                top.push((Tree::Other("children".into()), Tree::Map(children)));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Tree::Map(stack.pop().unwrap_or_default()))
}

fn xml_element(e: &quick_xml::events::BytesStart<'_>) -> Result<(Tree, Tree), String> {
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.map_err(|e| e.to_string())?;
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?
                .into_owned();
            Ok((
                Tree::Str(String::from_utf8_lossy(a.key.as_ref()).into_owned()),
                Tree::Str(value),
            ))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let name = Tree::Other(format!("<{}>", String::from_utf8_lossy(e.name().as_ref())));
    Ok((name, Tree::Map(attrs)))
}

fn nginx(text: &str) -> Tree {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                let mut comment = String::new();
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                    comment.push(c);
                }
                tokens.push(Tree::Str(format!("#{comment}")));
            }
            ';' | '{' | '}' => tokens.push(Tree::Other(c.to_string())),
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(next) = chars.next() {
                                value.push(next);
                            }
                        }
                        c if c == quote => break,
                        other => value.push(other),
                    }
                }
                tokens.push(Tree::Str(value));
            }
            c if c.is_whitespace() => {}
            c => {
                let mut word = c.to_string();
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || matches!(next, ';' | '{' | '}' | '"' | '\'') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push(Tree::Str(word));
            }
        }
    }
    Tree::List(tokens)
}

fn markdown(text: &str) -> Tree {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut out: Vec<Tree> = Vec::new();
    let mut pending = String::new();
    let flush = |pending: &mut String, out: &mut Vec<Tree>| {
        if !pending.is_empty() {
            out.push(Tree::Str(std::mem::take(pending)));
        }
    };
    for event in Parser::new_ext(text, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) => pending.push_str(&t),
            Event::Code(t) => {
                flush(&mut pending, &mut out);
                out.push(Tree::Str(format!("`{t}`")));
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                flush(&mut pending, &mut out);
                out.push(Tree::Str(t.to_string()));
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                flush(&mut pending, &mut out);
                out.push(Tree::Str(format!("link {dest_url}")));
            }
            other => {
                flush(&mut pending, &mut out);
                out.push(Tree::Other(format!("{:?}", std::mem::discriminant(&other))));
            }
        }
    }
    flush(&mut pending, &mut out);
    Tree::List(out)
}

/// Checks that `hostile` is `baseline` with `plain` replaced by `value` in
/// every string, and identical in shape: no key, item or token was added or
/// removed. Returns every string of `hostile` that carries the value.
pub fn compare(
    baseline: &Tree,
    hostile: &Tree,
    plain: &str,
    value: &str,
) -> Result<Vec<String>, String> {
    let mut carried = Vec::new();
    walk(baseline, hostile, plain, value, &mut carried, "")?;
    Ok(carried)
}

fn walk(
    b: &Tree,
    h: &Tree,
    plain: &str,
    value: &str,
    carried: &mut Vec<String>,
    at: &str,
) -> Result<(), String> {
    match (b, h) {
        (Tree::Str(b), Tree::Str(h)) => {
            let expected = b.replace(plain, value);
            if *h == expected {
                if b.contains(plain) {
                    carried.push(h.clone());
                }
                return Ok(());
            }
            // A template may use only a URL's path, as an Envoy route rewrite
            // does, and that part must read back exactly too. The path is
            // its last occurrence, because "/x" also starts "//x.example.com".
            if let Some((plain_path, value_path)) = url_paths(plain, value)
                && let Some(at_path) = b.rfind(plain_path)
            {
                let expected = format!(
                    "{}{value_path}{}",
                    &b[..at_path],
                    &b[at_path + plain_path.len()..]
                );
                if *h == expected {
                    carried.push(h.clone());
                    return Ok(());
                }
            }
            Err(format!("at {at}: read back {h:?}, expected {expected:?}"))
        }
        (Tree::Other(b), Tree::Other(h)) if b == h => Ok(()),
        (Tree::List(b), Tree::List(h)) if b.len() == h.len() => {
            for (i, (b, h)) in b.iter().zip(h).enumerate() {
                walk(b, h, plain, value, carried, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Tree::Map(b), Tree::Map(h)) if b.len() == h.len() => {
            for ((bk, bv), (hk, hv)) in b.iter().zip(h) {
                let name = match bk {
                    Tree::Str(s) | Tree::Other(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                walk(bk, hk, plain, value, carried, &format!("{at}.{name}"))?;
                walk(bv, hv, plain, value, carried, &format!("{at}.{name}"))?;
            }
            Ok(())
        }
        _ => Err(format!(
            "at {at}: the structure changed: {} became {}",
            brief(b),
            brief(h)
        )),
    }
}

/// Returns the paths of two URLs that share scheme and host, the part a
/// template can use on its own.
fn url_paths<'a>(plain: &'a str, value: &'a str) -> Option<(&'a str, &'a str)> {
    let authority_end = |url: &str| {
        let start = url.find("://")? + 3;
        Some(start + url[start..].find('/')?)
    };
    let end = authority_end(plain)?;
    (authority_end(value)? == end && plain[..end] == value[..end])
        .then(|| (&plain[end..], &value[end..]))
}

fn brief(tree: &Tree) -> String {
    let text = format!("{tree:?}");
    if text.len() > 160 {
        format!("{}…", &text[..text.floor_char_boundary(160)])
    } else {
        text
    }
}

#[test]
fn nginx_reader_keeps_quoted_words_whole() {
    let tree = nginx("proxy_pass \"https://a.example/x y\";\nreturn 'it\\'s';");
    let words = |items: &[&str]| {
        items
            .iter()
            .map(|w| match *w {
                ";" => Tree::Other(";".to_string()),
                w => Tree::Str(w.to_string()),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tree,
        Tree::List(words(&[
            "proxy_pass",
            "https://a.example/x y",
            ";",
            "return",
            "it's",
            ";"
        ]))
    );
}
