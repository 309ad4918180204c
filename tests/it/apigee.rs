//! The Apigee blueprint: apigeelint on every generated bundle and the
//! guarantees of each proxy (authentication, limits, TLS to targets,
//! credentials stripped), on answer variants beyond the default
//! combinations. The Terraform checks render the same variants.

use gatekit::answers::{Ci, Environment, Vendor};
use gatekit::generate::Generated;
use quick_xml::events::Event;

use crate::support::{self, Combo, text};

/// apigeelint rules excluded from the lint, each with the reason.
const EXCLUDED_RULES: &[(&str, &str)] = &[(
    "TD006",
    "SSLInfo of each TargetServer is set in Terraform (targets.tf), which apigeelint does not read",
)];

fn combo(environment: Environment) -> Combo {
    Combo {
        vendor: Vendor::Apigee,
        environment,
        ci: Ci::Github,
    }
}

/// Answer variants that together reach every branch of the blueprint.
pub fn variants() -> Vec<(String, Generated)> {
    let cases: &[(Environment, &[&str])] = &[
        (Environment::Cloud, &[]),
        (Environment::Hybrid, &[]),
        (
            Environment::Cloud,
            &["auth.mode=api-key", "cors.origins=[]"],
        ),
        (
            Environment::Hybrid,
            &["auth.mode=introspection", "rate_limit.global_per_second=0"],
        ),
        (
            Environment::Cloud,
            &[
                "rate_limit.key=ip",
                "services[0].name=orders",
                "services[0].upstream=https://orders.internal.example.com:8443",
                "services[0].path=/orders",
                "services[0].methods=[GET,POST,DELETE]",
                "services[1].name=status",
                "services[1].upstream=https://status.internal.example.com",
                "services[1].path=/status",
                "services[1].methods=[GET]",
                "services[1].public=true",
            ],
        ),
    ];
    support::render_cases(Vendor::Apigee, cases)
}

