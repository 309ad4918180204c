//! `gatekit probe` against a real NGINX on 127.0.0.1: the hardened
//! configuration passes every check, and removing one control at a time
//! fails exactly the check that verifies it. NGINX, its upstream and the
//! authorization service that `auth_request` asks all run on 127.0.0.1, and
//! the probe reaches NGINX through counting relays, so the requests it sends
//! are also counted on the server side.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::probe_servers::{
    self, Certificates, Received, Reply, Running, counting_relay, free_port, http_server,
};
use crate::support;

/// The host name in the certificate, the URL and `tls.domains`; the probe
/// reaches it at 127.0.0.1 through `--address`, so it is never resolved.
const HOST: &str = "api.example.com";

/// The token the authorization service accepts.
const TOKEN: &str = "probe-test-token-6f1c";

/// The request body limit of the answers, in KiB: below NGINX's default of
/// 1 MiB, so removing `client_max_body_size` lets the probe's body through.
const BODY_LIMIT_KB: u32 = 64;

/// One control removed from the hardened configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Hardened,
    NoAuth,
    AnyToken,
    NoRateLimit,
    NoBodyLimit,
    Tls10,
    StubStatus,
    ServerTokens,
}

fn upstream(_request: &Received) -> Reply {
    let headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    (200, headers, "{\"items\":[]}".to_string())
}

/// Admits only the test token, as a real authorization service would.
fn strict_auth(request: &Received) -> Reply {
    let expected = format!("Bearer {TOKEN}");
    if request.target != "/verify" {
        return (500, Vec::new(), String::new());
    }
    if request.header("authorization") == Some(expected.as_str()) {
        (204, Vec::new(), String::new())
    } else {
        (401, Vec::new(), String::new())
    }
}

/// Admits any request that carries a bearer token, valid or not.
fn lax_auth(request: &Received) -> Reply {
    let bearer = request
        .header("authorization")
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer {
        (204, Vec::new(), String::new())
    } else {
        (401, Vec::new(), String::new())
    }
}

/// NGINX with its upstream, authorization service and relays.
struct Lab {
    dir: tempfile::TempDir,
    nginx: Child,
    https: Running,
    http: Running,
    upstream: Running,
    auth: Running,
    admin_ports: Vec<u16>,
    access_log: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Stop this NGINX by its PID: a graceful SIGTERM, then SIGKILL.
        let pid = self.nginx.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.nginx.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.nginx.kill();
        let _ = self.nginx.wait();
    }
}

/// The answers the probe reads, matching the configuration below.
fn answers(auth_port: u16, upstream_port: u16) -> String {
    format!(
        "vendor: nginx
environment: on-prem
project: payments
auth:
  mode: external
  external:
    url: http://127.0.0.1:{auth_port}/verify
rate_limit:
  per_second: 10
  burst: 20
  key: ip
  global_per_second: 1000
body_limit_kb: {BODY_LIMIT_KB}
tls:
  domains: [{HOST}]
  min_version: '1.2'
cors:
  origins: ['https://app.example.com']
network:
  trusted_proxies: ['10.0.0.0/16']
services:
  - name: orders
    upstream: http://127.0.0.1:{upstream_port}
    plaintext: true
    path: /orders
    methods: [GET, POST]
  - name: catalog
    upstream: http://127.0.0.1:{upstream_port}
    plaintext: true
    path: /catalog
    methods: [GET]
    public: true
"
    )
}

