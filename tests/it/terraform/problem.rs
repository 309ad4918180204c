//! One finding of the Terraform checker, with the file and the block it is
//! about, and the report that lists every finding of every combination.

use std::collections::BTreeMap;
use std::fmt;

/// Declares [`Kind`] and the list of its variants together, so the list
/// cannot miss one.
macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// The kind of a problem. Tests of the checker expect kinds by
        /// these names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $($(#[$doc])* $name,)*
        }

        impl Kind {
            /// Every kind, for reading kinds by name.
            pub const ALL: &'static [Kind] = &[$(Kind::$name,)*];
        }
    };
}

kinds! {
    /// A file does not parse as HCL, or a template inside it does not.
    Parse,
    /// A file sits outside `terraform/modules/<name>/` or
    /// `terraform/live/<stage>/`, a folder lacks a conventional file, or a
    /// root has no backend.
    Layout,
    /// `hcl-fmt --check` would change the file.
    Format,
    /// checkov reports a failed check or a file it cannot parse.
    Checkov,
    /// A `checkov:skip` comment gives no reason.
    CheckovSkip,
    UnknownResource,
    UnknownArgument,
    /// An argument the AWS provider removed in 6.0.
    RemovedArgument,
    /// A computed attribute set as an argument.
    ReadOnlyArgument,
    UnknownBlock,
    BlockAsArgument,
    ArgumentAsBlock,
    MissingArgument,
    /// Arguments that exclude each other are set together.
    Conflict,
    MissingBlock,
    BlockCount,
    ListLength,
    AllowedValue,
    Range,
    Deprecated,
    UnknownReference,
    UnknownAttribute,
    /// A reference does not index a resource with `count` or `for_each`,
    /// or indexes one without.
    Instance,
    UnknownFunction,
    /// `each` or `count` used in a block that does not set `for_each` or
    /// `count`.
    Scope,
    ProviderReference,
    ModuleSource,
    ModuleArgument,
    ModuleVariable,
    ModuleOutput,
    Duplicate,
    UnusedVariable,
    UnusedLocal,
    Documentation,
    VariableType,
    ProviderPin,
    RequiredVersion,
    Tfvars,
    AllowlistEntry,
    AllowlistUnused,
}

/// The check a kind belongs to. Each has its own test, and parse errors
/// fail every offline one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Schema,
    References,
    Conventions,
    Allowlist,
    Format,
    Checkov,
}

impl Kind {
    /// Returns the family, or `None` for parse errors, which fail every
    /// family.
    pub fn family(self) -> Option<Family> {
        use Kind::*;
        Some(match self {
            Parse => return None,
            Format => Family::Format,
            Checkov => Family::Checkov,
            AllowlistEntry | AllowlistUnused => Family::Allowlist,
            UnknownResource | UnknownArgument | RemovedArgument | ReadOnlyArgument
            | UnknownBlock | BlockAsArgument | ArgumentAsBlock | MissingArgument | Conflict
            | MissingBlock | BlockCount | ListLength | AllowedValue | Range | Deprecated => {
                Family::Schema
            }
            UnknownReference | UnknownAttribute | Instance | UnknownFunction | Scope
            | ProviderReference | ModuleSource | ModuleArgument | ModuleVariable | ModuleOutput
            | Tfvars => Family::References,
            Layout | Duplicate | UnusedVariable | UnusedLocal | Documentation | VariableType
            | ProviderPin | RequiredVersion | CheckovSkip => Family::Conventions,
        })
    }

    /// True when a problem of this kind fails the check of `family`.
    pub fn fails(self, family: Family) -> bool {
        self.family().is_none_or(|f| f == family)
    }
}

/// A problem found in one file. Problems sort by file, then block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Path of the file (or folder) relative to the repository root.
    pub file: String,
    /// The block the problem is in, such as `resource.aws_lb.main`.
    pub subject: String,
    pub kind: Kind,
    pub message: String,
}

impl Problem {
    pub fn new(
        kind: Kind,
        file: impl Into<String>,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            subject: subject.into(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if !self.subject.is_empty() {
            write!(f, " {}:", self.subject)?;
        }
        write!(f, " {} [{:?}]", self.message, self.kind)
    }
}

/// Problems grouped by the combinations whose rendered trees produced them.
#[derive(Debug, Default)]
pub struct Report {
    groups: BTreeMap<String, Vec<Problem>>,
}

impl Report {
    /// Adds the problems of a tree that the named combinations share.
    pub fn add(&mut self, combos: &[String], mut problems: Vec<Problem>) {
        if problems.is_empty() {
            return;
        }
        problems.sort();
        problems.dedup();
        self.groups
            .entry(combos.join(", "))
            .or_default()
            .extend(problems);
    }

    /// Panics listing every problem, grouped by combination, if there is
    /// any.
    pub fn assert_empty(&self, heading: &str) {
        assert!(self.groups.is_empty(), "{heading}:\n{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (combos, problems) in &self.groups {
            writeln!(f, "in {combos}:")?;
            for problem in problems {
                writeln!(f, "  {problem}")?;
            }
        }
        Ok(())
    }
}