/// Returns the text of every element named `tag` in `xml`, in order.
fn element_texts(xml: &str, tag: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == tag.as_bytes() => {
                inside = true;
                out.push(String::new());
            }
            Event::Text(t) if inside => {
                let text = t.decode().expect("UTF-8 text");
                if let Some(last) = out.last_mut() {
                    last.push_str(&text);
                }
            }
            Event::GeneralRef(r) if inside => {
                let name = r.decode().expect("UTF-8 reference");
                let entity = match name.as_ref() {
                    "quot" => "\"",
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                if let Some(last) = out.last_mut() {
                    last.push_str(entity);
                }
            }
            Event::End(e) if e.name().as_ref() == tag.as_bytes() => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn bundle(service: &str) -> String {
    format!("apigee/proxies/{service}/apiproxy")
}

#[test]
fn apigee_on_prem_rejected_naming_alternatives() {
    let error = support::rejection(&["vendor=apigee", "environment=on-prem"]);
    for vendor in ["kong", "envoy", "nginx"] {
        assert!(error.contains(vendor), "{vendor} missing from: {error}");
    }
}

#[test]
fn upstream_path_rejected() {
    let error = support::rejection(&[
        "vendor=apigee",
        "services[0].upstream=https://orders.internal.example.com/api",
    ]);
    assert!(error.contains("services[0].upstream"), "{error}");
}

#[test]
fn several_audiences_rejected() {
    let error = support::rejection(&[
        "vendor=apigee",
        "auth.jwt.audiences=[a.example.com,b.example.com]",
    ]);
    assert!(error.contains("auth.jwt.audiences"), "{error}");
}

/// Every policy a step names exists, every policy file is listed in the
/// descriptor, and non-public services authenticate before anything other
/// than the CORS, method and size checks.
#[test]
fn proxy_steps_reference_existing_policies() {
    for (name, generated) in variants() {
        for service in &generated.answers.services {
            let root = bundle(&service.name);
            let descriptor = support::text(&generated, &format!("{root}/{}.xml", service.name));
            let listed = element_texts(descriptor, "Policy");
            let files: Vec<String> = generated
                .tree
                .paths()
                .filter_map(|p| p.strip_prefix(&format!("{root}/policies/")))
                .map(|p| p.trim_end_matches(".xml").to_string())
                .collect();
            let mut sorted_files = files.clone();
            sorted_files.sort();
            assert_eq!(listed, sorted_files, "{name}: {}", service.name);

            let proxy = support::text(&generated, &format!("{root}/proxies/default.xml"));
            let target = support::text(&generated, &format!("{root}/targets/default.xml"));
            let steps: Vec<String> =
                [element_texts(proxy, "Name"), element_texts(target, "Name")].concat();
            for step in &steps {
                assert!(files.contains(step), "{name}: step {step} has no policy");
            }
            let auth = ["JWT-VerifyToken", "VA-VerifyKey", "OA-VerifyToken"];
            let has_auth = steps.iter().any(|s| auth.contains(&s.as_str()));
            assert_eq!(has_auth, !service.public, "{name}: {}", service.name);
            if !service.public {
                let first_limit = steps.iter().position(|s| s == "SA-PerClient");
                let auth_at = steps.iter().position(|s| auth.contains(&s.as_str()));
                assert!(auth_at < first_limit, "{name}: auth after limits");
            }
        }
    }
}

#[test]
fn targets_use_verified_tls_without_urls() {
    for (name, generated) in variants() {
        for service in &generated.answers.services {
            let target = text(
                &generated,
                &format!("{}/targets/default.xml", bundle(&service.name)),
            );
            assert_eq!(element_texts(target, "Enabled"), vec!["true"], "{name}");
            assert_eq!(element_texts(target, "Enforce"), vec!["true"], "{name}");
            assert_eq!(
                element_texts(target, "IgnoreValidationErrors"),
                vec!["false"],
                "{name}"
            );
            assert_eq!(
                element_texts(target, "TrustStore"),
                vec!["ref://upstream-truststore"],
                "{name}"
            );
            assert!(
                element_texts(target, "URL").is_empty(),
                "{name}: hard-coded URL"
            );
            assert!(
                target.contains(&format!("<Server name=\"{}\"/>", service.name)),
                "{name}"
            );
        }
        let targets = text(
            &generated,
            "terraform/modules/apigee-environment/targets.tf",
        );
        assert!(
            targets.contains("ignore_validation_errors = false"),
            "{name}"
        );
        assert!(
            targets.contains("enabled                  = true"),
            "{name}"
        );
    }
}

#[test]
fn limits_are_distributed_and_per_client() {
    for (name, generated) in variants() {
        for service in &generated.answers.services {
            let root = bundle(&service.name);
            let quota = support::text(&generated, &format!("{root}/policies/Q-PerClient.xml"));
            assert_eq!(element_texts(quota, "Distributed"), vec!["true"], "{name}");
            assert!(quota.contains("<Identifier ref="), "{name}");
            let spike = support::text(&generated, &format!("{root}/policies/SA-PerClient.xml"));
            let rate = format!("{}ps", generated.answers.rate_limit.per_second);
            assert_eq!(element_texts(spike, "Rate"), vec![rate], "{name}");
        }
    }
}

#[test]
fn credentials_stripped_before_target() {
    for (name, generated) in variants() {
        for service in &generated.answers.services {
            let strip = text(
                &generated,
                &format!("{}/policies/AM-StripCredentials.xml", bundle(&service.name)),
            );
            assert!(strip.contains("<Header name=\"Authorization\"/>"), "{name}");
            let key_header = format!(
                "<Header name=\"{}\"/>",
                generated.answers.auth.api_key.header
            );
            assert!(strip.contains(&key_header), "{name}");
        }
    }
}

#[test]
fn cors_lists_explicit_origins() {
    for (name, generated) in variants() {
        let origins = &generated.answers.cors.origins;
        for service in &generated.answers.services {
            let path = format!("{}/policies/CORS-Allow.xml", bundle(&service.name));
            let Some(cors) = generated.tree.text(&path) else {
                assert!(origins.is_empty(), "{name}: CORS policy missing");
                continue;
            };
            assert_eq!(
                element_texts(cors, "AllowOrigins"),
                vec![origins.join(", ")],
                "{name}"
            );
            assert!(!cors.contains('*'), "{name}");
        }
    }
}

#[test]
fn jwt_pins_issuer_audience_and_lifetime() {
    let generated = support::render(combo(Environment::Cloud));
    let jwt = &generated.answers.auth.jwt;
    let policy = text(
        &generated,
        &format!("{}/policies/JWT-VerifyToken.xml", bundle("orders")),
    );
    assert_eq!(element_texts(policy, "Issuer"), vec![jwt.issuer.clone()]);
    assert_eq!(
        element_texts(policy, "Audience"),
        vec![jwt.audiences[0].clone()]
    );
    assert_eq!(
        element_texts(policy, "Algorithm"),
        vec![jwt.algorithms.join(",")]
    );
    assert_eq!(
        element_texts(policy, "MaxLifespan"),
        vec![format!("{}s", jwt.max_lifetime)]
    );
}

#[test]
fn organization_uses_customer_managed_keys() {
    let cloud = support::render(combo(Environment::Cloud));
    let main = support::text(&cloud, "terraform/live/shared/main.tf");
    assert!(main.contains("runtime_database_encryption_key_name = google_kms_crypto_key.apigee[\"runtime-database\"].id"));
    assert!(
        main.contains(
            "disk_encryption_key_name = google_kms_crypto_key.apigee[\"instance-disk\"].id"
        )
    );
    assert!(main.contains("rotation_period = \"7776000s\""));

    let hybrid = support::render(combo(Environment::Hybrid));
    let main = support::text(&hybrid, "terraform/live/shared/main.tf");
    assert!(main.contains("resource \"google_apigee_sync_authorization\" \"this\""));
    assert!(main.contains("runtime_type     = \"HYBRID\""));
    let overrides = support::text(&hybrid, "apigee/hybrid/overrides.yaml");
    let doc: serde_yaml::Value = serde_yaml::from_str(overrides).expect("overrides parse");
    assert_eq!(doc["cassandra"]["hostNetwork"].as_bool(), Some(false));
    assert!(doc["cassandra"]["auth"]["secret"].is_string());
    for host in doc["virtualhosts"].as_sequence().expect("virtual hosts") {
        assert_eq!(host["minTLSProtocolVersion"].as_str(), Some("1.2"));
        assert!(host["sslSecret"].is_string());
    }
}

#[test]
fn bundles_pass_apigeelint() {
    let Some(apigeelint) = support::tool("apigeelint") else {
        return;
    };
    let excluded: Vec<&str> = EXCLUDED_RULES.iter().map(|(id, _)| *id).collect();
    let excluded = excluded.join(",");
    for (name, generated) in variants() {
        let dir = support::write(&generated);
        for service in &generated.answers.services {
            let root = bundle(&service.name);
            let output = support::run(
                &apigeelint,
                &[
                    "-s",
                    &root,
                    "-f",
                    "compact.js",
                    "--profile",
                    "apigeex",
                    "-e",
                    &excluded,
                    "--maxWarnings",
                    "0",
                ],
                dir.path(),
            );
            let report = String::from_utf8_lossy(&output.stdout);
            let problems: Vec<&str> = report
                .lines()
                .filter(|l| l.contains(" Warning - ") || l.contains(" Error - "))
                .collect();
            assert!(problems.is_empty(), "{name}: {problems:#?}");
            assert!(
                output.status.success(),
                "{name}: {}",
                support::describe(&output)
            );
        }
    }
}
