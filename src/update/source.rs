//! The blueprint sets of an update: the one to render now, and the recorded
//! one the base can be re-rendered from.

use std::path::PathBuf;

use crate::answers::Answers;
use crate::blueprint::git::GitSet;
use crate::blueprint::{BlueprintError, Blueprints, Origin, SetFiles, SourceSpec};
use crate::error::Error;
use crate::tree::Tree;
use crate::{generate, ui};

/// The set an update renders.
#[derive(Debug)]
pub struct NewSet {
    /// The parsed set.
    pub blueprints: Blueprints,
    /// Its origin, as the record will store it.
    pub origin: Origin,
    /// The clone, kept for re-rendering the base from the same repository.
    clone: Option<GitSet>,
}

/// Chooses the source: `--blueprints` and `--blueprints-ref` when given,
/// otherwise the recorded source (at the recorded ref for git).
pub fn choose(
    blueprints: Option<&str>,
    git_ref: Option<&str>,
    recorded: &Origin,
) -> Result<SourceSpec, BlueprintError> {
    if blueprints.is_some() {
        return SourceSpec::parse_with_ref(blueprints, git_ref);
    }
    if recorded.source == "builtin" {
        return SourceSpec::parse_with_ref(None, git_ref);
    }
    if recorded.commit.is_some() || git_ref.is_some() {
        return Ok(SourceSpec::Git {
            url: recorded.source.clone(),
            git_ref: git_ref.map(str::to_string).or(recorded.git_ref.clone()),
        });
    }
    Ok(SourceSpec::Dir(PathBuf::from(&recorded.source)))
}

/// Loads the set to render. For a git source whose recorded ref now points
/// to another commit, a warning shows both commits before anything renders.
pub fn load_new(spec: &SourceSpec, recorded: &Origin) -> Result<NewSet, Error> {
    let SourceSpec::Git { url, git_ref } = spec else {
        let (blueprints, origin) = generate::load_blueprints(spec)?;
        return Ok(NewSet {
            blueprints,
            origin,
            clone: None,
        });
    };
    let clone = GitSet::clone(url)?;
    let resolved = clone.resolve(git_ref.as_deref())?;
    let same_ref = recorded.source == clone.recorded_url()
        && recorded.git_ref.as_deref() == Some(resolved.name.as_str());
    if same_ref
        && let Some(old) = &recorded.commit
        && *old != resolved.commit
    {
        let old_summary = clone
            .summary(old)
            .map_or("(no longer in the repository)".to_string(), |s| {
                format!("{s:?}")
            });
        ui::warning(&format!(
            "blueprint ref {} of {} now points to another commit\n  recorded: {old} {old_summary}\n  \
             now:      {} {:?}\n  the update renders the new commit; pass --blueprints-ref {old} to stay on the recorded one",
            resolved.name,
            clone.recorded_url(),
            resolved.commit,
            resolved.summary
        ));
    }
    let (blueprints, origin) = generate::load_from_git(&clone, &resolved)?;
    Ok(NewSet {
        blueprints,
        origin,
        clone: Some(clone),
    })
}

/// Renders the recorded answers with the recorded blueprint source, or
/// says why it cannot.
pub fn rerender(recorded: &Origin, answers: &Answers, new: &NewSet) -> Result<Tree, String> {
    let files = recorded_files(recorded, new)?;
    let blueprints = Blueprints::parse(files).map_err(|e| e.to_string())?;
    let generated =
        generate::generate(&blueprints, recorded, answers).map_err(|e| e.to_string())?;
    Ok(generated.tree)
}

fn recorded_files(recorded: &Origin, new: &NewSet) -> Result<SetFiles, String> {
    if recorded.source == "builtin" {
        return Ok(SetFiles::builtin());
    }
    if let Some(commit) = &recorded.commit {
        let reused = new
            .clone
            .as_ref()
            .filter(|c| c.recorded_url() == recorded.source);
        let fresh;
        let clone = match reused {
            Some(clone) => clone,
            None => {
                fresh = GitSet::clone(&recorded.source).map_err(|e| e.to_string())?;
                &fresh
            }
        };
        return clone.files(commit).map_err(|e| e.to_string());
    }
    let folder = PathBuf::from(&recorded.source);
    if !folder.is_dir() {
        return Err(format!(
            "the recorded blueprint folder {} does not exist here",
            folder.display()
        ));
    }
    SetFiles::from_dir(&folder).map_err(|e| e.to_string())
}
