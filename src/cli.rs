//! Command-line definitions (clap). Only argument parsing lives here; the
//! commands are in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// gatekit's version and the version of the blueprint set built into it,
/// as `--version` prints them.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (built-in blueprints ",
    env!("GATEKIT_BLUEPRINTS_VERSION"),
    ")"
);

/// gatekit generates hardened API gateway repositories, keeps them current,
/// audits gateway configurations and probes running gateways.
#[derive(Debug, Parser)]
#[command(
    name = "gatekit",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Examples:\n  gatekit new ./payments-gateway\n  gatekit audit --format sarif > gatekit.sarif\n  \
    gatekit update --check\n  gatekit completions bash > ~/.local/share/bash-completion/completions/gatekit\n\n\
    Exit codes: 0 success, 1 a check failed, 2 invalid usage or input, \
    3 an update finished with conflicts, 4 could not run."
)]
pub struct Cli {
    /// More log output on stderr: `-v` for debug logs, `-vv` for trace logs.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// When to colour output: `auto` colours a terminal unless NO_COLOR is
    /// set.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: ColorArg,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// gatekit commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a new gateway repository.
    #[command(
        after_help = "Examples:\n  gatekit new ./payments-gateway\n  gatekit new --defaults ./payments-gateway\n  \
        gatekit new --answers answers.yaml --set environment=hybrid ./gw"
    )]
    New(NewArgs),
    /// Render a gateway repository into a folder, non-interactively (for CI).
    #[command(
        after_help = "Examples:\n  gatekit render --answers answers.yaml --out ./build/gw\n  \
        gatekit render --answers .gatekit/answers.yaml --out . --check"
    )]
    Render(RenderArgs),
    /// Bring a generated repository up to date with its blueprints and
    /// answers, keeping your edits (a three-way merge).
    #[command(
        after_help = "Examples:\n  gatekit update\n  gatekit update --set rate_limit.per_second=50\n  \
        gatekit update --blueprints ./org-blueprints\n  \
        gatekit update --blueprints https://git.example.com/org/blueprints.git --blueprints-ref v2\n  \
        gatekit update --dry-run\n  gatekit update --check\n\n\
        Exit codes: 0 updated or already up to date, 1 an update is available (--check), \
        2 invalid usage or input, 3 finished with conflicts, 4 could not run (a dirty tree, \
        an unfinished merge, an I/O or git failure)."
    )]
    Update(UpdateArgs),
    /// Audit gateway configurations for security problems.
    #[command(
        after_help = "Examples:\n  gatekit audit\n  gatekit audit --format sarif > gatekit.sarif\n  \
        gatekit audit --min-severity medium kong/ terraform/\n  \
        gatekit audit --baseline .gatekit/audit-baseline.json\n  gatekit audit --list-rules\n  \
        gatekit audit --rule kong-route-without-auth --rule secret-in-config kong/\n\n\
        Exit codes: 0 no finding at or above --min-severity, 1 findings, 2 invalid usage or input \
        (a file that does not parse, or no supported file at all), 4 could not run."
    )]
    Audit(AuditArgs),
    /// Print a shell completion script on stdout.
    #[command(
        after_help = "Examples:\n  gatekit completions bash > ~/.local/share/bash-completion/completions/gatekit\n  \
        gatekit completions zsh > \"${fpath[1]}/_gatekit\"\n  \
        gatekit completions fish > ~/.config/fish/completions/gatekit.fish\n  \
        gatekit completions powershell >> $PROFILE"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per command
    /// into a folder.
    #[command(
        after_help = "Examples:\n  gatekit man | man -l -\n  gatekit man --out /usr/local/share/man/man1"
    )]
    Man(ManArgs),
    /// Print the threat catalog, or the threat model of one vendor and
    /// environment.
    #[command(
        after_help = "Examples:\n  gatekit threats\n  gatekit threats --vendor kong --environment hybrid\n  \
        gatekit threats --format json > threats.json\n  \
        gatekit threats --vendor envoy --format threat-dragon > threat-model.json\n\n\
        Without --vendor or --environment it prints every threat with every vendor's files, \
        rules and checks. With either, it prints the threat model a repository generated \
        with the built-in defaults and those choices would get."
    )]
    Threats(ThreatsArgs),
    /// Probe a running gateway: send a small, bounded set of requests and
    /// report which controls hold.
    #[command(
        after_help = "Examples:\n  gatekit probe https://gw.staging.example.com\n  \
        gatekit probe --answers .gatekit/answers.yaml https://gw.staging.example.com\n  \
        gatekit probe --answers .gatekit/answers.yaml --credential-env GW_TOKEN --format sarif URL\n  \
        gatekit probe --dry-run --answers .gatekit/answers.yaml URL\n\n\
        Only the URL's host is contacted, on its HTTPS port, --http-port and --admin-ports, at \
        the one address it resolves to when the run starts.\n\n\
        Exit codes: 0 no check failed, 1 a check failed, 2 invalid usage or input, 4 could not \
        run (the host does not resolve, nothing answers, the certificate is not trusted, or no \
        check reached a verdict)."
    )]
    Probe(ProbeArgs),
}

