//! `gatekit man`: man pages in roff, generated from the clap definitions.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::{Code, Error};
use crate::ui;

/// Runs `gatekit man`.
pub fn run(args: &ManArgs) -> Result<Code, Error> {
    let Some(folder) = &args.out else {
        let (_, text) = page(&command())?;
        ui::result(&text);
        return Ok(Code::Ok);
    };
    let pages = pages()?;
    std::fs::create_dir_all(folder).map_err(|e| write_error(folder, e))?;
    for (name, text) in &pages {
        let path = folder.join(name);
        std::fs::write(&path, text).map_err(|e| write_error(&path, e))?;
        tracing::debug!("wrote {}", path.display());
    }
    ui::status(&format!(
        "wrote {} man pages to {}",
        pages.len(),
        folder.display()
    ));
    Ok(Code::Ok)
}

/// Renders `gatekit.1` followed by one `gatekit-COMMAND.1` page per visible
/// command, as (file name, roff text) pairs.
pub fn pages() -> Result<Vec<(String, String)>, Error> {
    let mut pages = Vec::new();
    let mut pending = vec![command()];
    while let Some(command) = pending.pop() {
        pages.push(page(&command)?);
        let mut subcommands: Vec<clap::Command> = command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .collect();
        // Reversed so that pages come out in declaration order.
        subcommands.reverse();
        pending.extend(subcommands);
    }
    Ok(pages)
}

/// Builds the command tree for the man pages. Building gives subcommands
/// their full names (`gatekit-audit`), and the `help` subcommand is left
/// out because it has no page of its own.
fn command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

fn page(command: &clap::Command) -> Result<(String, String), Error> {
    let man = clap_mangen::Man::new(command.clone())
        .source(format!("gatekit {}", env!("CARGO_PKG_VERSION")))
        .manual("gatekit manual");
    let name = man.get_filename();
    let mut text = Vec::new();
    man.render(&mut text)
        .map_err(|e| write_error(Path::new(&name), e))?;
    Ok((name, String::from_utf8_lossy(&text).into_owned()))
}

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: PathBuf::from(path),
        source,
    }
}
