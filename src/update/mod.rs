//! `gatekit update`: render again with the current blueprints and answers,
//! and merge the result into the work tree without losing an edit.
//!
//! The merge is three-way: base = the pristine render the repository was
//! last generated from, ours = the work tree, theirs = the new render. With
//! git, the new render becomes a pristine commit whose parent is the base,
//! and the update leaves a merge in progress (`MERGE_HEAD`), so the user's
//! commit records both parents and `git merge --abort` undoes everything.

pub mod apply;
pub mod base;
pub mod decide;
pub mod eol;
pub mod error;
pub mod merge;
pub mod plan;
pub mod pristine;
pub mod rename;
pub mod repo;
pub mod report;
pub mod source;
pub mod start;
pub mod worktree;

use std::path::Path;

pub use error::UpdateError;

use self::base::{Base, Mode};
use self::eol::Eol;
use self::merge::Labels;
use self::plan::{Plan, Settings};
use self::repo::Git;
use crate::answers::{self, Loaded, Sources};
use crate::cli::UpdateArgs;
use crate::error::{Code, Error};
use crate::generate::{self, Generated};
use crate::output::{self, OutputError};
use crate::record::{RECORD_PATH, Record};
use crate::tree::File;
use crate::ui;

/// Runs `gatekit update`.
pub fn run(args: &UpdateArgs) -> Result<Code, Error> {
    let root = args.path.as_path();
    let writes = !(args.dry_run || args.check);
    let record_path = root.join(RECORD_PATH);
    output::check_folder(root)?;
    output::check_target(root, RECORD_PATH)?;
    if !record_path.is_file() {
        return Err(UpdateError::NotGenerated(root.to_path_buf()).into());
    }
    let git = repo::open(root)?;
    if let Some(git) = &git {
        preflight(git, args, writes)?;
    }

    let recorded_sources = Sources {
        file: Some(record_path.clone()),
        ..Sources::default()
    };
    let recorded = answers::load(&recorded_sources)?;
    let record = recorded
        .record
        .clone()
        .ok_or_else(|| UpdateError::NoRecord(record_path.clone()))?;
    let sources = Sources {
        sets: args.sets.clone(),
        ..recorded_sources
    };
    let (answers, loaded) = generate::resolve_answers(&sources, None)?;

    let spec = source::choose(
        args.blueprints.as_deref(),
        args.blueprints_ref.as_deref(),
        &record.blueprints,
        root,
    )?;
    let new = source::load_new(&spec, &record.blueprints, root)?;
    let generated = generate::generate(&new.blueprints, &new.origin, &answers)?;

    let base = base::recover(git.as_ref(), &record, || {
        source::rerender(&record.blueprints, &recorded.answers, &new, root)
    })?;
    ui::status(&report::mode(&base, git.is_some()));
    let set = format!("{} {}", new.blueprints.meta.name, new.origin.version);
    if is_up_to_date(&generated, &record, &recorded, &loaded) {
        ui::status(&format!("up to date with blueprints {set}; nothing to do"));
        return Ok(Code::Ok);
    }

    let plan = build_plan(root, git.as_ref(), &base, &generated, &set)?;
    let record_before = std::fs::read(&record_path).map_err(|source| OutputError::Io {
        action: "read",
        path: record_path.clone(),
        source,
    })?;
    warn_record_edits(&base, &record_before, &loaded);
    let record_after = File {
        bytes: eol::to_style(record_bytes(&generated), eol::style(&record_before)),
        executable: false,
    };

    if !writes {
        ui::result(&report::lines(&plan));
        if args.dry_run {
            ui::result(&report::diff(&plan, (&record_before, &record_after.bytes)));
        }
        ui::status(&format!(
            "an update to blueprints {set} is available ({}); nothing was written",
            report::counts(&plan)
        ));
        return Ok(if args.check {
            Code::CheckFailed
        } else {
            Code::Ok
        });
    }

    if let Some(git) = &git {
        begin_merge(git, &base, &generated, &plan, &set)?;
    }
    apply::apply(root, git.as_ref(), &plan.actions, &record_after)?;
    ui::result(&report::lines(&plan));
    summarise(&plan, git.is_some(), &set);
    Ok(if plan.has_conflicts() {
        Code::Conflicts
    } else {
        Code::Ok
    })
}

/// Rejects a repository that is not ready; read-only runs only warn.
fn preflight(git: &Git, args: &UpdateArgs, writes: bool) -> Result<(), UpdateError> {
    git.head()?;
    if let Some(problem) = git.unfinished() {
        if writes {
            return Err(UpdateError::Unfinished(problem));
        }
        ui::warning(&problem);
    }
    let dirty = git.dirty()?;
    if dirty.is_empty() {
        return Ok(());
    }
    if writes && !args.allow_dirty {
        return Err(UpdateError::Dirty(dirty));
    }
    if writes {
        ui::warning(&format!(
            "--allow-dirty: {} files have uncommitted changes; the update merges into them, and \
             `git merge --abort` would reset the files it touches to HEAD, uncommitted changes included",
            dirty.len()
        ));
    } else {
        ui::warning(&format!(
            "{} files have uncommitted changes; update itself would refuse to run without --allow-dirty",
            dirty.len()
        ));
    }
    Ok(())
}

