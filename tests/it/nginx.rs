//! NGINX blueprint guarantees: `nginx -t` accepts every generated
//! configuration, and a generated configuration started on 127.0.0.1
//! enforces authentication, rate and body limits, TLS versions and banner
//! hiding against real requests.

use std::path::Path;
use std::process::Command;

use gatekit::answers::{Ci, Environment, Vendor};

use crate::nginx_live::{self, HttpServer, Nginx, Pki};
use crate::support::{self, Combo};

/// Answer variations beyond the defaults. Upstreams and the authorization
/// service are IP addresses, because `nginx -t` resolves host names.
const VARIATIONS: &[&[&str]] = &[
    &[],
    &["auth.mode=api-key"],
    &[
        "auth.mode=api-key",
        "auth.api_key.consumers[0].name=billing",
        "auth.api_key.consumers[0].services=orders",
        "auth.api_key.consumers[1].name=audit",
        "rate_limit.key=ip",
    ],
    &["auth.mode=introspection", "cors.credentials=true"],
    &[
        "auth.mode=external",
        "auth.external.url=http://127.0.0.1:9000/check",
    ],
    &["cors.origins=", "tls.min_version=1.3"],
    &[
        "services[0].path=/v1.0",
        "services[1].name=health",
        "services[1].upstream=http://127.0.0.1:8080/ping",
        "services[1].plaintext=true",
        "services[1].path=/health",
        "services[1].methods=GET,OPTIONS",
        "services[1].public=true",
        "services[2].name=root",
        "services[2].upstream=https://10.0.0.7",
        "services[2].path=/",
    ],
];

/// Answers that keep every address resolvable offline.
const OFFLINE: &[&str] = &[
    "services[0].upstream=https://10.0.0.5:8443/api",
    "auth.external.url=https://10.0.0.6/check",
];

fn nginx_combos() -> Vec<Combo> {
    support::combos()
        .into_iter()
        .filter(|c| c.vendor == Vendor::Nginx && c.ci == Ci::Github)
        .collect()
}

/// The NGINX configurations of one rendered repository, by path. The hybrid
/// edge forwards to the host name `nginx-internal`, which a Kubernetes
/// Service provides; here it becomes the loopback address.
fn configs(answers: &gatekit::answers::Answers) -> Vec<(String, String)> {
    let generated = support::render_answers(answers);
    support::files_with(&generated, &[".conf"])
        .into_iter()
        .map(|(path, text)| {
            (
                path.to_string(),
                text.replace("https://nginx-internal:8443", "https://127.0.0.1:8443"),
            )
        })
        .collect()
}

fn api_key_file() -> (String, Vec<u8>) {
    (
        "api-keys/clients.map".to_string(),
        b"\"test-key-0123456789abcdef0123456789\" example-client;\n\"billing-key-0123456789abcdef0123\" billing;\n".to_vec(),
    )
}