/// The NGINX configuration the blueprint generates for these answers
/// (gateway role, `auth.mode: external`), on test ports.
// TODO: render this with the NGINX blueprint once it is in main, keeping
// the edits of `apply` below.
fn hardened_config(https: u16, http: u16, auth_port: u16, upstream_port: u16) -> String {
    let security_headers = [
        (
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ];
    let headers: String = security_headers
        .iter()
        .map(|(name, value)| format!("    add_header {name} \"{value}\" always;\n"))
        .collect();
    let mut locations = String::new();
    for (name, methods, public) in [("orders", "GET POST", false), ("catalog", "GET", true)] {
        for matched in [format!("= /{name}"), format!("/{name}/")] {
            let auth = if public {
                ""
            } else {
                "      auth_request /_gatekit/auth;\n"
            };
            let suffix = if matched.ends_with('/') { "/" } else { "" };
            locations.push_str(&format!(
                "    location {matched} {{
      if ($request_method = OPTIONS) {{
        return 204;
      }}
      limit_except {methods} {{
        deny all;
      }}
{auth}      proxy_pass http://127.0.0.1:{upstream_port}/{name}{suffix};
    }}

"
            ));
        }
    }
    format!(
        "daemon off;
pid nginx.pid;
error_log stderr warn;

events {{
  worker_connections 1024;
}}

http {{
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;
  default_type application/json;

  # GK-HDR-01
  server_tokens off;
  underscores_in_headers off;
  ignore_invalid_headers on;
  merge_slashes on;

  # GK-RATE-03
  client_max_body_size {BODY_LIMIT_KB}k;
  client_body_buffer_size 16k;

  # GK-NET-01
  set_real_ip_from 10.0.0.0/16;
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;

  log_format counted '$connection $connection_requests $request_method $status';
  access_log access.log counted;

  # GK-TLS-01
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
  ssl_prefer_server_ciphers off;
  ssl_ecdh_curve X25519:prime256v1:secp384r1;
  ssl_session_tickets off;

  proxy_http_version 1.1;
  proxy_set_header Connection \"\";
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_hide_header X-Powered-By;

  # GK-RATE-01
  map $remote_addr $rate_key {{
    default $binary_remote_addr;
  }}
  limit_req_zone $rate_key zone=per_client:10m rate=10r/s;
  limit_req_zone $server_port zone=global:1m rate=1000r/s;
  limit_req_status 429;

  # GK-CORS-01
  map $http_origin $cors_origin {{
    default \"\";
    https://app.example.com $http_origin;
  }}

  # GK-TLS-02
  server {{
    listen 127.0.0.1:{http} default_server;
    return 308 https://$host$request_uri;
  }}

  server {{
    listen 127.0.0.1:{https} ssl default_server;
    ssl_reject_handshake on;
  }}

  server {{
    listen 127.0.0.1:{https} ssl;
    server_name {HOST};
    ssl_certificate tls/server/tls.crt;
    ssl_certificate_key tls/server/tls.key;

    # GK-RATE-01, GK-RATE-02
    limit_req zone=per_client burst=20 nodelay;
    limit_req zone=global burst=1000 nodelay;

{headers}    add_header Access-Control-Allow-Origin $cors_origin always;
    add_header Vary Origin always;

    # GK-ERR-01
    error_page 401 = @unauthorized;
    error_page 404 = @not_found;
    error_page 413 = @too_large;
    error_page 429 = @too_many_requests;

    location = /_gatekit/auth {{
      internal;
      proxy_pass http://127.0.0.1:{auth_port}/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length \"\";
      proxy_set_header X-Original-URI $request_uri;
    }}

{locations}    # GK-INV-01
    location / {{
      return 404;
    }}

    location @unauthorized {{
      return 401 \"{{\\\"error\\\":\\\"unauthorized\\\"}}\";
    }}

    location @not_found {{
      return 404 \"{{\\\"error\\\":\\\"not found\\\"}}\";
    }}

    location @too_large {{
      return 413 \"{{\\\"error\\\":\\\"request body too large\\\"}}\";
    }}

    location @too_many_requests {{
{headers}      add_header Retry-After 1 always;
      return 429 \"{{\\\"error\\\":\\\"too many requests\\\"}}\";
    }}
  }}
}}
"
    )
}

