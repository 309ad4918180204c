//! The gatekit command: parse arguments, run, exit with the command's code.

use clap::Parser;
use gatekit::cli::{Cli, ColorArg};
use gatekit::ui;

// A render makes tens of thousands of small allocations for template
// syntax trees and parsed YAML and HCL. glibc's malloc and free took about
// 18% of a render's profile samples, and mimalloc made a render 16% faster
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => ui::Level::Quiet,
        (false, 0) => ui::Level::Normal,
        _ => ui::Level::Verbose,
    };
    ui::set_level(level);
    ui::set_color(match cli.color {
        ColorArg::Auto => ui::ColorChoice::Auto,
        ColorArg::Always => ui::ColorChoice::Always,
        ColorArg::Never => ui::ColorChoice::Never,
    });
    init_logging(level, cli.verbose);
    std::process::ExitCode::from(gatekit::run(&cli) as u8)
}

/// Sends logs to stderr: warnings by default, debug logs with `-v`, trace
/// logs with `-vv`, errors only with `-q`. Colour follows `--color`.
fn init_logging(level: ui::Level, verbose: u8) {
    let filter = match level {
        ui::Level::Verbose if verbose > 1 => "gatekit=trace",
        ui::Level::Verbose => "gatekit=debug",
        ui::Level::Normal => "gatekit=warn",
        ui::Level::Quiet => "gatekit=error",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(ui::color_stderr())
        .with_target(false)
        .without_time()
        .try_init();
}
