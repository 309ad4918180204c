//! A small HTTP/1.1 client over `std::net::TcpStream` and rustls. Every
//! connection goes to the pinned address, every request is taken from the
//! budget before a byte is sent, no redirect is ever followed, and request
//! targets go out exactly as the check wrote them.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

use super::budget::{Budget, Exhausted};
use super::hello::{self, Legacy, Reply};
use super::http::{HttpError, Request, Response, read_response};
use super::target::{Pinned, Target};
use super::tls::{self, Configs, Failure, Offer};

/// Maximum wait for one connection or one response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Body bytes written per call, so a server that answers 413 early is
/// noticed between writes.
const WRITE_CHUNK: usize = 16 * 1024;

/// Where a request goes on the pinned address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Port {
    /// The HTTPS port of the target URL.
    Https,
    /// The plaintext port (`--http-port`).
    Plain(u16),
    /// An admin port, over plain HTTP or TLS with any certificate.
    Admin {
        /// Port number.
        port: u16,
        /// Whether to speak TLS.
        tls: bool,
    },
}

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The budget forbids another request; nothing was sent.
    #[error(transparent)]
    Budget(#[from] Exhausted),
    /// The TCP connection failed.
    #[error("connection failed: {0}")]
    Connect(io::Error),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0:?}")]
    Handshake(Failure),
    /// No valid response came back.
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl SendError {
    /// Returns true when the server refused the TCP connection, or nothing
    /// answered before the timeout: the port is closed or filtered.
    pub fn is_closed_port(&self) -> bool {
        match self {
            SendError::Connect(e) => matches!(
                e.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::TimedOut
                    | io::ErrorKind::WouldBlock
            ),
            _ => false,
        }
    }
}

/// A TCP or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Stream {
    fn close(self) {
        let tcp = match self {
            Stream::Plain(s) => s,
            Stream::Tls(mut s) => {
                s.conn.send_close_notify();
                let _ = s.conn.complete_io(&mut s.sock);
                s.sock
            }
        };
        let _ = tcp.shutdown(Shutdown::Both);
    }
}

/// The client of one probe run.
#[derive(Debug)]
pub struct Client {
    target: Target,
    pinned: Pinned,
    configs: Configs,
    /// The run's request and time budget.
    pub budget: Budget,
    cache: HashMap<(Port, String), Response>,
}

impl Client {
    /// A client for `target`, dialling only `pinned`.
    pub fn new(target: Target, pinned: Pinned, configs: Configs, budget: Budget) -> Client {
        Client {
            target,
            pinned,
            configs,
            budget,
            cache: HashMap::new(),
        }
    }

    /// Sends one paced request on a new connection and reads the response.
    pub fn send(&mut self, port: Port, request: &Request) -> Result<Response, SendError> {
        self.budget.take_paced()?;
        let timeout = self.timeout()?;
        let mut stream = self.open(port, Offer::Modern, timeout)?;
        let result = write_request(&mut stream, request, &self.host(port), false)
            .and_then(|()| read_one(&mut stream, request));
        stream.close();
        tracing::debug!(
            method = %request.method,
            target = %request.target,
            port = ?port,
            status = ?result.as_ref().map(|r| r.status).ok(),
            "probe request"
        );
        result
    }

    /// Sends a GET without headers once per run; later calls for the same
    /// port and target return the first response.
    pub fn get_cached(&mut self, port: Port, target: &str) -> Result<Response, SendError> {
        let key = (port, target.to_string());
        if let Some(response) = self.cache.get(&key) {
            return Ok(response.clone());
        }
        let response = self.send(port, &Request::new("GET", target))?;
        self.cache.insert(key, response.clone());
        Ok(response)
    }