/// Replaces `from` with `to` in `config`, failing when `from` is missing,
/// so a change of the configuration's shape cannot make a variant a no-op.
fn edit(config: &str, from: &str, to: &str) -> String {
    assert!(config.contains(from), "the configuration has no `{from}`");
    config.replace(from, to)
}

/// Removes the control a variant is about.
fn apply(config: &str, variant: Variant) -> String {
    match variant {
        Variant::Hardened | Variant::AnyToken => config.to_string(),
        Variant::NoAuth => edit(config, "      auth_request /_gatekit/auth;\n", ""),
        Variant::NoRateLimit => edit(config, "limit_req zone=per_client burst=20 nodelay;", ""),
        Variant::NoBodyLimit => edit(
            config,
            &format!("client_max_body_size {BODY_LIMIT_KB}k;"),
            "",
        ),
        Variant::Tls10 => {
            let config = edit(
                config,
                "ssl_protocols TLSv1.2 TLSv1.3;",
                "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;",
            );
            // Debian's OpenSSL 3 refuses TLS 1.0 and 1.1 at its default
            // security level, whatever ssl_protocols lists.
            let start = config.find("ssl_ciphers ").expect("ssl_ciphers");
            let end = start + config[start..].find(';').expect("end of ssl_ciphers");
            format!(
                "{}ssl_ciphers DEFAULT:@SECLEVEL=0{}",
                &config[..start],
                &config[end..]
            )
        }
        Variant::StubStatus => edit(
            config,
            "    # GK-INV-01\n",
            "    location = /nginx_status {\n      stub_status;\n    }\n\n    # GK-INV-01\n",
        ),
        Variant::ServerTokens => edit(config, "server_tokens off;", "server_tokens on;"),
    }
}

/// Starts NGINX with `variant` and everything it talks to, or `None`
/// when NGINX is not installed.
fn start(variant: Variant) -> Option<Lab> {
    let nginx = support::tool("nginx")?;
    let auth_handler = if variant == Variant::AnyToken {
        lax_auth
    } else {
        strict_auth
    };
    let upstream = http_server(upstream);
    let auth = http_server(auth_handler);
    let https_port = free_port();
    let http_port = free_port();
    let https = counting_relay(https_port);
    let http = counting_relay(http_port);

    let dir = tempfile::tempdir().unwrap();
    let Certificates {
        ca,
        server_cert,
        server_key,
    } = probe_servers::certificates(HOST);
    std::fs::create_dir_all(dir.path().join("tls/server")).unwrap();
    std::fs::write(dir.path().join("tls/server/tls.crt"), server_cert).unwrap();
    std::fs::write(dir.path().join("tls/server/tls.key"), server_key).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca).unwrap();
    std::fs::write(
        dir.path().join("answers.yaml"),
        answers(auth.port, upstream.port),
    )
    .unwrap();
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
    let config = apply(
        &hardened_config(https_port, http_port, auth.port, upstream.port),
        variant,
    );
    let config_path = dir.path().join("nginx.conf");
    std::fs::write(&config_path, config).unwrap();

    // One process, no workers: they would run as `nobody` and could not
    // write request bodies into the test's private folder.
    let child = Command::new(nginx)
        .arg("-p")
        .arg(format!("{}/", dir.path().display()))
        .arg("-c")
        .arg(&config_path)
        .args(["-g", "master_process off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    let lab = Lab {
        access_log: dir.path().join("access.log"),
        dir,
        nginx: child,
        https,
        http,
        upstream,
        auth,
        admin_ports: vec![free_port(), free_port()],
    };
    wait_for(https_port);
    Some(lab)
}

/// Waits until NGINX accepts connections on `port`.
fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nginx did not listen on 127.0.0.1:{port}");
}

