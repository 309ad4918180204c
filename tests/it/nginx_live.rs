//! Runs a generated NGINX configuration for real on 127.0.0.1.
//!
//! - [`Pki::create`] makes a throwaway CA with server and client
//!   certificates (`openssl` CLI).
//! - [`HttpServer::start`] serves plain HTTP/1.1 on a free loopback port from
//!   a thread, answering each request with the status a closure picks: an
//!   upstream or an `auth_request` authorization service.
//! - [`Nginx::start`] writes a configuration and the files it names into a
//!   fresh prefix, moves every `listen PORT` to `127.0.0.1` on a free port,
//!   starts `nginx` in the foreground and waits until it accepts
//!   connections. Dropping it (or [`Nginx::stop`]) sends SIGTERM to the
//!   master's PID and waits for it to exit.
//! - [`check_config`] runs `nginx -t` on a configuration the same way.
//!
//! Every function takes the paths of the tools it runs, found with
//! `support::tool`, so a test skips cleanly where they are missing.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Host names the server certificate is issued for, besides `127.0.0.1`.
pub const SERVER_NAMES: &[&str] = &["api.example.com", "gateway.payments.internal"];

/// A throwaway certificate authority with one server and one client
/// certificate, as PEM files in `dir`: `ca.crt`, `server.crt`,
/// `server.key`, `client.crt`, `client.key`.
pub struct Pki {
    pub dir: PathBuf,
    _temp: tempfile::TempDir,
}

impl Pki {
    /// Creates the CA and both certificates with the `openssl` CLI. RSA
    /// keys keep TLS 1.1 possible in the weakened copies that tests run.
    pub fn create(openssl: &Path) -> Pki {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let run = |args: &[&str]| {
            let output = Command::new(openssl)
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("run openssl");
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=gatekit test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]);
        let mut names: Vec<String> = SERVER_NAMES.iter().map(|n| format!("DNS:{n}")).collect();
        names.push("IP:127.0.0.1".to_string());
        std::fs::write(
            dir.join("server.ext"),
            format!("subjectAltName={}\n", names.join(",")),
        )
        .expect("write extensions");
        for (name, subject) in [("server", "/CN=api.example.com"), ("client", "/CN=client")] {
            run(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                subject,
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]);
            let mut args = vec![
                "x509",
                "-req",
                "-days",
                "2",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
            ];
            let csr = format!("{name}.csr");
            let crt = format!("{name}.crt");
            args.extend(["-in", csr.as_str(), "-out", crt.as_str()]);
            if name == "server" {
                args.extend(["-extfile", "server.ext"]);
            }
            run(&args);
        }
        Pki { dir, _temp: temp }
    }

    /// Reads one of the PEM files.
    pub fn pem(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// The files a generated configuration reads, by their path relative
    /// to it: every `tls/*` folder gets the server pair (so the edge's
    /// cluster certificate works as a client certificate too) and `ca.crt`.
    pub fn config_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for folder in ["server", "cluster", "client-ca", "upstream-ca"] {
            files.push((format!("tls/{folder}/tls.crt"), self.pem("server.crt")));
            files.push((format!("tls/{folder}/tls.key"), self.pem("server.key")));
            files.push((format!("tls/{folder}/ca.crt"), self.pem("ca.crt")));
        }
        files
    }
}

/// The start of a request the test server received.
#[derive(Debug, Clone)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    /// Header names in lowercase.
    pub headers: BTreeMap<String, String>,
}

