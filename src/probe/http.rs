//! HTTP/1.1 messages: requests written byte for byte as the check builds
//! them (no path normalisation, no added headers beyond `Host`,
//! `Connection` and `Content-Length`), and responses parsed with hard
//! bounds, since the server may be hostile.

use std::fmt;
use std::io::{self, BufRead, Read};

/// Largest status line plus header block accepted, in bytes.
const MAX_HEAD: usize = 64 * 1024;
/// Most response headers accepted.
const MAX_HEADERS: usize = 200;
/// Body bytes kept for checks to read; the rest is read and dropped.
pub const KEPT_BODY: usize = 256 * 1024;
/// Body bytes read at most, so a framed body keeps the connection usable
/// without letting a server stream forever.
const MAX_BODY: u64 = 8 * 1024 * 1024;

/// One request header. A secret value (a credential) never appears in
/// `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// Header name as sent.
    pub name: String,
    /// Header value as sent.
    pub value: String,
    /// Whether the value is a credential.
    pub secret: bool,
}

impl Header {
    /// A header whose value may be shown.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            secret: false,
        }
    }

    /// A header that carries a credential.
    pub fn secret(name: impl Into<String>, value: impl Into<String>) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            secret: true,
        }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret { "****" } else { &self.value };
        write!(f, "{}: {}", self.name, value)
    }
}

/// A request as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method token, sent as is (`GET`, `TRACE`, or an invented one).
    pub method: String,
    /// Request target, sent as is: `//admin` stays `//admin`.
    pub target: String,
    /// Headers after `Host`, in order.
    pub headers: Vec<Header>,
    /// Body; `Content-Length` is added when it is not empty or the method
    /// usually carries one.
    pub body: Vec<u8>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: &str, target: &str) -> Request {
        Request {
            method: method.to_string(),
            target: target.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, header: Header) -> Request {
        self.headers.push(header);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Vec<u8>) -> Request {
        self.body = body;
        self
    }

    /// Serialises the request head; the body follows it separately so a
    /// large body can be written in pieces.
    pub fn head(&self, host: &str, keep_alive: bool) -> Result<Vec<u8>, HttpError> {
        check_token(&self.method, "method")?;
        check_target(&self.target)?;
        check_value(host, "Host")?;
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\n",
            self.method, self.target
        );
        for header in &self.headers {
            check_token(&header.name, "header name")?;
            check_value(&header.value, &header.name)?;
            out.push_str(&format!("{}: {}\r\n", header.name, header.value));
        }
        let carries_body = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH");
        if !self.body.is_empty() || carries_body {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        let connection = if keep_alive { "keep-alive" } else { "close" };
        out.push_str(&format!("Connection: {connection}\r\n\r\n"));
        Ok(out.into_bytes())
    }

    /// Whether the response to this request has no body whatever its
    /// headers say.
    fn expects_no_body(&self) -> bool {
        self.method == "HEAD"
    }
}

/// A parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers with lowercase names, in order.
    pub headers: Vec<(String, String)>,
    /// The first [`KEPT_BODY`] bytes of the body.
    pub body: Vec<u8>,
    /// Whether the server asked to close the connection, or the body ran to
    /// the end of the connection.
    pub closes: bool,
}

impl Response {
    /// Returns the first value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns every value of a header, by lowercase name.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns the kept body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Returns true for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A malformed request or response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A request part would break the message framing.
    #[error("invalid {what} `{value}`: it would break the request line or headers")]
    InvalidRequest {
        /// Which part.
        what: String,
        /// The value, escaped.
        value: String,
    },
    /// The response is not HTTP/1.x or breaks a bound.
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    /// The connection ended before a full response.
    #[error("connection closed before a complete response")]
    Closed,
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn check_token(value: &str, what: &str) -> Result<(), HttpError> {
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        return Ok(());
    }
    Err(HttpError::InvalidRequest {
        what: what.to_string(),
        value: value.escape_debug().to_string(),
    })
}

/// The target goes out unchanged, so only bytes that would end the request
/// line early are forbidden.
fn check_target(target: &str) -> Result<(), HttpError> {
    let valid = !target.is_empty() && target.bytes().all(|b| b > b' ' && b != 0x7f);
    if valid {
        return Ok(());
    }
    Err(HttpError::InvalidRequest {
        what: "request target".to_string(),
        value: target.escape_debug().to_string(),
    })
}

fn check_value(value: &str, what: &str) -> Result<(), HttpError> {
    if value
        .bytes()
        .all(|b| b == b'\t' || (b' '..0x7f).contains(&b))
    {
        return Ok(());
    }
    Err(HttpError::InvalidRequest {
        what: format!("value of {what}"),
        value: "(not shown)".to_string(),
    })
}

