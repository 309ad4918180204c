//! The credential for checks that need an authenticated request. It comes
//! from a file or an environment variable, never from a command-line value
//! (that would show in `ps` and shell history), and it is never printed:
//! `Debug` redacts it and the probe sends it only as a header.

use std::fmt;
use std::path::PathBuf;

use super::ProbeError;

/// Where the credential is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// A file whose first line is the credential.
    File(PathBuf),
    /// An environment variable, by name.
    Env(String),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::File(path) => write!(f, "file {}", path.display()),
            CredentialSource::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// A bearer token or API key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    value: String,
    /// Where it came from, for messages.
    pub source: CredentialSource,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential(****, from {})", self.source)
    }
}

impl Credential {
    /// Reads the credential. Surrounding whitespace is dropped; anything
    /// that cannot go in a header value is rejected without being shown.
    pub fn load(source: &CredentialSource) -> Result<Credential, ProbeError> {
        let invalid = |message: &str| ProbeError::Credential {
            origin: source.to_string(),
            message: message.to_string(),
        };
        let raw = match source {
            CredentialSource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(invalid("file not found"));
                }
                Err(e) => {
                    return Err(ProbeError::CredentialRead {
                        path: path.clone(),
                        source: e,
                    });
                }
            },
            CredentialSource::Env(name) => match std::env::var(name) {
                Ok(value) => value,
                Err(std::env::VarError::NotPresent) => return Err(invalid("not set")),
                Err(std::env::VarError::NotUnicode(_)) => return Err(invalid("not UTF-8")),
            },
        };
        let value = raw.trim();
        if value.is_empty() {
            return Err(invalid("empty"));
        }
        if value.chars().any(|c| c.is_control()) {
            return Err(invalid(
                "contains a line break or control character, which cannot go in a header",
            ));
        }
        Ok(Credential {
            value: value.to_string(),
            source: source.clone(),
        })
    }

    /// Returns the value, for the one header that carries it.
    pub(super) fn expose(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_credential_is_trimmed_and_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cr3t-token-value\n").unwrap();
        let credential = Credential::load(&CredentialSource::File(path)).unwrap();
        assert_eq!(credential.expose(), "s3cr3t-token-value");
        let shown = format!("{credential:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn unusable_credentials_are_rejected_without_echo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "line-one-secret\nline-two\n").unwrap();
        let error = Credential::load(&CredentialSource::File(path.clone())).unwrap_err();
        assert!(!error.to_string().contains("line-one-secret"), "{error}");
        std::fs::write(&path, "  \n").unwrap();
        assert!(Credential::load(&CredentialSource::File(path)).is_err());
        let missing = Credential::load(&CredentialSource::Env(
            "GATEKIT_TEST_UNSET_CREDENTIAL".to_string(),
        ));
        assert!(missing.is_err());
    }
}
