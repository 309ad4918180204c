//! Fixtures for the `update` tests: blueprint sets whose extra files the
//! tests control, and generated repositories in real temporary git
//! repositories, driven through the `gatekit` and `git` command lines.
//!
//! Every blueprint set is the built-in one plus a `fixture` manifest, so
//! the tests depend only on the fixture files: the built-in files are the
//! same in every version of a set and never change in an update.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gatekit::blueprint::SetFiles;

/// One file of the fixture manifest.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Output path.
    pub path: &'static str,
    /// Template text.
    pub text: String,
    /// Manifest `when` condition.
    pub when: Option<&'static str>,
    /// Manifest format.
    pub format: &'static str,
    /// Whether the file is executable.
    pub executable: bool,
}

impl Fixture {
    /// Builds a plain text file.
    pub fn text(path: &'static str, text: &str) -> Fixture {
        Fixture {
            path,
            text: text.to_string(),
            when: None,
            format: "text",
            executable: false,
        }
    }

    /// Builds a YAML file.
    pub fn yaml(path: &'static str, text: &str) -> Fixture {
        Fixture {
            format: "yaml",
            ..Fixture::text(path, text)
        }
    }

    /// Renders the file only when `condition` holds.
    pub fn when(mut self, condition: &'static str) -> Fixture {
        self.when = Some(condition);
        self
    }

    /// Makes the file an executable shell script.
    pub fn executable(mut self) -> Fixture {
        self.format = "shell";
        self.executable = true;
        self
    }
}

/// Builds a Kong declarative configuration for the tests to edit. The rate
/// limit is near the top and the body limit near the bottom, far enough
/// apart for git to merge an edit of each cleanly.
pub fn kong_config(body_limit: u32, policy: &str) -> String {
    format!(
        "_format_version: \"3.0\"\n\
         services:\n\
         \x20 - name: orders\n\
         \x20   url: https://orders.internal.example.com:8443\n\
         \x20   plugins:\n\
         \x20     - name: rate-limiting\n\
         \x20       config:\n\
         \x20         second: {{{{ rate_limit.per_second }}}}\n\
         \x20         policy: {policy}\n\
         \x20     - name: cors\n\
         \x20       config:\n\
         \x20         credentials: false\n\
         \x20     - name: response-ratelimiting\n\
         \x20       config:\n\
         \x20         limits: {{}}\n\
         \x20     - name: request-size-limiting\n\
         \x20       config:\n\
         \x20         allowed_payload_size: {body_limit}\n\
         \x20         size_unit: kilobytes\n"
    )
}

/// Writes the built-in set plus `fixtures` into a new folder.
pub fn blueprint_set(fixtures: &[Fixture]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_blueprint_set(dir.path(), fixtures);
    dir
}

/// Writes the built-in set plus `fixtures` into `root`, replacing any
/// previous fixture manifest.
pub fn write_blueprint_set(root: &Path, fixtures: &[Fixture]) {
    crate::support::write_builtin_set(root);
    let builtin = SetFiles::builtin();
    let mut set: serde_yaml::Value =
        serde_yaml::from_str(builtin.get("set.yaml").unwrap()).unwrap();
    set["manifests"]
        .as_sequence_mut()
        .unwrap()
        .push("fixture/manifest.yaml".into());
    std::fs::write(root.join("set.yaml"), serde_yaml::to_string(&set).unwrap()).unwrap();

    let folder = root.join("fixture");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let mut manifest =
        String::from("name: fixture\ntitle: Files the update tests control\nfiles:\n");
    for fixture in fixtures {
        let template = format!("{}.tera", fixture.path.replace('/', "_"));
        std::fs::write(folder.join(&template), &fixture.text).unwrap();
        manifest.push_str(&format!(
            "  - template: {template}\n    path: {}\n    format: {}\n",
            fixture.path, fixture.format
        ));
        if let Some(when) = fixture.when {
            manifest.push_str(&format!("    when: '{when}'\n"));
        }
        if fixture.executable {
            manifest.push_str("    executable: true\n");
        }
    }
    std::fs::write(folder.join("manifest.yaml"), manifest).unwrap();
}

