//! The blueprint sets of an update: the one to render now, and the recorded
//! one the base can be re-rendered from.

use std::path::Path;

use crate::answers::Answers;
use crate::blueprint::git::GitSet;
use crate::blueprint::{BlueprintError, Blueprints, Origin, SetFiles, SourceSpec, source};
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
/// otherwise the recorded source (at the recorded ref for git). A recorded
/// local path is relative to the generated folder `root`.
pub fn choose(
    blueprints: Option<&str>,
    git_ref: Option<&str>,
    recorded: &Origin,
    root: &Path,
) -> Result<SourceSpec, BlueprintError> {
    if blueprints.is_some() {
        return SourceSpec::parse_with_ref(blueprints, git_ref);
    }
    if recorded.source == "builtin" {
        return SourceSpec::parse_with_ref(None, git_ref);
    }
    if recorded.commit.is_some() || git_ref.is_some() {
        return Ok(SourceSpec::Git {
            url: recorded_location(&recorded.source, root),
            git_ref: git_ref.map(str::to_string).or(recorded.git_ref.clone()),
        });
    }
    Ok(SourceSpec::Dir(source::resolve_local(
        &recorded.source,
        root,
    )))
}

/// Returns the URL or path to read a recorded source from.
fn recorded_location(source: &str, root: &Path) -> String {
    if source::is_local(source) {
        source::resolve_local(source, root).display().to_string()
    } else {
        source.to_string()
    }
}

/// Loads the set to render, with its origin relative to the generated
/// folder `root`. For a git source whose recorded ref now points to another
/// commit, a warning shows both commits before anything renders.
pub fn load_new(spec: &SourceSpec, recorded: &Origin, root: &Path) -> Result<NewSet, Error> {
    let SourceSpec::Git { url, git_ref } = spec else {
        let (blueprints, origin) = generate::load_blueprints(spec)?;
        return Ok(NewSet {
            blueprints,
            origin: origin.relative_to(root),
            clone: None,
        });
    };
    let clone = GitSet::clone(url)?;
    let resolved = clone.resolve(git_ref.as_deref())?;
    let same_ref = recorded.source == recorded_source(&clone, root)
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
        origin: origin.relative_to(root),
        clone: Some(clone),
    })
}

/// Returns a clone's source as the record of the folder `root` names it.
fn recorded_source(clone: &GitSet, root: &Path) -> String {
    let origin = Origin {
        source: clone.recorded_url(),
        version: String::new(),
        git_ref: None,
        commit: None,
    };
    origin.relative_to(root).source
}

/// Renders the recorded answers with the recorded blueprint source, or
/// says why it cannot.
pub fn rerender(
    recorded: &Origin,
    answers: &Answers,
    new: &NewSet,
    root: &Path,
) -> Result<Tree, String> {
    let files = recorded_files(recorded, new, root)?;
    let blueprints = Blueprints::parse(files).map_err(|e| e.to_string())?;
    let generated =
        generate::generate(&blueprints, recorded, answers).map_err(|e| e.to_string())?;
    Ok(generated.tree)
}

fn recorded_files(recorded: &Origin, new: &NewSet, root: &Path) -> Result<SetFiles, String> {
    if recorded.source == "builtin" {
        return Ok(SetFiles::builtin());
    }
    if let Some(commit) = &recorded.commit {
        let reused = new
            .clone
            .as_ref()
            .filter(|c| recorded_source(c, root) == recorded.source);
        let fresh;
        let clone = match reused {
            Some(clone) => clone,
            None => {
                let location = recorded_location(&recorded.source, root);
                fresh = GitSet::clone(&location).map_err(|e| e.to_string())?;
                &fresh
            }
        };
        return clone.files(commit).map_err(|e| e.to_string());
    }
    let folder = source::resolve_local(&recorded.source, root);
    if !folder.is_dir() {
        return Err(format!(
            "the recorded blueprint folder {} does not exist here",
            folder.display()
        ));
    }
    SetFiles::from_dir(&folder).map_err(|e| e.to_string())
}
