//! Decisions the managed-gateway blueprints (AWS API Gateway, Apigee) take
//! from the answers: which API flavour and which authorizer fit the chosen
//! authentication mode. Validation and rendering both read them, so a
//! combination that validates always renders.

use serde::Serialize;

use super::model::{Answers, AuthMode, AwsApiType};

/// The API Gateway flavour and authorizer the AWS blueprint renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsPlan {
    /// `rest` or `http`.
    pub api: &'static str,
    /// `cognito`, `jwt` or `api-key`.
    pub authorizer: &'static str,
    /// Cognito user pool ID (`eu-west-1_AbCdEf123`) when the issuer is Cognito.
    pub user_pool_id: Option<String>,
    /// Region of that user pool.
    pub user_pool_region: Option<String>,
}

/// Returns the AWS plan, or the reason the answers cannot be deployed on AWS
/// API Gateway.
pub fn aws_plan(answers: &Answers) -> Result<AwsPlan, String> {
    let requested = answers.aws.api_type;
    match answers.auth.mode {
        AuthMode::Jwt => {
            let pool = cognito_user_pool(&answers.auth.jwt.issuer);
            match (pool, requested) {
                (Some((region, id)), AwsApiType::Auto | AwsApiType::Rest) => Ok(AwsPlan {
                    api: "rest",
                    authorizer: "cognito",
                    user_pool_id: Some(id),
                    user_pool_region: Some(region),
                }),
                (None, AwsApiType::Rest) => Err(
                    "a REST API verifies JWTs natively only from Amazon Cognito user pools; set \
                     aws.api_type to `http` or `auto` for another issuer"
                        .to_string(),
                ),
                (_, AwsApiType::Auto | AwsApiType::Http) => Ok(AwsPlan {
                    api: "http",
                    authorizer: "jwt",
                    user_pool_id: None,
                    user_pool_region: None,
                }),
            }
        }
        AuthMode::ApiKey => {
            if requested == AwsApiType::Http {
                return Err(
                    "HTTP APIs have no API keys or usage plans; set aws.api_type to `rest` or \
                     `auto` for auth.mode `api-key`"
                        .to_string(),
                );
            }
            Ok(AwsPlan {
                api: "rest",
                authorizer: "api-key",
                user_pool_id: None,
                user_pool_region: None,
            })
        }
        AuthMode::Introspection | AuthMode::Mtls | AuthMode::External => Err(
            "the aws blueprint renders `jwt` (Cognito user-pool or HTTP API JWT authorizers) and \
             `api-key` (usage plans); token introspection, mTLS and external authorization \
             need a Lambda authorizer or a truststore that it does not generate"
                .to_string(),
        ),
    }
}

/// Returns the Apigee policy that authenticates clients, or the reason the
/// authentication mode has no Apigee equivalent in the blueprint.
pub fn apigee_auth_policy(mode: AuthMode) -> Result<&'static str, String> {
    match mode {
        AuthMode::Jwt => Ok("VerifyJWT"),
        AuthMode::ApiKey => Ok("VerifyAPIKey"),
        AuthMode::Introspection => Ok("OAuthV2"),
        AuthMode::Mtls | AuthMode::External => Err(
            "the apigee blueprint renders `jwt` (VerifyJWT), `api-key` (VerifyAPIKey) and \
             `introspection` (OAuthV2 access tokens issued by Apigee); mTLS and external \
             authorization are configured outside the proxy bundle"
                .to_string(),
        ),
    }
}

/// Splits an Amazon Cognito issuer URL
/// (`https://cognito-idp.<region>.amazonaws.com/<region>_<id>`) into its
/// region and user pool ID.
pub fn cognito_user_pool(issuer: &str) -> Option<(String, String)> {
    let url = url::Url::parse(issuer).ok()?;
    let host = url.host_str()?;
    let region = host
        .strip_prefix("cognito-idp.")?
        .strip_suffix(".amazonaws.com")?;
    let pool = url.path().trim_matches('/');
    let (pool_region, id) = pool.split_once('_')?;
    let id_ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
    (pool_region == region && id_ok).then(|| (region.to_string(), pool.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cognito_issuer_parsed() {
        assert_eq!(
            cognito_user_pool("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"),
            Some(("eu-west-1".to_string(), "eu-west-1_AbC123".to_string()))
        );
    }

    #[test]
    fn other_issuers_are_not_cognito() {
        for issuer in [
            "https://id.example.com/",
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC123",
            "https://cognito-idp.eu-west-1.amazonaws.com/",
            "https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_x",
        ] {
            assert_eq!(cognito_user_pool(issuer), None, "{issuer}");
        }
    }
}