impl Lab {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `gatekit probe` against this NGINX with `extra` arguments,
    /// trusting the test CA.
    fn probe(&self, extra: &[&str]) -> Output {
        let ca = self.path("ca.pem");
        let mut args = vec!["--ca-cert", ca.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.probe_trusting(&args)
    }

    /// Runs `gatekit probe` against this NGINX with `extra` arguments and
    /// no `--ca-cert`.
    fn probe_trusting(&self, extra: &[&str]) -> Output {
        let url = format!("https://{HOST}:{}/", self.https.port);
        let admin = self
            .admin_ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",");
        Command::new(env!("CARGO_BIN_EXE_gatekit"))
            .arg("probe")
            .arg(&url)
            .args(["--address", "127.0.0.1"])
            .arg("--answers")
            .arg(self.path("answers.yaml"))
            .arg("--credential-file")
            .arg(self.path("token"))
            .args(["--http-port", &self.http.port.to_string()])
            .args(["--admin-ports", &admin])
            .args(extra)
            .env("NO_COLOR", "1")
            .output()
            .expect("gatekit runs")
    }

    /// Requests that reached this NGINX, counted on the server side: each
    /// connection counts once per HTTP request it carried, and once if it
    /// carried none (a TLS handshake or a ClientHello).
    fn requests_received(&self) -> usize {
        let log = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        let mut connections = BTreeSet::new();
        let mut requests = 0;
        for line in log.lines() {
            if let Some(connection) = line.split(' ').next() {
                connections.insert(connection.to_string());
                requests += 1;
            }
        }
        let accepted = self.https.count() + self.http.count();
        accepted.saturating_sub(connections.len()) + requests
    }
}

/// The JSON report of a probe run.
fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}):\n{}",
            support::describe(output)
        )
    })
}