#[test]
fn nginx_t_accepts_every_config() {
    let (Some(nginx), Some(openssl)) = (support::tool("nginx"), support::tool("openssl")) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let mut files = pki.config_files();
    files.push(api_key_file());
    let mut checked = 0;
    for combo in nginx_combos() {
        let mut variations: Vec<Vec<&str>> = VARIATIONS.iter().map(|v| v.to_vec()).collect();
        if combo.environment == Environment::OnPrem {
            variations.push(vec!["auth.mode=mtls"]);
            variations.push(vec!["auth.mode=mtls", "rate_limit.key=ip"]);
        }
        for variation in variations {
            let mut sets: Vec<&str> = OFFLINE.to_vec();
            sets.extend(variation.iter().copied());
            let answers = support::answers(combo, &sets);
            for (path, config) in configs(&answers) {
                let output = nginx_live::check_config(&nginx, &config, &files);
                assert!(
                    output.status.success(),
                    "{} {variation:?} {path}:\n{}\n{config}",
                    combo.name(),
                    support::describe(&output)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} configurations checked");
}

/// Runs `curl` once with `args` and returns the status codes it printed,
/// one per URL (0 where no response arrived). `--output` applies to the
/// first URL only, so the bodies of later ones are printed and skipped.
fn curl(curl: &Path, args: &[&str]) -> Vec<u16> {
    let output = Command::new(curl)
        .args(["--silent", "--insecure", "--output", "/dev/null"])
        .args(["--write-out", "\\nstatus=%{http_code}\\n"])
        .args(args)
        .output()
        .expect("run curl");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("status="))
        .map(|code| code.trim().parse().unwrap_or(0))
        .collect()
}

/// The response headers of one request.
fn curl_headers(curl: &Path, args: &[&str]) -> String {
    let output = Command::new(curl)
        .args(["--silent", "--insecure", "--output", "/dev/null"])
        .args(["--dump-header", "-"])
        .args(args)
        .output()
        .expect("run curl");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// True when a TLS 1.1 handshake with `port` succeeds. The client lowers
/// its own security level, so only the server can refuse.
fn tls11_accepted(openssl: &Path, port: u16) -> bool {
    let output = Command::new(openssl)
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", "api.example.com", "-tls1_1"])
        .args(["-cipher", "DEFAULT:@SECLEVEL=0"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run openssl s_client");
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success() && text.contains("Protocol  : TLSv1.1")
}

/// Answers of the live tests: on-prem, a plaintext loopback upstream, a
/// limit of 1 request per second with a burst of 2, and 1 KiB bodies.
fn live_answers(upstream: u16, extra: &[&str]) -> gatekit::answers::Answers {
    let combo = Combo {
        vendor: Vendor::Nginx,
        environment: Environment::OnPrem,
        ci: Ci::Github,
    };
    let upstream = format!("services[0].upstream=http://127.0.0.1:{upstream}");
    let mut sets = vec![
        upstream.as_str(),
        "services[0].plaintext=true",
        "rate_limit.per_second=1",
        "rate_limit.burst=2",
        "body_limit_kb=1",
    ];
    sets.extend(extra);
    support::answers(combo, &sets)
}

fn nginx_conf(answers: &gatekit::answers::Answers) -> String {
    let generated = support::render_answers(answers);
    let file = generated
        .tree
        .files
        .get("nginx/nginx.conf")
        .expect("nginx/nginx.conf is generated");
    String::from_utf8(file.bytes.clone()).expect("UTF-8")
}

#[test]
fn live_api_key_gateway_enforces_limits() {
    let (Some(nginx), Some(openssl), Some(curl_bin)) = (
        support::tool("nginx"),
        support::tool("openssl"),
        support::tool("curl"),
    ) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let upstream = HttpServer::start(|_| 200);
    let answers = live_answers(upstream.port, &["auth.mode=api-key"]);
    let config = nginx_conf(&answers);
    let mut files = pki.config_files();
    files.push(api_key_file());
    let gateway = Nginx::start(&nginx, &config, &files);
    let port = gateway.port(8443);
    let resolve = format!("api.example.com:{port}:127.0.0.1");
    let url = format!("https://api.example.com:{port}/orders");
    let key = "x-api-key: test-key-0123456789abcdef0123456789";

    let anonymous = curl(&curl_bin, &["--resolve", &resolve, &url]);
    assert_eq!(anonymous, vec![401], "request without a key");

    let wrong = curl(
        &curl_bin,
        &["--resolve", &resolve, "-H", "x-api-key: nope", &url],
    );
    assert_eq!(wrong, vec![401], "request with an unknown key");

    let body = "x".repeat(2048);
    let large = curl(
        &curl_bin,
        &["--resolve", &resolve, "-H", key, "--data", &body, &url],
    );
    assert_eq!(large, vec![413], "2 KiB body over the 1 KiB limit");

    let unknown = curl(
        &curl_bin,
        &[
            "--resolve",
            &resolve,
            "-H",
            key,
            &format!("https://api.example.com:{port}/admin"),
        ],
    );
    assert_eq!(unknown, vec![404], "path outside every route");

    let headers = curl_headers(&curl_bin, &["--resolve", &resolve, "-H", key, &url]);
    assert!(headers.starts_with("HTTP/1.1 200"), "{headers}");
    let server: Vec<&str> = headers
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("server:"))
        .collect();
    assert_eq!(server, vec!["Server: nginx"], "{headers}");
    assert!(!headers.contains("X-Powered-By"), "{headers}");
    assert!(
        headers.contains("Strict-Transport-Security: max-age="),
        "{headers}"
    );

    // One curl run sends the burst over one connection, faster than the
    // 1 request per second the limit refills.
    let urls: Vec<&str> = std::iter::repeat_n(url.as_str(), 8).collect();
    let mut args = vec!["--resolve", resolve.as_str(), "-H", key];
    args.extend(urls);
    let burst = curl(&curl_bin, &args);
    assert!(burst.contains(&200), "burst: {burst:?}");
    assert!(burst.contains(&429), "burst: {burst:?}");
    let retry = curl_headers(&curl_bin, &["--resolve", &resolve, "-H", key, &url]);
    assert!(retry.starts_with("HTTP/1.1 429"), "{retry}");
    assert!(retry.contains("Retry-After: 1"), "{retry}");

    assert!(!tls11_accepted(&openssl, port), "TLS 1.1 accepted");
    gateway.stop();
}

#[test]
fn live_weakened_copy_accepts_tls11() {
    let (Some(nginx), Some(openssl)) = (support::tool("nginx"), support::tool("openssl")) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let upstream = HttpServer::start(|_| 200);
    let config = nginx_conf(&live_answers(upstream.port, &["auth.mode=api-key"]));
    let protocols = regex::Regex::new(r"(?m)^  ssl_protocols [^;]*;").unwrap();
    let ciphers = regex::Regex::new(r"(?m)^  ssl_ciphers [^;]*;").unwrap();
    assert!(protocols.is_match(&config), "no ssl_protocols line");
    assert!(ciphers.is_match(&config), "no ssl_ciphers line");
    let weakened = protocols.replace(&config, "  ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;");
    let weakened = ciphers.replace(&weakened, "  ssl_ciphers DEFAULT:@SECLEVEL=0;");
    let mut files = pki.config_files();
    files.push(api_key_file());
    let gateway = Nginx::start(&nginx, &weakened, &files);
    assert!(
        tls11_accepted(&openssl, gateway.port(8443)),
        "the weakened copy refused TLS 1.1, so the TLS 1.1 check cannot fail"
    );
    gateway.stop();
}

#[test]
fn live_auth_request_gateway() {
    let (Some(nginx), Some(openssl), Some(curl_bin)) = (
        support::tool("nginx"),
        support::tool("openssl"),
        support::tool("curl"),
    ) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let upstream = HttpServer::start(|request| {
        // The gateway strips nothing the authorization service needs, but the
        // upstream must see the original path.
        if request.target == "/orders/42" {
            200
        } else {
            500
        }
    });
    let authz = HttpServer::start(|request| {
        let token = request.headers.get("authorization").map(String::as_str);
        let original = request.headers.get("x-original-uri").map(String::as_str);
        match (token, original) {
            (Some("Bearer good"), Some("/orders/42")) => 204,
            (Some("Bearer good"), _) => 403,
            _ => 401,
        }
    });
    let authz_url = format!("auth.external.url=http://127.0.0.1:{}/check", authz.port);
    let config = nginx_conf(&live_answers(
        upstream.port,
        &["auth.mode=jwt", authz_url.as_str()],
    ));
    let gateway = Nginx::start(&nginx, &config, &pki.config_files());
    let port = gateway.port(8443);
    let resolve = format!("api.example.com:{port}:127.0.0.1");
    let url = format!("https://api.example.com:{port}/orders/42");

    assert_eq!(curl(&curl_bin, &["--resolve", &resolve, &url]), vec![401]);
    let bad = curl(
        &curl_bin,
        &[
            "--resolve",
            &resolve,
            "-H",
            "authorization: Bearer bad",
            &url,
        ],
    );
    assert_eq!(bad, vec![401]);
    let good = curl(
        &curl_bin,
        &[
            "--resolve",
            &resolve,
            "-H",
            "authorization: Bearer good",
            &url,
        ],
    );
    assert_eq!(good, vec![200]);
    let unknown_host = curl(
        &curl_bin,
        &[
            "--resolve",
            &format!("other.example.com:{port}:127.0.0.1"),
            &format!("https://other.example.com:{port}/orders/42"),
        ],
    );
    assert_eq!(unknown_host, vec![0], "handshake for an unknown host name");
    gateway.stop();
}

#[test]
fn live_client_certificates() {
    let (Some(nginx), Some(openssl), Some(curl_bin)) = (
        support::tool("nginx"),
        support::tool("openssl"),
        support::tool("curl"),
    ) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let upstream = HttpServer::start(|_| 200);
    let config = nginx_conf(&live_answers(upstream.port, &["auth.mode=mtls"]));
    let gateway = Nginx::start(&nginx, &config, &pki.config_files());
    let port = gateway.port(8443);
    let resolve = format!("api.example.com:{port}:127.0.0.1");
    let url = format!("https://api.example.com:{port}/orders");
    let cert = pki.dir.join("client.crt");
    let key = pki.dir.join("client.key");

    assert_eq!(curl(&curl_bin, &["--resolve", &resolve, &url]), vec![401]);
    let with_cert = curl(
        &curl_bin,
        &[
            "--resolve",
            &resolve,
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            &url,
        ],
    );
    assert_eq!(with_cert, vec![200]);
    gateway.stop();
}

#[test]
fn live_plain_http_redirects() {
    let (Some(nginx), Some(openssl), Some(curl_bin)) = (
        support::tool("nginx"),
        support::tool("openssl"),
        support::tool("curl"),
    ) else {
        return;
    };
    let pki = Pki::create(&openssl);
    let upstream = HttpServer::start(|_| 200);
    let config = nginx_conf(&live_answers(upstream.port, &["auth.mode=mtls"]));
    let gateway = Nginx::start(&nginx, &config, &pki.config_files());
    let headers = curl_headers(
        &curl_bin,
        &[&format!("http://127.0.0.1:{}/orders", gateway.port(8080))],
    );
    assert!(headers.starts_with("HTTP/1.1 308"), "{headers}");
    assert!(
        headers.contains("Location: https://127.0.0.1/orders"),
        "{headers}"
    );
    gateway.stop();
}