/// Reads one response to `request`, skipping interim 1xx responses.
pub fn read_response(reader: &mut impl BufRead, request: &Request) -> Result<Response, HttpError> {
    loop {
        let (status, headers) = read_head(reader)?;
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
            closes: false,
        };
        response.closes = response
            .header("connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("close"));
        let bodiless = request.expects_no_body() || matches!(status, 101 | 204 | 304);
        if !bodiless {
            read_body(reader, &mut response)?;
        }
        return Ok(response);
    }
}

fn read_head(reader: &mut impl BufRead) -> Result<(u16, Vec<(String, String)>), HttpError> {
    let mut used = 0;
    let status_line = read_line(reader, &mut used)?.ok_or(HttpError::Closed)?;
    let status = parse_status_line(&status_line)?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut used)?
            .ok_or_else(|| HttpError::InvalidResponse("headers cut off".to_string()))?;
        if line.is_empty() {
            return Ok((status, headers));
        }
        if headers.len() == MAX_HEADERS {
            return Err(HttpError::InvalidResponse(format!(
                "more than {MAX_HEADERS} headers"
            )));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HttpError::InvalidResponse(format!(
                "header line without a colon: {}",
                line.escape_debug()
            )));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

fn parse_status_line(line: &str) -> Result<u16, HttpError> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(HttpError::InvalidResponse(format!(
            "not an HTTP/1.x status line: {}",
            shorten(line)
        )));
    }
    code.parse()
        .map_err(|_| HttpError::InvalidResponse(format!("invalid status code `{code}`")))
}

/// Reads a line without its CRLF; `None` at a clean end of the stream.
fn read_line(reader: &mut impl BufRead, used: &mut usize) -> Result<Option<String>, HttpError> {
    let mut line = Vec::new();
    let limit = (MAX_HEAD - *used) as u64 + 1;
    let read = read_until_eof_ok(&mut reader.by_ref().take(limit), &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    *used += read;
    if *used > MAX_HEAD || line.last() != Some(&b'\n') {
        if *used > MAX_HEAD {
            return Err(HttpError::InvalidResponse(format!(
                "header block over {MAX_HEAD} bytes"
            )));
        }
        return Err(HttpError::Closed);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// A TLS peer that closes without `close_notify` shows up as
/// `UnexpectedEof`; for HTTP that is the end of the stream.
fn read_until_eof_ok(reader: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<usize> {
    match reader.read_until(b'\n', out) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(out.len()),
        other => other,
    }
}

fn read_body(reader: &mut impl BufRead, response: &mut Response) -> Result<(), HttpError> {
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(reader, response);
    }
    if let Some(length) = response.header("content-length") {
        let length: u64 = length.trim().parse().map_err(|_| {
            HttpError::InvalidResponse(format!("invalid Content-Length `{}`", shorten(length)))
        })?;
        if length > MAX_BODY {
            return Err(HttpError::InvalidResponse(format!(
                "body of {length} bytes is over the {MAX_BODY}-byte bound"
            )));
        }
        let read = copy_kept(&mut reader.by_ref().take(length), &mut response.body)?;
        if read < length {
            return Err(HttpError::Closed);
        }
        return Ok(());
    }
    response.closes = true;
    copy_kept(&mut reader.by_ref().take(MAX_BODY), &mut response.body)?;
    Ok(())
}

fn read_chunked(reader: &mut impl BufRead, response: &mut Response) -> Result<(), HttpError> {
    let mut total: u64 = 0;
    loop {
        // Each chunk-size and trailer line gets the header bound.
        let mut used = 0;
        let line = read_line(reader, &mut used)?.ok_or(HttpError::Closed)?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size_text, 16).map_err(|_| {
            HttpError::InvalidResponse(format!("invalid chunk size `{}`", shorten(size_text)))
        })?;
        total = total.saturating_add(size);
        if total > MAX_BODY {
            return Err(HttpError::InvalidResponse(format!(
                "chunked body over the {MAX_BODY}-byte bound"
            )));
        }
        if size == 0 {
            // Trailers end with an empty line.
            while let Some(trailer) = read_line(reader, &mut used)? {
                if trailer.is_empty() {
                    break;
                }
            }
            return Ok(());
        }
        let read = copy_kept(&mut reader.by_ref().take(size), &mut response.body)?;
        if read < size {
            return Err(HttpError::Closed);
        }
        let _ = read_line(reader, &mut used)?;
    }
}

/// Reads `reader` to its end, keeping the first [`KEPT_BODY`] bytes of
/// `kept`; returns the bytes read.
fn copy_kept(reader: &mut impl Read, kept: &mut Vec<u8>) -> Result<u64, HttpError> {
    let mut buffer = [0u8; 8192];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(total),
            Err(e) => return Err(e.into()),
        };
        total += n as u64;
        let room = KEPT_BODY.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..n.min(room)]);
    }
}