/// IDs of the checks that failed, from a JSON report.
fn failed(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

/// IDs of the checks that were skipped, from a JSON report.
fn skipped(report: &serde_json::Value) -> BTreeSet<String> {
    report["skipped"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| s["rule_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_string()).collect()
}

fn all_checks() -> usize {
    gatekit::probe::checks::CHECKS.len()
}

#[test]
fn hardened_nginx_passes_every_check() {
    let Some(lab) = start(Variant::Hardened) else {
        return;
    };
    let output = lab.probe(&["--format", "json"]);
    let report = report(&output);
    let description = support::describe(&output);
    assert_eq!(failed(&report), BTreeSet::new(), "{description}");
    assert_eq!(skipped(&report), BTreeSet::new(), "{description}");
    assert_eq!(
        report["summary"]["checks"]["passed"].as_u64(),
        Some(all_checks() as u64),
        "{description}"
    );
    assert_eq!(output.status.code(), Some(0), "{description}");
    assert!(lab.upstream.count() > 0, "the upstream was reached");
    assert!(lab.auth.count() > 0, "the authorization service was asked");
}

/// Runs one variant and checks that exactly `expected_failed` failed and
/// exactly `expected_skipped` were skipped.
fn assert_variant(variant: Variant, expected_failed: &[&str], expected_skipped: &[&str]) {
    let Some(lab) = start(variant) else {
        return;
    };
    let output = lab.probe(&["--format", "json"]);
    let report = report(&output);
    let description = format!("{variant:?}\n{}", support::describe(&output));
    assert_eq!(failed(&report), set(expected_failed), "{description}");
    assert_eq!(skipped(&report), set(expected_skipped), "{description}");
    assert_eq!(output.status.code(), Some(1), "{description}");
}

#[test]
fn nginx_without_auth_fails_auth_required() {
    // With no authentication at all there is no token check to judge and
    // nothing for a path spelling to get around.
    assert_variant(
        Variant::NoAuth,
        &["probe-auth-required"],
        &["probe-auth-invalid-token", "probe-path-normalisation"],
    );
}

#[test]
fn nginx_accepting_any_token_fails_invalid_token() {
    assert_variant(Variant::AnyToken, &["probe-auth-invalid-token"], &[]);
}

#[test]
fn nginx_without_rate_limit_fails_rate_limit() {
    assert_variant(
        Variant::NoRateLimit,
        &["probe-rate-limit"],
        &["probe-rate-limit-spoofed-ip"],
    );
}

#[test]
fn nginx_without_body_limit_fails_body_limit() {
    assert_variant(Variant::NoBodyLimit, &["probe-body-limit"], &[]);
}

#[test]
fn nginx_accepting_tls10_fails_tls_legacy() {
    assert_variant(Variant::Tls10, &["probe-tls-legacy"], &[]);
}

#[test]
fn nginx_with_stub_status_fails_status_page() {
    assert_variant(Variant::StubStatus, &["probe-status-page"], &[]);
}

#[test]
fn nginx_with_server_tokens_fails_version_disclosure() {
    assert_variant(Variant::ServerTokens, &["probe-version-disclosure"], &[]);
}

#[test]
fn nginx_counts_no_more_than_max_requests() {
    let Some(lab) = start(Variant::Hardened) else {
        return;
    };
    // The last cap fits every check, rate-limit bursts included.
    for cap in [25u32, 60, 120] {
        let before = lab.requests_received();
        let output = lab.probe(&["--format", "json", "--max-requests", &cap.to_string()]);
        let report = report(&output);
        let received = lab.requests_received() - before;
        let description = format!("cap {cap}\n{}", support::describe(&output));
        assert!(received > 0, "{description}");
        assert!(
            received <= cap as usize,
            "NGINX saw {received} requests, over --max-requests {cap}\n{description}"
        );
        if cap < 100 {
            assert!(
                !skipped(&report).is_empty(),
                "a cap this low skips some checks\n{description}"
            );
        } else {
            assert_eq!(skipped(&report), BTreeSet::new(), "{description}");
        }
        // The rate-limit window must refill before the next run.
        std::thread::sleep(Duration::from_secs(3));
    }
}

#[test]
fn nginx_reports_in_every_format() {
    let Some(lab) = start(Variant::ServerTokens) else {
        return;
    };
    let sarif = lab.probe(&["--format", "sarif"]);
    let text = String::from_utf8_lossy(&sarif.stdout).into_owned();
    assert_eq!(
        sarif.status.code(),
        Some(1),
        "{}",
        support::describe(&sarif)
    );
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "probe-version-disclosure"),
        "{text}"
    );
    std::thread::sleep(Duration::from_secs(3));

    let junit = lab.probe(&["--format", "junit"]);
    let xml = String::from_utf8_lossy(&junit.stdout).into_owned();
    assert!(xml.contains("<testsuites"), "{xml}");
    assert!(xml.contains("probe-version-disclosure"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    std::thread::sleep(Duration::from_secs(3));

    let plain = lab.probe(&[]);
    let shown = String::from_utf8_lossy(&plain.stdout).into_owned();
    assert!(shown.contains("probe-version-disclosure"), "{shown}");
    assert!(shown.contains("checks passed"), "{shown}");
    assert!(!shown.contains(TOKEN), "the credential is never printed");
    assert!(
        !String::from_utf8_lossy(&plain.stderr).contains(TOKEN),
        "the credential is never printed"
    );
}

#[test]
fn nginx_untrusted_certificate_exits_4() {
    let Some(lab) = start(Variant::Hardened) else {
        return;
    };
    let output = lab.probe_trusting(&[]);
    let description = support::describe(&output);
    assert_eq!(output.status.code(), Some(4), "{description}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--ca-cert"), "{description}");
    assert!(output.stdout.is_empty(), "{description}");
}

#[test]
fn nginx_insecure_run_says_so() {
    let Some(lab) = start(Variant::Hardened) else {
        return;
    };
    let output = lab.probe_trusting(&["--insecure", "--format", "json"]);
    let report = report(&output);
    let description = support::describe(&output);
    assert_eq!(output.status.code(), Some(0), "{description}");
    let notes = report["notes"].to_string();
    assert!(notes.contains("--insecure"), "{description}");
}
