//! The render path shared by `new`, `render` and `update`: answers and a
//! blueprint source in, a complete verified tree (record included) out.

use crate::answers::prompt::{self, Prompter};
use crate::answers::{self, Answers, Loaded, Sources};
use crate::blueprint::git::{GitSet, Resolved};
use crate::blueprint::render::{self, Planned};
use crate::blueprint::{Blueprints, Origin, SetFiles, SourceSpec};
use crate::error::Error;
use crate::record;
use crate::tree::Tree;

/// A rendered repository.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Every file, the record included.
    pub tree: Tree,
    /// The files with their manifests and controls.
    pub plan: Vec<Planned>,
    /// Where the blueprints came from.
    pub origin: Origin,
    /// The answers used.
    pub answers: Answers,
}

/// Loads answers from `sources`, asking `prompter` for what is missing.
pub fn resolve_answers(
    sources: &Sources,
    prompter: Option<&mut dyn Prompter>,
) -> Result<(Answers, Loaded), Error> {
    let loaded = answers::load(sources)?;
    if let Some(from) = loaded.migrated_from {
        crate::ui::status(&format!(
            "migrated answers from schema version {from} to {}",
            answers::SCHEMA_VERSION
        ));
    }
    let answers = match prompter {
        Some(prompter) => {
            let answers = prompt::complete(&loaded, prompter)?;
            answers::load::revalidate(&answers)?;
            answers
        }
        // With `--defaults` only the project can be missing, when the output
        // folder's name is not a valid project name.
        None if sources.defaults && !loaded.missing.is_empty() => {
            return Err(Error::Usage(format!(
                "missing answers: {}; --defaults has no default project name and the output \
                 folder's name is not a valid one: set it with --set project=NAME (a lowercase \
                 DNS label)",
                loaded.missing.join(", ")
            )));
        }
        None if !loaded.missing.is_empty() => return Err(Error::Missing(loaded.missing)),
        None => loaded.answers.clone(),
    };
    Ok((answers, loaded))
}

/// Loads a blueprint set. A git source is cloned into a temporary folder
/// that is removed before this returns.
pub fn load_blueprints(spec: &SourceSpec) -> Result<(Blueprints, Origin), Error> {
    let source = match spec {
        SourceSpec::Builtin => "builtin".to_string(),
        SourceSpec::Dir(path) => path.display().to_string(),
        SourceSpec::Git { url, git_ref } => {
            let set = GitSet::clone(url)?;
            let resolved = set.resolve(git_ref.as_deref())?;
            return load_from_git(&set, &resolved);
        }
    };
    let files = SetFiles::load(spec)?;
    let blueprints = Blueprints::parse(files)?;
    let origin = Origin {
        source,
        version: blueprints.meta.version.clone(),
        git_ref: None,
        commit: None,
    };
    Ok((blueprints, origin))
}

/// Loads the set of a cloned repository at a resolved ref, recording the
/// ref and its commit.
pub fn load_from_git(set: &GitSet, resolved: &Resolved) -> Result<(Blueprints, Origin), Error> {
    let blueprints = Blueprints::parse(set.files(&resolved.commit)?)?;
    let origin = Origin {
        source: set.recorded_url(),
        version: blueprints.meta.version.clone(),
        git_ref: Some(resolved.name.clone()),
        commit: Some(resolved.commit.clone()),
    };
    Ok((blueprints, origin))
}

/// Renders `answers` with `blueprints` and adds the record file.
pub fn generate(
    blueprints: &Blueprints,
    origin: &Origin,
    answers: &Answers,
) -> Result<Generated, Error> {
    let (mut tree, plan) = render::render(blueprints, answers)?;
    record::add_to(&mut tree, answers, origin);
    Ok(Generated {
        tree,
        plan,
        origin: origin.clone(),
        answers: answers.clone(),
    })
}
