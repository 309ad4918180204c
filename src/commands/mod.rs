//! One module per command.

pub mod audit;
pub mod completions;
pub mod man;
pub mod new;
pub mod probe;
pub mod render;
pub mod threats;

use std::path::Path;

use crate::answers::Sources;
use crate::cli::AnswerArgs;

/// Builds answer sources from command-line arguments.
pub fn sources(args: &AnswerArgs, folder: Option<&Path>) -> Sources {
    Sources {
        file: args.answers.clone(),
        sets: args.all_sets(),
        defaults: args.defaults,
        project_fallback: folder.and_then(project_from_folder),
    }
}

/// Derives a project name from a folder name, when it is a valid one.
fn project_from_folder(folder: &Path) -> Option<String> {
    let absolute = std::path::absolute(folder).ok()?;
    let name = absolute.file_name()?.to_str()?.to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 24
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then_some(name)
}
