//! The only place that prints. Results go to stdout; status lines, warnings
//! and errors go to stderr, so stdout can be piped into other tools.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
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
        eprintln!("warning: {message}");
    }
}

/// Writes an error to stderr.
pub fn error(message: &str) {
    eprintln!("error: {message}");
}
