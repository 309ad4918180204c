//! The one host a probe may talk to: parsed from the URL the user names,
//! resolved once, and pinned to that address for every connection, so a
//! DNS answer that changes mid-run (DNS rebinding) cannot move the probe
//! to another machine. Only the target port, the plaintext port and the
//! admin ports of that address are ever dialled.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use url::{Host, Url};

use super::ProbeError;

/// The gateway named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address literal as written in the URL (no brackets).
    pub host: String,
    /// HTTPS port.
    pub port: u16,
    /// Path of the URL, `/` when it has none; checks without a route use it.
    pub path: String,
}

impl Target {
    /// Parses an `https` URL. User info is rejected because it would be a
    /// credential on the command line.
    pub fn parse(text: &str) -> Result<Target, ProbeError> {
        let invalid = |reason: &str| ProbeError::InvalidUrl {
            url: text.to_string(),
            reason: reason.to_string(),
        };
        let url = Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "https" {
            return Err(invalid(
                "the scheme must be https, since the probe tests TLS and HSTS; the plaintext \
                 port is set with --http-port",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // The error names the URL, so it must not carry the credential.
            let mut shown = url.clone();
            let _ = shown.set_password(None);
            let _ = shown.set_username("****");
            return Err(ProbeError::InvalidUrl {
                url: shown.to_string(),
                reason: "user info in the URL would put a credential on the command line; use \
                         --credential-file or --credential-env"
                    .to_string(),
            });
        }
        let host = match url.host() {
            Some(Host::Domain(name)) => name.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(invalid("the URL has no host")),
        };
        let mut path = url.path().to_string();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        Ok(Target {
            host,
            port: url.port().unwrap_or(443),
            path,
        })
    }

    /// Returns the `Host` header value for a port of the target.
    pub fn authority(&self, port: u16, default_port: u16) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if port == default_port {
            host
        } else {
            format!("{host}:{port}")
        }
    }

    /// Returns the URL of `path` on the HTTPS port, for findings.
    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.authority(self.port, 443))
    }

    /// Returns the URL of `path` on a plaintext port, for findings.
    pub fn plain_url(&self, port: u16, path: &str) -> String {
        format!("http://{}{path}", self.authority(port, 80))
    }
}

/// Turns a host name into addresses; tests pass their own.
pub trait Resolver {
    /// Returns the addresses of `host`, in preference order.
    fn resolve(&mut self, host: &str, port: u16) -> io::Result<Vec<IpAddr>>;
}

/// The system resolver.
#[derive(Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&mut self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

/// The target's address and the ports the probe may dial on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The one address every connection goes to.
    pub address: IpAddr,
    /// Ports that may be dialled: the target port, the plaintext port and
    /// the admin ports.
    ports: Vec<u16>,
}

impl Pinned {
    /// Resolves the target once. An address literal needs no lookup.
    pub fn resolve(
        target: &Target,
        extra_ports: &[u16],
        resolver: &mut dyn Resolver,
    ) -> Result<Pinned, ProbeError> {
        let address = match target.host.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => {
                let found = resolver
                    .resolve(&target.host, target.port)
                    .map_err(|source| ProbeError::Resolve {
                        host: target.host.clone(),
                        source,
                    })?;
                *found.first().ok_or_else(|| ProbeError::Resolve {
                    host: target.host.clone(),
                    source: io::Error::new(io::ErrorKind::NotFound, "no address"),
                })?
            }
        };
        let mut ports = vec![target.port];
        ports.extend_from_slice(extra_ports);
        Ok(Pinned { address, ports })
    }

    /// Pins the target to `address` without a lookup (`--address`).
    pub fn fixed(address: IpAddr, target: &Target, extra_ports: &[u16]) -> Pinned {
        let mut ports = vec![target.port];
        ports.extend_from_slice(extra_ports);
        Pinned { address, ports }
    }

    /// Returns the socket address of `port`, or an error when the port is
    /// not one the probe may dial.
    pub fn socket(&self, port: u16) -> io::Result<SocketAddr> {
        if !self.ports.contains(&port) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("port {port} is outside the probe's scope"),
            ));
        }
        Ok(SocketAddr::new(self.address, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting {
        calls: usize,
        answers: Vec<IpAddr>,
    }

    impl Resolver for Counting {
        fn resolve(&mut self, _host: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
            self.calls += 1;
            Ok(self.answers.clone())
        }
    }

    #[test]
    fn url_parts() {
        let target = Target::parse("https://gw.example.com:8443/v1/health?x=1").unwrap();
        assert_eq!(target.host, "gw.example.com");
        assert_eq!(target.port, 8443);
        assert_eq!(target.path, "/v1/health?x=1");
        assert_eq!(target.authority(8443, 443), "gw.example.com:8443");
        assert_eq!(target.url("/orders"), "https://gw.example.com:8443/orders");
        let plain = Target::parse("https://[::1]/").unwrap();
        assert_eq!(plain.authority(80, 80), "[::1]");
        assert_eq!(plain.port, 443);
    }

    #[test]
    fn unsafe_urls_are_rejected() {
        for url in [
            "http://gw.example.com/",
            "https://user:secret@gw.example.com/",
            "https://token@gw.example.com/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(Target::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn user_info_is_not_echoed() {
        let error = Target::parse("https://admin:hunter2@gw.example.com/").unwrap_err();
        let shown = error.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("admin"), "{shown}");
    }

    #[test]
    fn host_is_resolved_once_and_pinned() {
        let target = Target::parse("https://gw.example.com/").unwrap();
        let mut resolver = Counting {
            calls: 0,
            answers: vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
        };
        let pinned = Pinned::resolve(&target, &[80, 8001], &mut resolver).unwrap();
        assert_eq!(resolver.calls, 1);
        for port in [443, 80, 8001] {
            let socket = pinned.socket(port).unwrap();
            assert_eq!(socket.ip(), "127.0.0.1".parse::<IpAddr>().unwrap());
        }
    }

    #[test]
    fn address_literal_needs_no_lookup() {
        let target = Target::parse("https://127.0.0.1:8443/").unwrap();
        let mut resolver = Counting {
            calls: 0,
            answers: Vec::new(),
        };
        let pinned = Pinned::resolve(&target, &[], &mut resolver).unwrap();
        assert_eq!(resolver.calls, 0);
        assert_eq!(pinned.socket(8443).unwrap().port(), 8443);
    }

    #[test]
    fn ports_outside_scope_are_refused() {
        let target = Target::parse("https://127.0.0.1:8443/").unwrap();
        let pinned = Pinned::resolve(&target, &[8080], &mut SystemResolver).unwrap();
        assert!(pinned.socket(22).is_err());
        assert!(pinned.socket(8080).is_ok());
    }
}