/// True when the new render changes nothing but the gatekit version: same
/// files, same blueprint origin, same answers, no schema migration.
fn is_up_to_date(
    generated: &Generated,
    record: &Record,
    recorded: &Loaded,
    loaded: &Loaded,
) -> bool {
    let new_record = Record::new(&generated.origin, &generated.tree);
    new_record.files == record.files
        && new_record.blueprints == record.blueprints
        && generated.answers == recorded.answers
        && loaded.migrated_from.is_none()
}

fn build_plan(
    root: &Path,
    git: Option<&Git>,
    base: &Base,
    generated: &Generated,
    set: &str,
) -> Result<Plan, UpdateError> {
    let settings = Settings {
        new_file_eol: if git.is_some_and(Git::autocrlf) {
            Eol::Crlf
        } else {
            Eol::Lf
        },
        labels: Labels {
            style: git.map_or("merge".to_string(), Git::conflict_style),
            ours: "HEAD (your version)".to_string(),
            theirs: format!("gatekit (blueprints {set})"),
        },
        git: git.is_some(),
        prefix: git.map_or(String::new(), |g| g.prefix.clone()),
    };
    let index = match git {
        Some(git) => Some(
            git.repo
                .index()
                .map_err(UpdateError::git("read the index"))?,
        ),
        None => None,
    };
    let tracked = |path: &str| match (git, &index) {
        (Some(git), Some(index)) => index.get_path(Path::new(&git.path(path)), 0).is_some(),
        _ => true,
    };
    plan::build(root, base, &generated.tree, &tracked, &settings)
}

/// Records the new render as a pristine commit on top of the base and puts
/// the repository into a merge with it.
fn begin_merge(
    git: &Git,
    base: &Base,
    generated: &Generated,
    plan: &Plan,
    set: &str,
) -> Result<(), UpdateError> {
    let head = git.head()?.id();
    let parent = match (&base.mode, &base.files) {
        (Mode::History(id), _) => Some(*id),
        (Mode::Rerendered, Some(files)) => {
            let mut tree = crate::tree::Tree {
                files: files.clone(),
            };
            if let Some(record) = &base.record {
                tree.files.insert(RECORD_PATH.to_string(), record.clone());
            }
            let subject = "gatekit pristine render (re-rendered base)";
            Some(
                pristine::create(git, &tree, None, subject)
                    .map_err(UpdateError::git("record the base"))?,
            )
        }
        _ => None,
    };
    let subject = format!("gatekit pristine render: blueprints {set}");
    let commit = pristine::create(git, &generated.tree, parent, &subject)
        .map_err(UpdateError::git("record the pristine render"))?;
    git.start_merge(head, commit, &merge_message(plan, set, base))
}

fn merge_message(plan: &Plan, set: &str, base: &Base) -> String {
    let mode = match base.mode {
        Mode::History(_) => "three-way merge from the previous pristine render",
        Mode::Rerendered => "three-way merge from the re-rendered previous render",
        Mode::Digests(_) => "digest fallback: changed files were not merged",
    };
    let mut message = format!(
        "Update generated files to blueprints {set}\n\ngatekit update: {mode}; {}.\n",
        report::counts(plan)
    );
    let conflicts: Vec<&str> = plan
        .lines
        .iter()
        .filter(|l| l.outcome == plan::Outcome::Conflicted)
        .map(|l| l.path.as_str())
        .collect();
    if !conflicts.is_empty() {
        message.push_str("\n# Conflicts:\n");
        for path in conflicts {
            message.push_str(&format!("#\t{path}\n"));
        }
    }
    message
}

/// Warns when the record file had edits a rewrite drops: comments or
/// layout. Answer values are always kept, since they are read from it.
fn warn_record_edits(base: &Base, before: &[u8], loaded: &Loaded) {
    let Some(pristine) = &base.record else {
        return;
    };
    if loaded.migrated_from.is_none() && eol::to_lf(before) != pristine.bytes {
        ui::warning(&format!(
            "{RECORD_PATH} was edited by hand; gatekit rewrites it with the answer values it read, \
             so comments and layout in it are not kept"
        ));
    }
}

fn record_bytes(generated: &Generated) -> &[u8] {
    generated
        .tree
        .get(RECORD_PATH)
        .map_or(&[][..], |f| f.bytes.as_slice())
}

/// Prints the closing summary. With conflicts it never prints "updated",
/// because the update is not finished until the user resolves them.
fn summarise(plan: &Plan, git: bool, set: &str) {
    let counts = report::counts(plan);
    let conflicts = plan.count(plan::Outcome::Conflicted);
    let message = match (conflicts, git) {
        (0, true) => format!(
            "updated to blueprints {set} ({counts})\n  the merge is staged: review it with `git diff --cached`, \
             then `git commit` to finish; `git merge --abort` undoes it"
        ),
        (0, false) => format!(
            "updated to blueprints {set} ({counts})\n  there is no git repository: review the changes yourself"
        ),
        // The counts are left out here: they may contain "updated".
        (n, true) => format!(
            "the merge stopped with {}\n  resolve each one, `git add` it, then \
             `git commit` to finish; `git merge --abort` restores the previous state",
            conflicted(n)
        ),
        (n, false) => format!(
            "the merge stopped with {}\n  resolve each one by hand; there is no git \
             repository to undo with",
            conflicted(n)
        ),
    };
    ui::status(&message);
}

fn conflicted(n: usize) -> String {
    if n == 1 {
        "1 conflicted file".to_string()
    } else {
        format!("{n} conflicted files")
    }
}