fn shorten(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    short.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, method: &str) -> Result<Response, HttpError> {
        let mut reader = io::BufReader::new(raw.as_bytes());
        read_response(&mut reader, &Request::new(method, "/"))
    }

    #[test]
    fn target_is_sent_unchanged() {
        let head = Request::new("GET", "/%2Fadmin/./x//y")
            .head("gw.example.com", false)
            .unwrap();
        let text = String::from_utf8(head).unwrap();
        assert!(
            text.starts_with("GET /%2Fadmin/./x//y HTTP/1.1\r\nHost: gw.example.com\r\n"),
            "{text}"
        );
        assert!(text.ends_with("Connection: close\r\n\r\n"), "{text}");
    }

    #[test]
    fn framing_characters_are_rejected() {
        let bad_target = Request::new("GET", "/a b").head("h", false);
        assert!(bad_target.is_err(), "space in target");
        let bad_header = Request::new("GET", "/")
            .header(Header::new("X-A", "1\r\nX-B: 2"))
            .head("h", false);
        assert!(bad_header.is_err(), "CRLF in header value");
        let bad_method = Request::new("GET /x", "/").head("h", false);
        assert!(bad_method.is_err(), "space in method");
    }

    #[test]
    fn post_always_carries_content_length() {
        let head = Request::new("POST", "/orders").head("h", true).unwrap();
        let text = String::from_utf8(head).unwrap();
        assert!(text.contains("Content-Length: 0\r\n"), "{text}");
    }

    #[test]
    fn secret_header_is_redacted_in_debug() {
        let header = Header::secret("Authorization", "Bearer hunter2-token");
        let shown = format!("{header:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn content_length_body_is_read() {
        let response = parse(
            "HTTP/1.1 401 Unauthorized\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
            "GET",
        )
        .unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(response.header("server"), Some("nginx"));
        assert_eq!(response.body, b"hello");
        assert!(!response.closes);
    }

    #[test]
    fn chunked_body_is_decoded() {
        let response = parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nT: 1\r\n\r\n",
            "GET",
        )
        .unwrap();
        assert_eq!(response.text(), "Wikipedia");
    }

    #[test]
    fn pipelined_responses_stay_in_step() {
        let raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n";
        let mut reader = io::BufReader::new(raw.as_bytes());
        let request = Request::new("GET", "/");
        let first = read_response(&mut reader, &request).unwrap();
        let second = read_response(&mut reader, &request).unwrap();
        assert_eq!(first.status, 200);
        assert_eq!(second.status, 429);
    }

    #[test]
    fn interim_response_is_skipped() {
        let response = parse(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n",
            "POST",
        )
        .unwrap();
        assert_eq!(response.status, 413);
    }

    #[test]
    fn head_response_has_no_body() {
        let response = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD").unwrap();
        assert!(response.body.is_empty());
    }

    #[test]
    fn body_until_close() {
        let response = parse("HTTP/1.0 200 OK\r\n\r\nall of it", "GET").unwrap();
        assert_eq!(response.text(), "all of it");
        assert!(response.closes);
    }

    #[test]
    fn hostile_responses_are_rejected() {
        let not_http = parse("SSH-2.0-OpenSSH\r\n\r\n", "GET");
        assert!(matches!(not_http, Err(HttpError::InvalidResponse(_))));
        let huge = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(
            parse(&huge, "GET"),
            Err(HttpError::InvalidResponse(_))
        ));
        let many = format!(
            "HTTP/1.1 200 OK\r\n{}\r\n",
            "X: 1\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(
            parse(&many, "GET"),
            Err(HttpError::InvalidResponse(_))
        ));
        let cut = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "GET");
        assert!(matches!(cut, Err(HttpError::Closed)));
        let empty = parse("", "GET");
        assert!(matches!(empty, Err(HttpError::Closed)));
    }

    #[test]
    fn long_body_is_read_but_not_kept() {
        let body = "x".repeat(KEPT_BODY + 100);
        let raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let response = parse(&raw, "GET").unwrap();
        assert_eq!(response.body.len(), KEPT_BODY);
    }
}
