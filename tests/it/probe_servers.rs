//! Small servers for the probe tests, all bound to 127.0.0.1: a plain
//! HTTP server with a handler that counts the requests it answers (the
//! upstream, the authorization service that NGINX `auth_request` calls),
//! and a TCP relay that counts the connections it carries.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// The head of a request a test server received.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub target: String,
    /// Headers with lowercase names.
    pub headers: Vec<(String, String)>,
    pub body_len: usize,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response a handler returns: status, extra headers, body.
pub type Reply = (u16, Vec<(String, String)>, String);

/// A running test server or relay: its port and how many requests or
/// connections it has seen. Its threads live until the test process ends.
#[derive(Debug, Clone)]
pub struct Running {
    pub port: u16,
    pub count: Arc<AtomicUsize>,
}

impl Running {
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// Returns a port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Starts an HTTP/1.1 server that answers each request with `handler`'s
/// reply and closes the connection; `count` is the requests it answered.
pub fn http_server(handler: fn(&Received) -> Reply) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            thread::spawn(move || {
                if serve_one(stream, handler).is_ok() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    Running { port, count }
}

fn serve_one(stream: TcpStream, handler: fn(&Received) -> Reply) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let received = read_request(&mut reader)?;
    let (status, headers, body) = handler(&received);
    let mut out = format!(
        "HTTP/1.1 {status} Test\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out.push_str(&body);
    let mut stream = stream;
    stream.write_all(out.as_bytes())?;
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

fn read_request(reader: &mut impl BufRead) -> io::Result<Received> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut received = Received {
        target: line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string(),
        ..Received::default()
    };
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            received
                .headers
                .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length: u64 = received
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = Vec::new();
    reader.take(length).read_to_end(&mut body)?;
    received.body_len = body.len();
    Ok(received)
}

/// Starts a relay from a new port on 127.0.0.1 to `target` on 127.0.0.1,
/// counting the connections it accepts. TLS passes through untouched, so
/// the count includes handshakes that never carry a request.
pub fn counting_relay(target: u16) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                let _ = client.shutdown(Shutdown::Both);
                continue;
            };
            pipe(&client, &server);
            pipe(&server, &client);
        }
    });
    Running { port, count }
}

/// Copies `from` into `to` on a thread until `from` ends.
fn pipe(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    thread::spawn(move || {
        let _ = io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}
