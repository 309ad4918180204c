//! `gatekit probe` against a real NGINX on 127.0.0.1, started with the
//! configuration the NGINX blueprint generates: the hardened configuration
//! passes every check, and removing one control at a time fails exactly
//! the check that verifies it. The upstream and the authorization service
//! that `auth_request` calls run on 127.0.0.1 as well, and the probe
//! reaches NGINX through counting relays, so the requests it sends are also
//! counted on the server side.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::nginx_live::{Nginx, Pki};
use crate::probe_servers::{Received, Reply, Running, counting_relay, free_port, http_server};
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

/// NGINX with its upstream, authorization service and relays. Dropping
/// it stops NGINX by its PID.
struct Lab {
    dir: tempfile::TempDir,
    gateway: Nginx,
    https: Running,
    http: Running,
    upstream: Running,
    auth: Running,
    admin_ports: Vec<u16>,
}

/// The answers NGINX is generated from.
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

/// Renders the answers file at `path` with the built-in blueprints and
/// returns the generated `nginx/nginx.conf` and `.gatekit/answers.yaml`.
fn generate(path: &Path) -> (String, String) {
    let sources = gatekit::answers::Sources {
        file: Some(path.to_path_buf()),
        ..gatekit::answers::Sources::default()
    };
    let (answers, _) = gatekit::generate::resolve_answers(&sources, None).expect("valid answers");
    let generated = support::render_answers(&answers);
    (
        support::text(&generated, "nginx/nginx.conf").to_string(),
        support::text(&generated, ".gatekit/answers.yaml").to_string(),
    )
}

/// Adapts the generated configuration to the test without touching a
/// control. One process runs in place of master and workers, because
/// workers run as `nobody` and could not write request bodies into the
/// test's private prefix. Errors go to a file, because the test does not
/// read the stderr pipe and rate-limit warnings would fill it. The access log holds
/// connection serial numbers, from which [`Lab::requests_received`]
/// counts requests.
fn instrument(config: &str) -> String {
    let config = edit(
        config,
        "error_log stderr warn;",
        "error_log error.log warn;",
    );
    let config = edit(
        &config,
        "access_log /dev/stdout gateway;",
        "log_format counted '$connection';\n  access_log access.log counted;",
    );
    format!("master_process off;\n{config}")
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
            "    # GK-INV-01",
            "    location = /nginx_status {\n      stub_status;\n    }\n\n    # GK-INV-01",
        ),
        Variant::ServerTokens => edit(config, "server_tokens off;", "server_tokens on;"),
    }
}

/// Starts NGINX with the generated configuration minus the control of
/// `variant`, and everything it talks to; `None` when NGINX or openssl is
/// not installed.
fn start(variant: Variant) -> Option<Lab> {
    let (Some(nginx), Some(openssl)) = (support::tool("nginx"), support::tool("openssl")) else {
        return None;
    };
    let auth_handler = if variant == Variant::AnyToken {
        lax_auth
    } else {
        strict_auth
    };
    let upstream = http_server(upstream);
    let auth = http_server(auth_handler);

    let dir = tempfile::tempdir().unwrap();
    let answers_path = dir.path().join("answers.yaml");
    std::fs::write(&answers_path, answers(auth.port, upstream.port)).unwrap();
    let (config, recorded) = generate(&answers_path);
    // The probe reads the answers the generated repository records.
    std::fs::write(dir.path().join("recorded-answers.yaml"), recorded).unwrap();
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();

    let pki = Pki::create(&openssl);
    std::fs::write(dir.path().join("ca.pem"), pki.pem("ca.crt")).unwrap();
    let config = apply(&instrument(&config), variant);
    let gateway = Nginx::start(&nginx, &config, &pki.config_files());
    let https = counting_relay(gateway.port(8443));
    let http = counting_relay(gateway.port(8080));
    Some(Lab {
        dir,
        gateway,
        https,
        http,
        upstream,
        auth,
        admin_ports: vec![free_port(), free_port()],
    })
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
            .arg(self.path("recorded-answers.yaml"))
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
        let log =
            std::fs::read_to_string(self.gateway.prefix().join("access.log")).unwrap_or_default();
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

/// Parses the JSON report of a probe run.
fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}):\n{}",
            support::describe(output)
        )
    })
}

/// Returns the IDs of the checks that failed, from a JSON report.
fn failed(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

/// Returns the IDs of the checks that were skipped, from a JSON report.
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