/// A sandbox: a home folder with no git configuration, and a work folder.
pub struct Sandbox {
    /// Holds everything; removed on drop.
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    /// Creates an empty sandbox.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Sandbox { dir }
    }

    /// Returns a path inside the sandbox.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Applies the sandbox environment to a command: no system or user git
    /// configuration, a fixed identity, no repository above the sandbox.
    pub fn env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CEILING_DIRECTORIES", self.dir.path())
            .env("GIT_AUTHOR_NAME", "Test User")
            .env("GIT_AUTHOR_EMAIL", "user@example.com")
            .env("GIT_COMMITTER_NAME", "Test User")
            .env("GIT_COMMITTER_EMAIL", "user@example.com")
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
    }

    /// Runs gatekit in `dir`.
    pub fn gatekit(&self, dir: &Path, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gatekit"));
        self.env(&mut command)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    }

    /// Runs git in `dir` and panics when it fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.git_output(dir, args);
        assert!(
            output.status.success(),
            "git {args:?} failed\n{}",
            describe(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs git in `dir`.
    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        self.env(&mut command)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    }

    /// Generates a repository with `gatekit new --defaults` from `set` into
    /// `name`, which `new` puts under git with a pristine first commit.
    pub fn generate(&self, name: &str, set: &Path, extra: &[&str]) -> PathBuf {
        let target = self.path(name);
        let mut args = vec![
            "new",
            "--defaults",
            "--set",
            "project=payments",
            "--blueprints",
            set.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(target.to_str().unwrap());
        let output = self.gatekit(self.dir.path(), &args);
        assert_eq!(
            code(&output),
            0,
            "gatekit new failed\n{}",
            describe(&output)
        );
        target
    }

    /// Generates `gw` from a set of `v1` fixtures, and writes a set of `v2`
    /// fixtures to update to.
    pub fn versions(&self, v1: &[Fixture], v2: &[Fixture]) -> Versions {
        let v1 = blueprint_set(v1);
        let v2 = blueprint_set(v2);
        let repo = self.generate("gw", v1.path(), &[]);
        Versions { repo, v1, v2 }
    }

    /// Runs `gatekit new --defaults --blueprints SET TARGET` from the
    /// sandbox folder.
    pub fn new_repo(&self, set: &Path, target: &Path) -> Output {
        let args = [
            "new",
            "--defaults",
            "--blueprints",
            set.to_str().unwrap(),
            target.to_str().unwrap(),
        ];
        self.gatekit(self.dir.path(), &args)
    }

    /// Asserts that `gatekit update` with `args` finds nothing to do.
    pub fn assert_up_to_date(&self, repo: &Path, args: &[&str]) {
        let output = self.update(repo, args);
        assert_eq!(code(&output), 0, "{}", describe(&output));
        assert!(
            stderr(&output).contains("up to date"),
            "{}",
            describe(&output)
        );
    }

    /// Commits every change in `repo`.
    pub fn commit_all(&self, repo: &Path, message: &str) {
        self.git(repo, &["add", "-A"]);
        self.git(repo, &["commit", "-q", "-m", message]);
    }

    /// Runs `gatekit update --dry-run` with `args` and checks that it
    /// changed nothing, `.git` included. Returns its output.
    pub fn dry_run(&self, repo: &Path, args: &[&str]) -> Output {
        let before = snapshot(repo);
        let mut all = vec!["update", "--dry-run"];
        all.extend_from_slice(args);
        let output = self.gatekit(repo, &all);
        assert!(
            code(&output) == 0,
            "update --dry-run failed\n{}",
            describe(&output)
        );
        let after = snapshot(repo);
        assert_same(&before, &after, "update --dry-run");
        output
    }

    /// Runs `gatekit update` with `args` in `repo`.
    pub fn update(&self, repo: &Path, args: &[&str]) -> Output {
        let mut all = vec!["update"];
        all.extend_from_slice(args);
        self.gatekit(repo, &all)
    }
}

/// A repository generated from one blueprint set, and the next set.
pub struct Versions {
    /// The generated repository.
    pub repo: PathBuf,
    /// The set it was generated from.
    pub v1: tempfile::TempDir,
    /// The set to update to.
    pub v2: tempfile::TempDir,
}

impl Versions {
    /// Returns `--blueprints V2`.
    pub fn to_v2(&self) -> [&str; 2] {
        ["--blueprints", self.v2.path().to_str().unwrap()]
    }
}

/// One entry of a folder snapshot: contents (or link target) and mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File contents, or the target of a symbolic link.
    pub bytes: Vec<u8>,
    /// Unix mode bits, or 0 for a symbolic link.
    pub mode: u32,
}

/// Returns every file and link under `root`, `.git` included, by relative
/// path.
pub fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    collect(root, true)
}

/// Returns every file and link under `root` except `.git`.
pub fn work_tree(root: &Path) -> BTreeMap<String, Entry> {
    collect(root, false)
}

fn collect(root: &Path, with_git: bool) -> BTreeMap<String, Entry> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !with_git && relative == ".git" {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                let bytes = target.to_string_lossy().into_owned().into_bytes();
                out.insert(relative, Entry { bytes, mode: 0 });
            } else if meta.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let mode = meta.permissions().mode() & 0o777;
                out.insert(relative, Entry { bytes, mode });
            }
        }
    }
    out
}

/// Asserts two snapshots are equal, naming the first paths that differ.
pub fn assert_same(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>, what: &str) {
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .take(10)
        .collect();
    assert!(changed.is_empty(), "{what} changed {changed:?}");
}

/// Returns the exit code.
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

/// Returns stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Returns stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Formats an output for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    )
}

/// Reads a file of a repository as text.
pub fn read(repo: &Path, path: &str) -> String {
    std::fs::read_to_string(repo.join(path)).unwrap()
}

/// Replaces the only occurrence of `from` in a file.
pub fn edit(repo: &Path, path: &str, from: &str, to: &str) {
    let text = read(repo, path);
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {path}:\n{text}");
    std::fs::write(repo.join(path), text.replace(from, to)).unwrap();
}

/// Returns the report line for `path`, if the report has one.
pub fn report_line(output: &Output, path: &str) -> Option<String> {
    stdout(output)
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(path))
        .map(str::to_string)
}