    /// Sends `requests` back to back on one HTTPS connection (HTTP/1.1
    /// pipelining), unpaced, and reads their responses in order. All of
    /// them are taken from the budget first. When the connection ends
    /// early, the requests without a response get an error.
    pub fn send_burst(&mut self, requests: &[Request]) -> Vec<Result<Response, SendError>> {
        let host = self.host(Port::Https);
        let mut bytes = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            let keep_alive = i + 1 < requests.len();
            match request.head(&host, keep_alive) {
                Ok(head) => bytes.extend_from_slice(&head),
                Err(e) => return fail_all(requests, &SendError::Http(e)),
            }
            bytes.extend_from_slice(&request.body);
        }
        if let Err(e) = self.budget.take(requests.len() as u32) {
            return fail_all(requests, &SendError::Budget(e));
        }
        let opened = self
            .timeout()
            .and_then(|timeout| self.open(Port::Https, Offer::Modern, timeout));
        let mut stream = match opened {
            Ok(stream) => stream,
            Err(e) => return fail_all(requests, &e),
        };
        let written = stream.write_all(&bytes).and_then(|()| stream.flush());
        let mut reader = BufReader::new(stream);
        let mut ended: Option<String> = written.err().map(|e| e.to_string());
        let mut results = Vec::with_capacity(requests.len());
        for request in requests {
            if let Some(reason) = &ended {
                let error = HttpError::InvalidResponse(format!("no response: {reason}"));
                results.push(Err(SendError::Http(error)));
                continue;
            }
            match read_response(&mut reader, request) {
                Ok(response) => {
                    if response.closes {
                        ended = Some("the server closed the connection".to_string());
                    }
                    results.push(Ok(response));
                }
                Err(e) => {
                    ended = Some(e.to_string());
                    results.push(Err(SendError::Http(e)));
                }
            }
        }
        reader.into_inner().close();
        results
    }

    /// Completes one TLS handshake offering `offer` and closes it.
    pub fn handshake(&mut self, offer: Offer) -> Result<(), SendError> {
        self.budget.take_paced()?;
        let timeout = self.timeout()?;
        let stream = self.open(Port::Https, offer, timeout)?;
        stream.close();
        Ok(())
    }

    /// Offers a legacy TLS version with a hand-written ClientHello.
    pub fn legacy_hello(&mut self, version: Legacy) -> Result<Reply, SendError> {
        self.budget.take_paced()?;
        let timeout = self.timeout()?;
        let mut tcp = self.connect(self.target.port, timeout)?;
        let server_name = self
            .target
            .host
            .parse::<std::net::IpAddr>()
            .is_err()
            .then_some(self.target.host.as_str());
        let mut random = [0u8; 32];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut random)
            .map_err(|_| SendError::Connect(io::Error::other("no random bytes")))?;
        let reply = hello::offer(&mut tcp, version, random, server_name);
        let _ = tcp.shutdown(Shutdown::Both);
        Ok(reply)
    }

    /// The URL of `path` on `port`, for findings.
    pub fn url(&self, port: Port, path: &str) -> String {
        match port {
            Port::Https => self.target.url(path),
            Port::Plain(p) => self.target.plain_url(p, path),
            Port::Admin { port, tls } => {
                let scheme = if tls { "https" } else { "http" };
                format!("{scheme}://{}{path}", self.target.authority(port, 0))
            }
        }
    }

    /// The target this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    fn timeout(&self) -> Result<Duration, SendError> {
        let left = self.budget.time_left();
        if left.is_zero() {
            return Err(SendError::Budget(Exhausted::Time));
        }
        Ok(left.min(REQUEST_TIMEOUT))
    }

    fn host(&self, port: Port) -> String {
        match port {
            Port::Https => self.target.authority(self.target.port, 443),
            Port::Plain(p) => self.target.authority(p, 80),
            Port::Admin { port, .. } => self.target.authority(port, 0),
        }
    }

    fn connect(&self, port: u16, timeout: Duration) -> Result<TcpStream, SendError> {
        let socket = self.pinned.socket(port).map_err(SendError::Connect)?;
        let tcp = TcpStream::connect_timeout(&socket, timeout).map_err(SendError::Connect)?;
        tcp.set_read_timeout(Some(timeout))
            .and_then(|()| tcp.set_write_timeout(Some(timeout)))
            .and_then(|()| tcp.set_nodelay(true))
            .map_err(SendError::Connect)?;
        Ok(tcp)
    }

    fn open(&self, port: Port, offer: Offer, timeout: Duration) -> Result<Stream, SendError> {
        let (number, config) = match port {
            Port::Https => (self.target.port, Some(self.configs.offering(offer))),
            Port::Plain(p) => (p, None),
            Port::Admin { port, tls } => (port, tls.then(|| self.configs.any_certificate())),
        };
        let tcp = self.connect(number, timeout)?;
        let Some(config) = config else {
            return Ok(Stream::Plain(tcp));
        };
        let name = ServerName::try_from(self.target.host.clone())
            .map_err(|e| SendError::Handshake(Failure::Other(e.to_string())))?;
        let connection = ClientConnection::new(config, name)
            .map_err(|e| SendError::Handshake(Failure::Other(e.to_string())))?;
        let mut stream = StreamOwned::new(connection, tcp);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| SendError::Handshake(tls::classify(&e)))?;
        }
        Ok(Stream::Tls(Box::new(stream)))
    }
}

fn write_request(
    stream: &mut Stream,
    request: &Request,
    host: &str,
    keep_alive: bool,
) -> Result<(), SendError> {
    let head = request.head(host, keep_alive)?;
    stream.write_all(&head).map_err(SendError::Connect)?;
    // A server may answer and close before the whole body is in (NGINX
    // does for 413), so a failed body write still leaves a response to read.
    for chunk in request.body.chunks(WRITE_CHUNK) {
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = stream.flush();
    Ok(())
}

fn read_one(stream: &mut Stream, request: &Request) -> Result<Response, SendError> {
    let mut reader = BufReader::new(stream);
    Ok(read_response(&mut reader, request)?)
}

/// Gives every request of a burst the error that stopped it.
fn fail_all(requests: &[Request], error: &SendError) -> Vec<Result<Response, SendError>> {
    let copy = |error: &SendError| match error {
        SendError::Budget(e) => SendError::Budget(*e),
        SendError::Connect(e) => SendError::Connect(io::Error::new(e.kind(), e.to_string())),
        SendError::Handshake(f) => SendError::Handshake(f.clone()),
        SendError::Http(e) => SendError::Http(HttpError::InvalidResponse(e.to_string())),
    };
    requests.iter().map(|_| Err(copy(error))).collect()
}
