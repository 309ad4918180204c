//! `gatekit completions`: a shell completion script, generated from the clap
//! definitions.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Code, Error};
use crate::ui;

/// Runs `gatekit completions`.
pub fn run(args: &CompletionsArgs) -> Result<Code, Error> {
    ui::result(&script(args.shell));
    Ok(Code::Ok)
}

/// Returns the completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "gatekit", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
