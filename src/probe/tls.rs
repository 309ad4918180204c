//! rustls client configurations: which certificates to trust, which TLS
//! versions to offer, and how a failed handshake is classified.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::ProbeError;

/// Which server certificates the probe accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The Mozilla root programme's CAs, built in.
    Public,
    /// Only the CAs in a PEM file (`--ca-cert`).
    CaFile(std::path::PathBuf),
    /// Any certificate (`--insecure`); handshake signatures are still
    /// checked, so the server must hold the key of the certificate it shows.
    Insecure,
}

/// A TLS protocol version the probe can offer with rustls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// TLS 1.2 and 1.3, as a normal client.
    Modern,
    /// TLS 1.2 only.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// The client configurations a run needs, built once.
#[derive(Debug, Clone)]
pub struct Configs {
    modern: Arc<ClientConfig>,
    tls12: Arc<ClientConfig>,
    tls13: Arc<ClientConfig>,
    /// For admin ports, whose certificate is irrelevant: the question is
    /// only whether anything answers there.
    any_certificate: Arc<ClientConfig>,
}

impl Configs {
    /// Builds the configurations for `trust`.
    pub fn new(trust: &Trust) -> Result<Configs, ProbeError> {
        let provider = Arc::new(ring::default_provider());
        let verifier = verifier(trust, &provider)?;
        let insecure: Arc<dyn ServerCertVerifier> = Arc::new(AnyCertificate {
            algorithms: provider.signature_verification_algorithms,
        });
        Ok(Configs {
            modern: build(&provider, &verifier, Offer::Modern)?,
            tls12: build(&provider, &verifier, Offer::Tls12)?,
            tls13: build(&provider, &verifier, Offer::Tls13)?,
            any_certificate: build(&provider, &insecure, Offer::Modern)?,
        })
    }

    /// Returns the configuration that offers `offer`.
    pub fn offering(&self, offer: Offer) -> Arc<ClientConfig> {
        match offer {
            Offer::Modern => self.modern.clone(),
            Offer::Tls12 => self.tls12.clone(),
            Offer::Tls13 => self.tls13.clone(),
        }
    }

    /// Returns the configuration that accepts any certificate.
    pub fn any_certificate(&self) -> Arc<ClientConfig> {
        self.any_certificate.clone()
    }
}

fn build(
    provider: &Arc<CryptoProvider>,
    verifier: &Arc<dyn ServerCertVerifier>,
    offer: Offer,
) -> Result<Arc<ClientConfig>, ProbeError> {
    let versions: &[&'static rustls::SupportedProtocolVersion] = match offer {
        Offer::Modern => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Offer::Tls12 => &[&rustls::version::TLS12],
        Offer::Tls13 => &[&rustls::version::TLS13],
    };
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| ProbeError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn verifier(
    trust: &Trust,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, ProbeError> {
    let mut roots = rustls::RootCertStore::empty();
    match trust {
        Trust::Insecure => {
            return Ok(Arc::new(AnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            }));
        }
        Trust::Public => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Trust::CaFile(path) => {
            for cert in read_pem(path)? {
                roots.add(cert).map_err(|e| ProbeError::CaCert {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            }
        }
    }
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map(|v| v as Arc<dyn ServerCertVerifier>)
        .map_err(|e| ProbeError::Tls(e.to_string()))
}

fn read_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, ProbeError> {
    let invalid = |message: String| ProbeError::CaCert {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read(path).map_err(|e| invalid(e.to_string()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(format!("invalid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("no CERTIFICATE block found".to_string()));
    }
    Ok(certs)
}

/// Accepts any certificate, for `--insecure` and admin ports.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Why a TLS handshake did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server declined what was offered: an alert such as
    /// `protocol_version`, or the connection closed mid-handshake.
    Refused(String),
    /// The server's certificate is not trusted or does not match the host.
    Certificate(String),
    /// Anything else: a timeout, a reset before any reply, bad data.
    Other(String),
}

/// Classifies a failed handshake.
pub fn classify(error: &io::Error) -> Failure {
    if let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return match tls {
            rustls::Error::AlertReceived(alert) if refusal(*alert) => {
                Failure::Refused(format!("alert {alert:?}"))
            }
            rustls::Error::PeerIncompatible(why) => Failure::Refused(format!("{why:?}")),
            rustls::Error::InvalidCertificate(why) => Failure::Certificate(format!("{why:?}")),
            other => Failure::Other(other.to_string()),
        };
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
            Failure::Refused("connection closed during the handshake".to_string())
        }
        _ => Failure::Other(error.to_string()),
    }
}

fn refusal(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::ProtocolVersion
            | AlertDescription::HandshakeFailure
            | AlertDescription::InsufficientSecurity
            | AlertDescription::IllegalParameter
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_refusals() {
        let error = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
        );
        assert!(matches!(classify(&error), Failure::Refused(_)));
    }

    #[test]
    fn certificate_errors_are_told_apart() {
        let error = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(matches!(classify(&error), Failure::Certificate(_)));
    }

    #[test]
    fn timeouts_are_not_refusals() {
        let error = io::Error::new(io::ErrorKind::TimedOut, "timed out");
        assert!(matches!(classify(&error), Failure::Other(_)));
    }

    #[test]
    fn ca_file_without_certificates_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = Configs::new(&Trust::CaFile(path)).unwrap_err();
        assert!(error.to_string().contains("no CERTIFICATE"), "{error}");
    }
}