/// Arguments of `gatekit completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `gatekit man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `gatekit.1` and a `gatekit-COMMAND.1` page per command into
    /// this folder instead of printing `gatekit.1`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Values accepted by `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when the output is a terminal and NO_COLOR is unset or empty.
    Auto,
    /// Always colour, for CI logs that render ANSI colours.
    Always,
    /// Never colour.
    Never,
}

/// Where answers come from; shared by the commands that render.
#[derive(Debug, Clone, Args)]
pub struct AnswerArgs {
    /// Answers file (YAML): a plain answers file or a generated repository's
    /// `.gatekit/answers.yaml`.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Set one answer, overriding the answers file; repeatable. Keys are
    /// dotted, with list indexes: `rate_limit.per_second=50`,
    /// `services[0].path=/orders`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Shortcut for `--set vendor=VENDOR`.
    #[arg(long, value_enum)]
    pub vendor: Option<VendorArg>,
    /// Shortcut for `--set environment=ENVIRONMENT`.
    #[arg(long, value_enum)]
    pub environment: Option<EnvironmentArg>,
    /// Use built-in defaults for every answer not given, without prompting.
    #[arg(long)]
    pub defaults: bool,
    /// Blueprint set: `builtin`, a directory laid out like gatekit's
    /// `blueprints/` folder, or a git repository URL.
    #[arg(long, value_name = "SOURCE", default_value = "builtin")]
    pub blueprints: String,
    /// Tag, branch or commit of the git repository in `--blueprints`
    /// (default: its default branch). With a ref, a local path is read as a
    /// git repository.
    #[arg(long, value_name = "REF")]
    pub blueprints_ref: Option<String>,
}

impl AnswerArgs {
    /// Returns every `--set`, with the shortcut flags first so that an
    /// explicit `--set` of the same key wins.
    pub fn all_sets(&self) -> Vec<String> {
        let mut sets = Vec::new();
        if let Some(vendor) = self.vendor {
            sets.push(format!("vendor={}", vendor.as_str()));
        }
        if let Some(environment) = self.environment {
            sets.push(format!("environment={}", environment.as_str()));
        }
        sets.extend(self.sets.iter().cloned());
        sets
    }
}

/// Arguments of `gatekit new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Folder to create; it must be empty or not exist.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Where answers come from.
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Write into a non-empty folder, overwriting the files gatekit
    /// generates; other files are kept.
    #[arg(long)]
    pub force: bool,
    /// Leave git alone. By default gatekit records the generated files as a
    /// pristine commit, the base `gatekit update` merges from: as the first
    /// commit of a new repository, or as a merge in progress in an existing
    /// one.
    #[arg(long)]
    pub no_git: bool,
}

/// Arguments of `gatekit render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Folder to write into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where answers come from.
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Write nothing; exit 1 and print a unified diff when the folder
    /// differs from a fresh render.
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `gatekit update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The generated repository (the folder with `.gatekit/answers.yaml`).
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// Change one answer, recorded in `.gatekit/answers.yaml`; repeatable.
    /// Keys are dotted, with list indexes: `rate_limit.per_second=50`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Blueprint set: `builtin`, a directory or a git repository URL
    /// (default: the source recorded in `.gatekit/answers.yaml`).
    #[arg(long, value_name = "SOURCE")]
    pub blueprints: Option<String>,
    /// Tag, branch or commit of the git repository (default: the recorded
    /// ref when the source is the recorded one, else the default branch).
    #[arg(long, value_name = "REF")]
    pub blueprints_ref: Option<String>,
    /// Print the plan and the diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing; exit 1 when an update is available (for CI).
    #[arg(long)]
    pub check: bool,
    /// Run even with uncommitted changes. `git merge --abort` then cannot
    /// tell them apart from the update: commit or stash first if you may
    /// need to undo.
    #[arg(long)]
    pub allow_dirty: bool,
}

/// Vendor names accepted by `--vendor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VendorArg {
    /// Kong Gateway.
    Kong,
    /// Envoy.
    Envoy,
    /// NGINX.
    Nginx,
    /// AWS API Gateway.
    Aws,
    /// Apigee.
    Apigee,
}

impl VendorArg {
    /// Returns the vendor name used in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            VendorArg::Kong => "kong",
            VendorArg::Envoy => "envoy",
            VendorArg::Nginx => "nginx",
            VendorArg::Aws => "aws",
            VendorArg::Apigee => "apigee",
        }
    }
}

