//! `gatekit threats`: the threat catalog, or one repository's threat model.

use crate::answers::{Sources, Vendor};
use crate::blueprint::{SourceSpec, render};
use crate::catalog::{Scope, dfd, export, model};
use crate::cli::{ThreatsArgs, ThreatsFormatArg};
use crate::error::{Code, Error};
use crate::{generate, ui};

/// Project name of the repository that `--vendor` and `--environment`
/// describe; the model only shows it in titles.
const EXAMPLE_PROJECT: &str = "example-gateway";

/// Runs `gatekit threats`.
pub fn run(args: &ThreatsArgs) -> Result<Code, Error> {
    let spec = SourceSpec::parse_with_ref(Some(&args.blueprints), args.blueprints_ref.as_deref())?;
    let (blueprints, _) = generate::load_blueprints(&spec)?;
    let catalog = &blueprints.catalog;
    if catalog.threats.is_empty() {
        return Err(Error::Usage(format!(
            "the blueprint set has no threats: add {}",
            crate::blueprint::catalog::THREATS_PATH
        )));
    }
    let one_repo = args.vendor.is_some()
        || args.environment.is_some()
        || args.format == ThreatsFormatArg::ThreatDragon;
    if !one_repo {
        let vendors: Vec<Vendor> = Vendor::ALL.to_vec();
        let model = model(&blueprints, catalog, Scope::Catalog { vendors: &vendors });
        ui::result(&match args.format {
            ThreatsFormatArg::Json => export::json(&model),
            _ => export::catalog_markdown(&model),
        });
        return Ok(Code::Ok);
    }
    let mut sets = vec![format!("project={EXAMPLE_PROJECT}")];
    if let Some(vendor) = args.vendor {
        sets.push(format!("vendor={}", vendor.as_str()));
    }
    if let Some(environment) = args.environment {
        sets.push(format!("environment={}", environment.as_str()));
    }
    let sources = Sources {
        file: None,
        sets,
        defaults: true,
        project_fallback: None,
    };
    let (answers, _) = generate::resolve_answers(&sources, None)?;
    let (_, plan) = render::render(&blueprints, &answers)?;
    let model = model(
        &blueprints,
        catalog,
        Scope::Repo {
            answers: &answers,
            plan: &plan,
        },
    );
    let diagram = dfd::diagram(&answers);
    ui::result(&match args.format {
        ThreatsFormatArg::Markdown => export::repo_markdown(&model, &answers, &diagram),
        ThreatsFormatArg::Json => export::json(&model),
        ThreatsFormatArg::ThreatDragon => export::threat_dragon(&model, &answers, &diagram),
    });
    Ok(Code::Ok)
}
