//! `gatekit new`: generate a repository into a new or empty folder.

use crate::answers::prompt::{Prompter, Terminal};
use crate::blueprint::SourceSpec;
use crate::cli::NewArgs;
use crate::error::{Code, Error};
use crate::output::{self, OutputError};
use crate::{generate, ui};

/// Runs `gatekit new`. `prompter` is `None` when gatekit must not prompt.
pub fn run(args: &NewArgs, prompter: Option<&mut dyn Prompter>) -> Result<Code, Error> {
    if !args.force && !output::is_empty_dir(&args.path)? {
        return Err(OutputError::NotEmpty(args.path.clone()).into());
    }
    let sources = super::sources(&args.answers, Some(&args.path));
    let prompter = if args.answers.defaults {
        None
    } else {
        prompter
    };
    let (answers, _) = generate::resolve_answers(&sources, prompter)?;
    let spec = SourceSpec::parse_with_ref(
        Some(&args.answers.blueprints),
        args.answers.blueprints_ref.as_deref(),
    )?;
    let (blueprints, origin) = generate::load_blueprints(&spec)?;
    let origin = origin.relative_to(&args.path);
    let generated = generate::generate(&blueprints, &origin, &answers)?;
    output::write_tree(&args.path, &generated.tree)?;
    ui::status(&format!(
        "wrote {} files for {} ({}) to {}",
        generated.tree.files.len(),
        answers.vendor.as_str(),
        answers.environment.as_str(),
        args.path.display()
    ));

    if !args.no_git {
        let set = format!("{} {}", blueprints.meta.name, origin.version);
        if let Err(err) = crate::update::start::start(&args.path, &generated.tree, &set) {
            ui::warning(&format!(
                "the files are written, but recording the pristine render in git failed: {err}; \
                 the first `gatekit update` then re-renders its base from .gatekit/answers.yaml \
                 while the recorded blueprints are available"
            ));
        }
    }
    ui::status("next: read README.md there for the one-time setup steps");
    Ok(Code::Ok)
}

/// Returns the terminal prompter when stdin and stderr are terminals.
pub fn terminal_prompter() -> Option<Terminal> {
    use std::io::IsTerminal;
    (std::io::stdin().is_terminal() && std::io::stderr().is_terminal()).then_some(Terminal)
}
