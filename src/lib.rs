//! gatekit: generate, update, audit and probe hardened API gateway
//! repositories.
//!
//! The binary is a thin wrapper around [`run`]; the library exists so that
//! integration tests, benchmarks and fuzz targets can call the same code.

pub mod answers;
pub mod audit;
pub mod blueprint;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod error;
pub mod finding;
pub mod generate;
pub mod output;
pub mod probe;
pub mod record;
pub mod report;
pub mod tree;
pub mod ui;
pub mod update;
pub mod yaml;

use cli::{Cli, Command};
use error::{Code, Error};

/// Runs a parsed command line and returns the exit code.
pub fn run(cli: &Cli) -> Code {
    let result: Result<Code, Error> = match &cli.command {
        Command::New(args) => {
            let mut terminal = commands::new::terminal_prompter();
            let prompter = terminal
                .as_mut()
                .map(|t| t as &mut dyn answers::prompt::Prompter);
            commands::new::run(args, prompter)
        }
        Command::Render(args) => commands::render::run(args),
        Command::Update(args) => update::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        Command::Threats(args) => commands::threats::run(args),
        Command::Probe(args) => commands::probe::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            ui::error(&err.to_string());
            err.code()
        }
    }
}
