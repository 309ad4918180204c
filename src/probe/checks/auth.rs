//! Authentication: every route the answers do not mark public rejects
//! requests without credentials and with an invalid token.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Check, Planned, Session, Verdict, finding, is_denied, skip_for};
use crate::answers::AuthMode;
use crate::finding::{Confidence, Owasp, RuleMeta, Severity};
use crate::probe::client::{Port, SendError};
use crate::probe::context::{Context, Route};
use crate::probe::http::{Header, Request, Response};

static REQUIRED_META: RuleMeta = RuleMeta {
    id: "probe-auth-required",
    title: "Routes that are not public reject requests without credentials",
    severity: Severity::Critical,
    confidence: Confidence::High,
    control: "GK-AUTHN-01",
    owasp: Owasp::Api2,
    rationale: "A route the answers do not mark public must answer 401 or 403 to a request \
        without credentials; anything else lets anonymous clients reach the upstream.",
    fix: "Attach the authentication plugin, filter or `auth_request` to every route that is not \
        public, and regenerate the configuration from the answers.",
};

static INVALID_TOKEN_META: RuleMeta = RuleMeta {
    id: "probe-auth-invalid-token",
    title: "Routes that are not public reject an invalid token",
    severity: Severity::Critical,
    confidence: Confidence::High,
    control: "GK-AUTHN-01",
    owasp: Owasp::Api2,
    rationale: "A gateway that checks only that a token is present, or accepts `alg: none`, \
        lets anyone in with a made-up token.",
    fix: "Verify every token's signature against the issuer's keys with an asymmetric \
        algorithm, and reject unknown API keys.",
};

/// `probe-auth-required`.
pub const REQUIRED: Check = Check {
    meta: &REQUIRED_META,
    plan: plan_required,
    run: run_required,
};

/// `probe-auth-invalid-token`.
pub const INVALID_TOKEN: Check = Check {
    meta: &INVALID_TOKEN_META,
    plan: plan_invalid,
    run: run_invalid,
};

fn protected_routes(context: &Context) -> Result<Vec<&Route>, String> {
    if context.answers.is_none() {
        return Err("needs --answers to know which routes require authentication".to_string());
    }
    let routes = context.protected();
    if routes.is_empty() {
        return Err("every service in the answers is public".to_string());
    }
    Ok(routes)
}

fn plan_required(context: &Context) -> Result<Vec<Planned>, String> {
    Ok(protected_routes(context)?
        .iter()
        .map(|r| Planned::one(Port::Https, r.first_method(), &r.path).note("no credentials"))
        .collect())
}

fn run_required(session: &mut Session, context: &Context) -> Verdict {
    let routes = match protected_routes(context) {
        Ok(routes) => routes,
        Err(reason) => return Verdict::Skip(reason),
    };
    let mtls = context.auth_mode() == Some(AuthMode::Mtls);
    let mut findings = Vec::new();
    let mut open = Vec::new();
    for route in routes {
        let url = session.client.url(Port::Https, &route.path);
        let request = Request::new(route.first_method(), &route.path);
        let response = match session.client.send(Port::Https, &request) {
            Ok(response) => response,
            // Without a client certificate an mTLS listener may end the
            // handshake itself.
            Err(SendError::Handshake(_)) if mtls => continue,
            Err(error) => return skip_for(&error),
        };
        if response.status == 429 {
            return super::rate_limited(&url);
        }
        // NGINX answers 400 when `ssl_verify_client on` finds no certificate.
        let refused = is_denied(&response) || (mtls && response.status == 400);
        if !refused {
            open.push(route.path.clone());
            findings.push(finding(
                &REQUIRED_META,
                &url,
                format!(
                    "{} {} answers {} without credentials, not 401 or 403.",
                    request.method, route.path, response.status
                ),
                &route.path,
            ));
        }
    }
    session.open_routes = Some(open);
    super::verdict(findings)
}