/// A plain HTTP/1.1 server on 127.0.0.1 that answers every request with an
/// empty JSON object and the status its closure returns. It reads and
/// discards request bodies, closes each connection after one response and
/// stops when dropped.
pub struct HttpServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Starts the server on a free port.
    pub fn start(respond: impl Fn(&RequestHead) -> u16 + Send + 'static) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind test server");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &respond),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HttpServer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(stream: TcpStream, respond: &impl Fn(&RequestHead) -> u16) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: u64 = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = std::io::copy(&mut reader.by_ref().take(length), &mut std::io::sink());
    let status = respond(&RequestHead {
        method,
        target,
        headers,
    });
    let body = "{}";
    let response = format!(
        "HTTP/1.1 {status} Test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Powered-By: test-upstream\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = reader.get_mut().write_all(response.as_bytes());
}

/// Returns a port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Moves every `listen PORT ...;` of `config` to `127.0.0.1` on a free
/// port, returning the new text and the map from old to new port.
pub fn relocate_listeners(config: &str) -> (String, BTreeMap<u16, u16>) {
    let listen = regex::Regex::new(r"(?m)^(\s*)listen (\d+)([ ;])").expect("regex");
    let mut ports = BTreeMap::new();
    for capture in listen.captures_iter(config) {
        let port: u16 = capture[2].parse().expect("port");
        ports.entry(port).or_insert_with(free_port);
    }
    let text = listen.replace_all(config, |c: &regex::Captures<'_>| {
        let port: u16 = c[2].parse().expect("port");
        format!("{}listen 127.0.0.1:{}{}", &c[1], ports[&port], &c[3])
    });
    (text.into_owned(), ports)
}

/// Writes `config` as `nginx.conf` with `files` next to it into a new
/// folder that also serves as the prefix.
fn prepare(config: &str, files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let prefix = tempfile::tempdir().expect("temp dir");
    for (path, bytes) in files {
        let target = prefix.path().join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("create folder");
        std::fs::write(&target, bytes).expect("write file");
    }
    std::fs::write(prefix.path().join("nginx.conf"), config).expect("write nginx.conf");
    prefix
}

/// Runs `nginx -t` on `config` with `files` next to it, in a temporary
/// prefix, and returns its output.
pub fn check_config(nginx: &Path, config: &str, files: &[(String, Vec<u8>)]) -> Output {
    let prefix = prepare(config, files);
    let conf = prefix.path().join("nginx.conf");
    Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .args(["-e", "stderr", "-p"])
        .arg(prefix.path())
        .arg("-c")
        .arg(&conf)
        .output()
        .expect("run nginx -t")
}

/// A running NGINX master process and its prefix folder.
pub struct Nginx {
    child: Option<Child>,
    ports: BTreeMap<u16, u16>,
    prefix: tempfile::TempDir,
}

impl Nginx {
    /// Starts `config` (with its listeners relocated, see
    /// [`relocate_listeners`]) and waits up to 10 seconds until every
    /// listener accepts connections. The configuration must keep NGINX in
    /// the foreground (`daemon off;`), so the child's PID is the master's.
    pub fn start(nginx: &Path, config: &str, files: &[(String, Vec<u8>)]) -> Nginx {
        let (text, ports) = relocate_listeners(config);
        let prefix = prepare(&text, files);
        let conf = prefix.path().join("nginx.conf");
        let child = Command::new(nginx)
            .args(["-e", "stderr", "-p"])
            .arg(prefix.path())
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut running = Nginx {
            child: Some(child),
            ports,
            prefix,
        };
        running.wait_until_listening();
        running
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in self.ports.values() {
            while TcpStream::connect(("127.0.0.1", *port)).is_err() {
                let child = self.child.as_mut().expect("child");
                if let Ok(Some(status)) = child.try_wait() {
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    panic!("nginx exited with {status} before listening:\n{stderr}");
                }
                assert!(
                    Instant::now() < deadline,
                    "nginx did not listen on 127.0.0.1:{port} within 10 s"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Returns the loopback port that replaced `listen` port `generated`.
    pub fn port(&self, generated: u16) -> u16 {
        *self
            .ports
            .get(&generated)
            .unwrap_or_else(|| panic!("the configuration has no `listen {generated}`"))
    }

    /// The master's PID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("child").id()
    }

    /// Sends SIGTERM to the master's PID, which stops its workers, and
    /// waits up to 10 seconds before sending SIGKILL.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("nginx (PID {pid}) did not stop within 10 s of SIGTERM");
    }

    /// The prefix folder, which holds `nginx.conf` and the files beside it.
    pub fn prefix(&self) -> &Path {
        self.prefix.path()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shutdown();
        } else if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}
