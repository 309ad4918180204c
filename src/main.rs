//! The gatekit command: parse arguments, run, exit with the command's code.

use clap::Parser;
use gatekit::cli::Cli;
use gatekit::ui;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => ui::Level::Quiet,
        (false, 0) => ui::Level::Normal,
        _ => ui::Level::Verbose,
    };
    ui::set_level(level);
    init_logging(level);
    std::process::ExitCode::from(gatekit::run(&cli) as u8)
}

/// Sends debug logs to stderr with `-v`; colour only on a terminal and
/// never when NO_COLOR is set.
fn init_logging(level: ui::Level) {
    use std::io::IsTerminal;
    let filter = match level {
        ui::Level::Verbose => "gatekit=debug",
        ui::Level::Normal => "gatekit=warn",
        ui::Level::Quiet => "gatekit=error",
    };
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .try_init();
}
