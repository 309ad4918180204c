//! Answers: the typed model every template reads, how it is loaded and
//! validated, and the interactive prompts that fill it in.

pub mod cloud;
pub mod keys;
pub mod load;
pub mod model;
pub mod prompt;
pub mod secrets;
pub mod validate;

pub use load::{AnswersError, Loaded, Sources, load};
pub use model::*;

/// Checks that `vendor` can be deployed in `environment`, returning a message
/// that names the alternatives when it cannot.
pub fn vendor_supports(vendor: Vendor, environment: Environment) -> Result<(), String> {
    let fits = vendors_for(environment).contains(&vendor);
    if fits {
        return Ok(());
    }
    let alternatives: Vec<&str> = vendors_for(environment)
        .iter()
        .map(|v| v.as_str())
        .collect();
    let environments: Vec<&str> = Environment::ALL
        .iter()
        .filter(|e| vendors_for(**e).contains(&vendor))
        .map(|e| e.as_str())
        .collect();
    Err(format!(
        "{} is a managed cloud gateway and cannot run {}; use {} for {}, or choose environment {}",
        vendor.as_str(),
        environment.as_str(),
        alternatives.join(", "),
        environment.as_str(),
        environments.join(" or "),
    ))
}

/// Returns the vendors that can be deployed in `environment`.
pub fn vendors_for(environment: Environment) -> &'static [Vendor] {
    match environment {
        Environment::OnPrem => &[Vendor::Kong, Vendor::Envoy, Vendor::Nginx],
        Environment::Cloud | Environment::Hybrid => &Vendor::ALL,
    }
}