/// Invalid credentials for the authentication mode, each with a label.
fn invalid_credentials(context: &Context) -> Result<Vec<(&'static str, Header)>, String> {
    let Some(answers) = &context.answers else {
        return Err("needs --answers for the authentication mode".to_string());
    };
    match answers.auth.mode {
        AuthMode::Mtls => Err(
            "auth.mode `mtls` authenticates with client certificates, so there is no token to \
             forge"
                .to_string(),
        ),
        AuthMode::ApiKey => Ok(vec![(
            "unknown API key",
            Header::new(
                answers.auth.api_key.header.clone(),
                format!("gatekit-probe-{}", context.nonce),
            ),
        )]),
        AuthMode::Jwt | AuthMode::Introspection | AuthMode::External => {
            let issuer = &answers.auth.jwt.issuer;
            let audience = answers
                .auth
                .jwt
                .audiences
                .first()
                .cloned()
                .unwrap_or_default();
            let forged = forged_jwt(issuer, &audience, &context.nonce, "RS256");
            let unsigned = forged_jwt(issuer, &audience, &context.nonce, "none");
            Ok(vec![
                (
                    "JWT with a forged RS256 signature",
                    Header::new("Authorization", format!("Bearer {forged}")),
                ),
                (
                    "unsigned JWT (alg none)",
                    Header::new("Authorization", format!("Bearer {unsigned}")),
                ),
            ])
        }
    }
}

fn plan_invalid(context: &Context) -> Result<Vec<Planned>, String> {
    let credentials = invalid_credentials(context)?;
    let mut plan = Vec::new();
    for route in protected_routes(context)? {
        for (label, _) in &credentials {
            plan.push(Planned::one(Port::Https, route.first_method(), &route.path).note(*label));
        }
    }
    Ok(plan)
}

fn run_invalid(session: &mut Session, context: &Context) -> Verdict {
    let (credentials, routes) = match (invalid_credentials(context), protected_routes(context)) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(reason), _) | (_, Err(reason)) => return Verdict::Skip(reason),
    };
    // A route that admits requests without credentials has no token check
    // to test; probe-auth-required reports it.
    let open = session.open_routes.clone().unwrap_or_default();
    let routes: Vec<&Route> = routes
        .into_iter()
        .filter(|r| !open.contains(&r.path))
        .collect();
    if routes.is_empty() {
        return Verdict::Skip(
            "every protected route answers without credentials, so there is no token check \
             to test (probe-auth-required reports it)"
                .to_string(),
        );
    }
    let mut findings = Vec::new();
    for route in routes {
        let url = session.client.url(Port::Https, &route.path);
        for (label, header) in &credentials {
            let request = Request::new(route.first_method(), &route.path).header(header.clone());
            let response: Response = match session.client.send(Port::Https, &request) {
                Ok(response) => response,
                Err(error) => return skip_for(&error),
            };
            if response.status == 429 {
                return super::rate_limited(&url);
            }
            if !is_denied(&response) {
                findings.push(finding(
                    &INVALID_TOKEN_META,
                    &url,
                    format!(
                        "{} {} answers {} with an {label}, not 401 or 403.",
                        request.method, route.path, response.status
                    ),
                    &format!("{} {label}", route.path),
                ));
            }
        }
    }
    super::verdict(findings)
}

/// Builds a JWT whose claims fit the answers (issuer, audience, a lifetime
/// of five minutes) but whose signature no key made: random bytes for
/// RS256, none at all for `alg: none`.
fn forged_jwt(issuer: &str, audience: &str, nonce: &str, algorithm: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let header = serde_json::json!({ "alg": algorithm, "typ": "JWT", "kid": "gatekit-probe" });
    let claims = serde_json::json!({
        "iss": issuer,
        "aud": audience,
        "sub": format!("gatekit-probe-{nonce}"),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    });
    let signature = if algorithm == "none" {
        String::new()
    } else {
        // RS256 signatures are as long as a 2048-bit modulus.
        let mut bytes = nonce.as_bytes().repeat(256 / nonce.len().max(1) + 1);
        bytes.truncate(256);
        base64url(&bytes)
    };
    format!(
        "{}.{}.{signature}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
}

/// Base64url without padding (RFC 4648, section 5), as JWTs use.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn forged_jwt_has_three_parts() {
        let signed = forged_jwt("https://id.example.com/", "api", "abc123", "RS256");
        let parts: Vec<&str> = signed.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].len(), 342, "256 bytes of signature");
        let unsigned = forged_jwt("https://id.example.com/", "api", "abc123", "none");
        assert!(unsigned.ends_with('.'), "{unsigned}");
    }
}
