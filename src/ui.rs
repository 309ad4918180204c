//! The only place that prints. Results go to stdout; status lines, warnings
//! and errors go to stderr, so stdout can be piped into other tools.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};

/// How much gatekit prints on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// Errors only.
    Quiet = 0,
    /// Errors, warnings and status lines.
    Normal = 1,
    /// Also debug logs.
    Verbose = 2,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Normal as u8);

/// When gatekit colours its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ColorChoice {
    /// Colour a stream that is a terminal, unless NO_COLOR is set to a
    /// non-empty value or TERM is `dumb`.
    Auto = 0,
    /// Always colour.
    Always = 1,
    /// Never colour.
    Never = 2,
}

static COLOR: AtomicU8 = AtomicU8::new(ColorChoice::Auto as u8);

/// Sets when to colour output for the rest of the run.
pub fn set_color(choice: ColorChoice) {
    COLOR.store(choice as u8, Ordering::Relaxed);
}

/// Returns true when results written to stdout may carry ANSI colours.
pub fn color_stdout() -> bool {
    color_for(std::io::stdout().is_terminal())
}

/// Returns true when messages and logs written to stderr may carry ANSI
/// colours.
pub fn color_stderr() -> bool {
    color_for(std::io::stderr().is_terminal())
}

fn color_for(is_terminal: bool) -> bool {
    match COLOR.load(Ordering::Relaxed) {
        x if x == ColorChoice::Always as u8 => true,
        x if x == ColorChoice::Never as u8 => false,
        _ => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
            is_terminal && !no_color && !dumb
        }
    }
}

/// Wraps `text` in `style` when `enabled`.
pub fn paint(text: &str, style: anstyle::Style, enabled: bool) -> String {
    if enabled {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

fn label(text: &str, color: anstyle::AnsiColor) -> String {
    let style = anstyle::Style::new().bold().fg_color(Some(color.into()));
    paint(text, style, color_stderr())
}

/// Sets the stderr verbosity for the rest of the run.
pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// Writes a result to stdout.
pub fn result(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`gatekit ... | head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes a status line to stderr unless `--quiet`.
pub fn status(message: &str) {
    if level() >= Level::Normal as u8 {
        eprintln!("{message}");
    }
}

/// Writes a warning to stderr unless `--quiet`.
pub fn warning(message: &str) {
    if level() >= Level::Normal as u8 {
        eprintln!(
            "{} {message}",
            label("warning:", anstyle::AnsiColor::Yellow)
        );
    }
}

/// Writes an error to stderr.
pub fn error(message: &str) {
    eprintln!("{} {message}", label("error:", anstyle::AnsiColor::Red));
}