/// Environment names accepted by `--environment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentArg {
    /// An existing on-premises Kubernetes cluster.
    OnPrem,
    /// A public cloud.
    Cloud,
    /// Cloud and on-premises together.
    Hybrid,
}

impl EnvironmentArg {
    /// Returns the environment name used in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvironmentArg::OnPrem => "on-prem",
            EnvironmentArg::Cloud => "cloud",
            EnvironmentArg::Hybrid => "hybrid",
        }
    }
}

/// Arguments of `gatekit audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Files or folders to audit.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Lowest severity that makes the exit code 1; lower findings are
    /// still reported.
    #[arg(long, value_enum, default_value = "low", value_name = "SEVERITY")]
    pub min_severity: SeverityArg,
    /// Baseline file (JSON) of accepted findings, each with a reason.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write a baseline accepting every current finding to FILE, with empty
    /// reasons to fill in, and exit.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Run only this rule; repeatable. `--list-rules` lists the IDs.
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// List the rules (ID, severity, title, control, OWASP API category)
    /// and exit.
    #[arg(long)]
    pub list_rules: bool,
}

/// Arguments of `gatekit probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The gateway's https URL; its path is used by checks that need no
    /// route from the answers.
    #[arg(value_name = "URL")]
    pub url: String,
    /// Answers file (YAML), usually the generated repository's
    /// `.gatekit/answers.yaml`: the routes, authentication mode, limits and
    /// TLS minimum to test. Without it, checks that need them are skipped.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Maximum number of requests to send, TLS handshakes included. A check
    /// that needs more than are left is skipped.
    #[arg(long, value_name = "N", default_value_t = 200,
        value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_requests: u32,
    /// Maximum duration of the whole run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub max_time: u64,
    /// PEM file of the CA that signed the gateway's certificate; only these
    /// CAs are trusted.
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate, for lab targets with a self-signed one; the
    /// report says so.
    #[arg(long)]
    pub insecure: bool,
    /// File whose first line is a token or API key for checks that need an
    /// authenticated request. It is never printed.
    #[arg(long, value_name = "FILE", conflicts_with = "credential_env")]
    pub credential_file: Option<PathBuf>,
    /// Name of an environment variable holding a token or API key, as
    /// `--credential-file`.
    #[arg(long, value_name = "NAME")]
    pub credential_env: Option<String>,
    /// Plaintext HTTP port on the target host.
    #[arg(long, value_name = "PORT", default_value_t = 80)]
    pub http_port: u16,
    /// Admin ports on the target host, comma-separated (Kong 8001 and 8444,
    /// Envoy 9901).
    #[arg(
        long,
        value_name = "PORTS",
        value_delimiter = ',',
        default_value = "8001,8444,9901"
    )]
    pub admin_ports: Vec<u16>,
    /// Connect to this IP address instead of resolving the URL's host, for
    /// a gateway that DNS does not point at; the Host header and the TLS
    /// server name still carry the URL's host.
    #[arg(long, value_name = "IP")]
    pub address: Option<std::net::IpAddr>,
    /// Print the planned requests and send none.
    #[arg(long)]
    pub dry_run: bool,
}

/// Report formats accepted by `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Text for people, with file:line and the source line.
    Text,
    /// JSON.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// JUnit XML for GitLab test reports.
    Junit,
}

/// Severities accepted by `--min-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// Every finding.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
}

/// Arguments of `gatekit threats`.
#[derive(Debug, Args)]
pub struct ThreatsArgs {
    /// Show the threat model of this vendor's repository.
    #[arg(long, value_enum)]
    pub vendor: Option<VendorArg>,
    /// Show the threat model of this environment's repository.
    #[arg(long, value_enum)]
    pub environment: Option<EnvironmentArg>,
    /// Output format on stdout. `threat-dragon` writes an OWASP Threat
    /// Dragon v2 model, always of one repository (the defaults when no
    /// vendor or environment is given).
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ThreatsFormatArg,
    /// Blueprint set: `builtin`, a directory laid out like gatekit's
    /// `blueprints/` folder, or a git repository URL.
    #[arg(long, value_name = "SOURCE", default_value = "builtin")]
    pub blueprints: String,
    /// Tag, branch or commit of the git repository in `--blueprints`.
    #[arg(long, value_name = "REF")]
    pub blueprints_ref: Option<String>,
}

/// Formats accepted by `gatekit threats --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThreatsFormatArg {
    /// Markdown for people.
    Markdown,
    /// JSON: threats, controls, files, rules and checks.
    Json,
    /// OWASP Threat Dragon v2 model.
    ThreatDragon,
}
