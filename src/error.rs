//! The top-level error and the exit codes every command shares.

use crate::answers::AnswersError;
use crate::answers::prompt::PromptError;
use crate::audit::AuditError;
use crate::blueprint::BlueprintError;
use crate::output::OutputError;
use crate::probe::ProbeError;
use crate::update::UpdateError;

/// Process exit codes, the same for every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// A check failed: drift, findings at or above the threshold, an update
    /// available, a probe check failed.
    CheckFailed = 1,
    /// Invalid usage or input.
    Invalid = 2,
    /// An update finished with conflicts.
    Conflicts = 3,
    /// gatekit could not run: I/O, git or network failure.
    CouldNotRun = 4,
}

/// Any error a command can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid answers.
    #[error(transparent)]
    Answers(#[from] AnswersError),
    /// A broken blueprint set or a render failure.
    #[error(transparent)]
    Blueprint(#[from] BlueprintError),
    /// Writing or reading the output folder failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Answers are missing and gatekit may not prompt.
    #[error("missing answers: {}\n  set them in an answers file (--answers), with --set KEY=VALUE, or pass --defaults; \
        gatekit prompts only on a terminal", .0.join(", "))]
    Missing(Vec<String>),
    /// A prompt failed.
    #[error("prompt failed: {0}")]
    Prompt(#[from] PromptError),
    /// `update` could not run or did not finish.
    #[error(transparent)]
    Update(#[from] UpdateError),
    /// An audit could not run or its input is invalid.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A probe could not start.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// Any other invalid usage.
    #[error("{0}")]
    Usage(String),
    /// Writing a file that is not part of a generated tree (a man page, a
    /// baseline) failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// Returns the exit code for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Answers(AnswersError::Read { .. }) => Code::CouldNotRun,
            Error::Answers(_) | Error::Missing(_) | Error::Usage(_) => Code::Invalid,
            Error::Blueprint(BlueprintError::Source(_)) => Code::CouldNotRun,
            Error::Blueprint(_) => Code::Invalid,
            Error::Output(OutputError::Io { .. }) => Code::CouldNotRun,
            Error::Output(_) => Code::Invalid,
            Error::Prompt(PromptError::Cancelled) => Code::Invalid,
            Error::Prompt(_) => Code::CouldNotRun,
            Error::Update(UpdateError::NotGenerated(_) | UpdateError::NoRecord(_)) => Code::Invalid,
            Error::Update(UpdateError::Output(OutputError::Io { .. })) => Code::CouldNotRun,
            Error::Update(UpdateError::Output(_)) => Code::Invalid,
            Error::Update(_) => Code::CouldNotRun,
            Error::Audit(AuditError::Io { .. }) => Code::CouldNotRun,
            Error::Audit(_) => Code::Invalid,
            Error::Write { .. } => Code::CouldNotRun,
            Error::Probe(
                ProbeError::InvalidUrl { .. }
                | ProbeError::InvalidOption(_)
                | ProbeError::CaCert { .. }
                | ProbeError::Credential { .. },
            ) => Code::Invalid,
            Error::Probe(_) => Code::CouldNotRun,
        }
    }
}
