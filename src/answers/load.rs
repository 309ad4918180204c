//! Loading answers from defaults, an answers file and `--set` overrides.
//!
//! Precedence, lowest first: built-in defaults, the answers file, `--set`
//! values in command-line order. The file is parsed with positions so that
//! every error can name its line.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::keys::{self, Kind, Segment};
use super::model::{Answers, SCHEMA_VERSION};
use super::validate::{self, Problem, shown};
use crate::record::Record;
use crate::yaml::{self, Pos};

/// Largest answers file gatekit reads.
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Parser limits for answers files. The largest valid file (500 services
/// and a record of every generated file) has a few tens of thousands of
/// nodes, so an alias bomb fails long before it costs much memory.
const ANSWERS_LIMITS: yaml::Limits = yaml::Limits {
    max_bytes: MAX_FILE_BYTES,
    max_depth: 32,
    max_nodes: 200_000,
    max_aliases: 1_000,
};

/// Keys that have no built-in default: without `--defaults`, each must come
/// from the answers file, `--set` or a prompt.
pub const REQUIRED: &[&str] = &[
    "project",
    "environment",
    "vendor",
    "tls.domains",
    "services",
];

/// Where the answers come from.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// Answers file: a plain answers file or a generated `.gatekit/answers.yaml`.
    pub file: Option<PathBuf>,
    /// `key=value` overrides, in command-line order.
    pub sets: Vec<String>,
    /// Fill every missing key from the built-in defaults.
    pub defaults: bool,
    /// Project name used when no source gives one (the output folder's name).
    pub project_fallback: Option<String>,
}

/// Answers after loading, before any prompt.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Answers with defaults filled in. Only valid when `missing` is empty.
    pub answers: Answers,
    /// Required keys that no source supplied.
    pub missing: Vec<String>,
    /// The record block, when the file was a generated repository's record.
    pub record: Option<Record>,
    /// The schema version the file was migrated from, if it was older.
    pub migrated_from: Option<u32>,
    /// Keys supplied by the file or `--set`, so prompts skip them.
    pub supplied: Vec<String>,
}

/// Where an invalid value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The answers file, at a position when known.
    File(PathBuf, Option<Pos>),
    /// A `--set` argument.
    Set(String),
    /// A built-in default or an interactive answer.
    Default,
}

/// A problem with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The problem.
    pub problem: Problem,
    /// Its source.
    pub origin: Origin,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File(path, Some(pos)) => write!(f, "{}:{}: ", path.display(), pos.line)?,
            Origin::File(path, None) => write!(f, "{}: ", path.display())?,
            // Only the key: the value may be a secret, and the problem below
            // prints it redacted where needed.
            Origin::Set(arg) => write!(
                f,
                "--set {}: ",
                shown(arg.split_once('=').map_or(arg.as_str(), |(k, _)| k))
            )?,
            Origin::Default => {}
        }
        let p = &self.problem;
        match (p.key.is_empty(), p.value.is_empty()) {
            (true, _) => write!(f, "{}", p.rule),
            (false, true) => write!(f, "`{}` {}", shown(&p.key), p.rule),
            // Problems carry values as the user wrote them; only the
            // message redacts secrets and shortens long values.
            (false, false) => write!(f, "`{}` = `{}`: {}", shown(&p.key), shown(&p.value), p.rule),
        }
    }
}

/// Errors while loading answers.
#[derive(Debug, thiserror::Error)]
pub enum AnswersError {
    /// The answers file does not exist.
    #[error("answers file {} not found", .0.display())]
    NotFound(PathBuf),
    /// The answers file could not be read.
    #[error("cannot read answers file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The answers file is not valid YAML.
    #[error("{}:{}: invalid YAML: {}", path.display(), .source.pos.line, .source.message)]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: yaml::Error,
    },
    /// The file was written by a newer gatekit.
    #[error(
        "{}: answers schema version {found} is newer than this gatekit supports ({SCHEMA_VERSION}); upgrade gatekit",
        path.display()
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: u64,
    },
    /// An older schema version cannot be migrated.
    #[error("{}: cannot migrate answers from schema version {from}: {message}", path.display())]
    Migration {
        /// The file.
        path: PathBuf,
        /// The version the failing step starts from.
        from: u32,
        /// Why.
        message: String,
    },
    /// One or more answers are invalid.
    #[error("invalid answers:\n{}", list(.0))]
    Invalid(Vec<Located>),
}

fn list(problems: &[Located]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads answers from `sources`. Missing required keys are reported in
/// [`Loaded::missing`], not as an error, so the caller can prompt for them.
pub fn load(sources: &Sources) -> Result<Loaded, AnswersError> {
    let mut state = State::default();
    let mut tree = Value::Object(serde_json::Map::new());
    let mut record = None;
    let mut migrated_from = None;

    if let Some(path) = &sources.file {
        let (value, found_record, from) = read_file(path, &mut state)?;
        tree = value;
        record = found_record;
        migrated_from = from;
    }
    for set in &sources.sets {
        apply_set(&mut tree, set, &mut state);
    }
    state.fail_early()?;

    let mut supplied = Vec::new();
    collect_leaf_keys(&tree, String::new(), &mut supplied);

    // The output folder's name is a natural project name, so it fills a
    // missing `project` without counting as supplied: prompts still offer it.
    if lookup(&tree, "project").is_none()
        && let Some(project) = &sources.project_fallback
        && let Some(map) = tree.as_object_mut()
    {
        map.insert("project".to_string(), Value::String(project.clone()));
    }
    // With `--defaults` every key has a default except the project name.
    let required: &[&str] = if sources.defaults {
        &["project"]
    } else {
        REQUIRED
    };
    let missing: Vec<String> = required
        .iter()
        .filter(|key| lookup(&tree, key).is_none())
        .map(|key| (*key).to_string())
        .collect();

    // `--defaults` requests the example values, a service's included.
    if !sources.defaults {
        check_service_items(&tree, &mut state);
        state.fail_early()?;
    }
    let answers = deserialize(&tree, &mut state)?;
    if missing.is_empty() {
        for problem in validate::validate(&answers) {
            state.push(problem);
        }
    }
    state.fail_early()?;
    Ok(Loaded {
        answers,
        missing,
        record,
        migrated_from,
        supplied,
    })
}

/// Validates answers completed by prompts, reporting problems without file
/// positions.
pub fn revalidate(answers: &Answers) -> Result<(), AnswersError> {
    let problems = validate::validate(answers);
    if problems.is_empty() {
        return Ok(());
    }
    Err(AnswersError::Invalid(
        problems
            .into_iter()
            .map(|problem| Located {
                problem,
                origin: Origin::Default,
            })
            .collect(),
    ))
}

#[derive(Default)]
struct State {
    file: Option<PathBuf>,
    positions: HashMap<String, Pos>,
    set_keys: HashMap<String, String>,
    problems: Vec<Located>,
}

impl State {
    fn push(&mut self, problem: Problem) {
        let origin = self.origin_of(&problem.key);
        self.problems.push(Located { problem, origin });
    }

    /// Finds the source of a key, walking up to the nearest parent that has
    /// a known position (a missing field is reported at its parent's line).
    fn origin_of(&self, key: &str) -> Origin {
        let mut probe = key.to_string();
        loop {
            if let Some(arg) = self.set_keys.get(&probe) {
                return Origin::Set(arg.clone());
            }
            if let Some(file) = &self.file {
                let pos = self
                    .positions
                    .get(&format!("{probe}#key"))
                    .or_else(|| self.positions.get(&probe));
                if let Some(pos) = pos {
                    return Origin::File(file.clone(), Some(*pos));
                }
            }
            match probe.rfind(['.', '[']) {
                Some(at) => probe.truncate(at),
                None => break,
            }
        }
        Origin::Default
    }

    fn fail_early(&mut self) -> Result<(), AnswersError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(AnswersError::Invalid(std::mem::take(&mut self.problems)))
        }
    }
}

fn read_file(
    path: &Path,
    state: &mut State,
) -> Result<(Value, Option<Record>, Option<u32>), AnswersError> {
    let text = match read_bounded(path) {
        Ok(None) => {
            return Err(AnswersError::Invalid(vec![Located {
                problem: Problem {
                    key: String::new(),
                    value: String::new(),
                    rule: "is a folder, not an answers file".to_string(),
                },
                origin: Origin::File(path.to_path_buf(), None),
            }]));
        }
        Ok(Some(bytes)) if bytes.len() > MAX_FILE_BYTES => {
            return Err(AnswersError::Invalid(vec![Located {
                problem: Problem {
                    key: String::new(),
                    value: String::new(),
                    rule: format!("answers file is larger than {MAX_FILE_BYTES} bytes"),
                },
                origin: Origin::File(path.to_path_buf(), None),
            }]));
        }
        Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| {
            AnswersError::Invalid(vec![Located {
                problem: Problem {
                    key: String::new(),
                    value: String::new(),
                    rule: "answers file is not UTF-8 text".to_string(),
                },
                origin: Origin::File(path.to_path_buf(), None),
            }])
        })?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(AnswersError::NotFound(path.to_path_buf()));
        }
        Err(source) => {
            return Err(AnswersError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let node = yaml::parse_one(&text, ANSWERS_LIMITS).map_err(|source| AnswersError::Syntax {
        path: path.to_path_buf(),
        source,
    })?;
    state.file = Some(path.to_path_buf());
    if let Some((pos, tag)) = yaml::first_tag(&text) {
        state.problems.push(Located {
            problem: Problem {
                key: String::new(),
                value: String::new(),
                rule: format!(
                    "the YAML tag `{tag}` is not supported in answers files, because gatekit \
                     would read the value differently from other YAML tools; write the plain value"
                ),
            },
            origin: Origin::File(path.to_path_buf(), Some(pos)),
        });
    }
    node.index_positions("", &mut state.positions);
    for (key, pos) in node.duplicate_keys() {
        state.problems.push(Located {
            problem: Problem {
                key,
                value: String::new(),
                rule: "appears more than once".to_string(),
            },
            origin: Origin::File(path.to_path_buf(), Some(pos)),
        });
    }
    if node.is_null() {
        return Ok((Value::Object(serde_json::Map::new()), None, None));
    }
    let mut tree = node.to_json();
    let Some(map) = tree.as_object_mut() else {
        state.problems.push(Located {
            problem: Problem {
                key: String::new(),
                value: String::new(),
                rule: "an answers file must be a YAML mapping of keys to values".to_string(),
            },
            origin: Origin::File(path.to_path_buf(), Some(node.pos)),
        });
        return Ok((Value::Object(serde_json::Map::new()), None, None));
    };

    let record = match map.remove("record") {
        None => None,
        Some(raw) => match serde_path_to_error::deserialize::<_, Record>(raw) {
            Ok(record) => {
                check_record(&record, state);
                Some(record)
            }
            Err(err) => {
                let key = format!("record.{}", err.path());
                state.push(Problem {
                    key,
                    value: String::new(),
                    rule: format!("invalid record: {}", err.inner()),
                });
                None
            }
        },
    };

    let migrated_from = migrate(map, path)?;
    Ok((tree, record, migrated_from))
}

/// Keys every service listed in the answers must set unless `--defaults`
/// is given. Their built-in defaults describe the example service, so a
/// service that left one out would route to the example's upstream or path.
const SERVICE_REQUIRED: &[&str] = &["name", "upstream", "path"];

fn check_service_items(tree: &Value, state: &mut State) {
    let Some(items) = tree.get("services").and_then(Value::as_array) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let Some(fields) = item.as_object() else {
            continue;
        };
        for name in SERVICE_REQUIRED {
            if !fields.contains_key(*name) {
                state.push(Problem {
                    key: format!("services[{i}].{name}"),
                    value: String::new(),
                    rule: format!(
                        "is missing: every service needs {}",
                        SERVICE_REQUIRED.join(", ")
                    ),
                });
            }
        }
    }
}

/// Checks the record's file list, because `update` reads, replaces and
/// deletes the paths it names: each must be a path a blueprint could have
/// generated, never one in `.git` or outside the folder, and each digest a
/// `sha256:` digest.
fn check_record(record: &Record, state: &mut State) {
    for (path, digest) in &record.files {
        // Paths contain dots, so the key names the list and the value the
        // entry; the position is the entry's own line.
        let origin = state.origin_of(&format!("record.files.{path}"));
        let mut push = |value: &str, rule: String| {
            state.problems.push(Located {
                problem: Problem {
                    key: "record.files".to_string(),
                    value: value.to_string(),
                    rule,
                },
                origin: origin.clone(),
            });
        };
        if let Err(reason) = crate::blueprint::paths::check(path) {
            push(path, format!("is not a path gatekit generates: {reason}"));
        }
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        let valid = hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if !valid {
            push(
                digest,
                format!(
                    "the digest of {path} must be `sha256:` and 64 lowercase hexadecimal digits"
                ),
            );
        }
    }
}

/// Reads at most one byte more than [`MAX_FILE_BYTES`], so that a device
/// or a pipe that never ends (`--answers /dev/zero`) is rejected instead of
/// filling memory. Returns `None` for a folder.
fn read_bounded(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// One schema migration: rewrites an answers mapping from version `from`
/// to `from + 1`.
struct Migration {
    /// The version it starts from.
    from: u32,
    /// Rewrites the mapping, or returns why it cannot.
    apply: fn(&mut serde_json::Map<String, Value>) -> Result<(), String>,
}

/// Every migration, oldest first. The list is empty because version 1 is the
/// first schema. A change to the answers model that renames or restructures
/// keys raises [`SCHEMA_VERSION`] and adds its step here.
const MIGRATIONS: &[Migration] = &[];

/// Brings an answers mapping to the current schema version. Returns the
/// version it was migrated from, if it was older.
fn migrate(
    map: &mut serde_json::Map<String, Value>,
    path: &Path,
) -> Result<Option<u32>, AnswersError> {
    migrate_with(map, path, MIGRATIONS, SCHEMA_VERSION)
}

/// Applies `steps` one version at a time up to `current`, then stamps the
/// mapping with `current`. A mapping without `schema_version` is taken as
/// current, so hand-written answers files need not carry one.
fn migrate_with(
    map: &mut serde_json::Map<String, Value>,
    path: &Path,
    steps: &[Migration],
    current: u32,
) -> Result<Option<u32>, AnswersError> {
    // A missing or non-integer version is left to deserialisation, which
    // reports a wrong type with its line.
    let Some(found) = map.get("schema_version").and_then(Value::as_u64) else {
        return Ok(None);
    };
    if found > u64::from(current) {
        return Err(AnswersError::TooNew {
            path: path.to_path_buf(),
            found,
        });
    }
    // `found` is at most `current`, a u32.
    let found = found as u32;
    if found == current {
        return Ok(None);
    }
    let mut version = found;
    while version < current {
        let step =
            steps
                .iter()
                .find(|s| s.from == version)
                .ok_or_else(|| AnswersError::Migration {
                    path: path.to_path_buf(),
                    from: version,
                    message:
                        "gatekit never wrote this schema version, so there is no migration from it"
                            .to_string(),
                })?;
        (step.apply)(map).map_err(|message| AnswersError::Migration {
            path: path.to_path_buf(),
            from: version,
            message,
        })?;
        version += 1;
    }
    map.insert("schema_version".to_string(), Value::from(current));
    Ok(Some(found))
}

fn apply_set(tree: &mut Value, arg: &str, state: &mut State) {
    let (key, raw) = arg.split_once('=').unwrap_or((arg, ""));
    if !arg.contains('=') {
        state.problems.push(Located {
            problem: Problem {
                key: arg.to_string(),
                value: String::new(),
                rule: "must be written as key=value".to_string(),
            },
            origin: Origin::Set(arg.to_string()),
        });
        return;
    }
    match set_value(tree, key, raw) {
        Ok(canonical) => {
            state.set_keys.insert(canonical, arg.to_string());
        }
        Err(rule) => state.problems.push(Located {
            problem: Problem {
                key: key.to_string(),
                value: raw.to_string(),
                rule,
            },
            origin: Origin::Set(arg.to_string()),
        }),
    }
}

/// Sets `key` to the text `raw` in an answers tree, converting it to the
/// key's kind. Returns the key in canonical form.
pub fn set_value(tree: &mut Value, key: &str, raw: &str) -> Result<String, String> {
    let segments = keys::parse_path(key).map_err(|err| err.message)?;
    let kind = keys::kind_of(&segments).map_err(|err| err.message)?;
    let value = coerce(raw, &kind)?;
    insert(tree, &segments, value)?;
    Ok(keys::format_path(&segments))
}

/// Converts a `--set` value to the kind the key takes.
fn coerce(raw: &str, kind: &Kind) -> Result<Value, String> {
    match kind {
        Kind::String => Ok(Value::String(raw.to_string())),
        Kind::Integer => raw
            .trim()
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| "must be a whole number".to_string()),
        Kind::Boolean => match raw.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("must be `true` or `false`".to_string()),
        },
        Kind::Choice(choices) => {
            if choices.iter().any(|c| c == raw) {
                Ok(Value::String(raw.to_string()))
            } else {
                let names: Vec<&str> = choices.iter().map(String::as_str).collect();
                let mut rule = format!("must be one of {}", names.join(", "));
                if let Some(hint) = keys::nearest(raw, &names) {
                    rule.push_str(&format!("; did you mean `{hint}`?"));
                }
                Err(rule)
            }
        }
        Kind::List(inner) => {
            let trimmed = raw.trim();
            let body = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .unwrap_or(trimmed);
            if body.trim().is_empty() {
                return Ok(Value::Array(Vec::new()));
            }
            body.split(',')
                .map(|item| coerce(item.trim(), inner))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Kind::Group => Err("names a group of keys; set one of its keys instead".to_string()),
    }
}

fn insert(tree: &mut Value, segments: &[Segment], value: Value) -> Result<(), String> {
    let Some((last, parents)) = segments.split_last() else {
        return Err("empty key".to_string());
    };
    let mut node = tree;
    for (i, segment) in parents.iter().enumerate() {
        let next_is_index = matches!(segments.get(i + 1), Some(Segment::Index(_)));
        let empty = if next_is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(serde_json::Map::new())
        };
        node = child(node, segment, empty)?;
    }
    match last {
        Segment::Field(name) => {
            let map = node
                .as_object_mut()
                .ok_or("parent is not a group of keys")?;
            map.insert(name.clone(), value);
        }
        Segment::Index(index) => {
            let items = node.as_array_mut().ok_or("parent is not a list")?;
            match index.cmp(&items.len()) {
                std::cmp::Ordering::Less => items[*index] = value,
                std::cmp::Ordering::Equal => items.push(value),
                std::cmp::Ordering::Greater => {
                    return Err(format!(
                        "index {index} skips items: the list has {} items",
                        items.len()
                    ));
                }
            }
        }
    }
    Ok(())
}

fn child<'a>(
    node: &'a mut Value,
    segment: &Segment,
    empty: Value,
) -> Result<&'a mut Value, String> {
    match segment {
        Segment::Field(name) => {
            let map = node
                .as_object_mut()
                .ok_or("parent is not a group of keys")?;
            Ok(map.entry(name.clone()).or_insert(empty))
        }
        Segment::Index(index) => {
            let items = node.as_array_mut().ok_or("parent is not a list")?;
            if *index == items.len() {
                items.push(empty);
            }
            let len = items.len();
            items
                .get_mut(*index)
                .ok_or_else(|| format!("index {index} skips items: the list has {len} items"))
        }
    }
}

fn deserialize(tree: &Value, state: &mut State) -> Result<Answers, AnswersError> {
    match serde_path_to_error::deserialize::<_, Answers>(tree.clone()) {
        Ok(answers) => Ok(answers),
        Err(err) => {
            let key = err.path().to_string();
            let key = if key == "." { String::new() } else { key };
            let message = err.inner().to_string();
            let rule = unknown_field_hint(&key, &message).unwrap_or(message);
            let value = lookup(tree, &key).map(short_value).unwrap_or_default();
            state.push(Problem { key, value, rule });
            state.fail_early()?;
            Ok(Answers::default())
        }
    }
}

/// Rewrites serde's "unknown field" message into one with a suggestion.
fn unknown_field_hint(key: &str, message: &str) -> Option<String> {
    let name = message.strip_prefix("unknown field `")?.split('`').next()?;
    let segments = keys::parse_path(key).ok()?;
    keys::kind_of(&segments)
        .err()
        .map(|err| err.message)
        .or_else(|| Some(format!("unknown answer key `{}`", shown(name))))
}

fn short_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let text = other.to_string();
            if text.len() > 80 {
                format!("{}…", &text[..text.floor_char_boundary(80)])
            } else {
                text
            }
        }
    }
}

/// Looks up a dotted key in a JSON tree.
pub fn lookup<'a>(tree: &'a Value, key: &str) -> Option<&'a Value> {
    let segments = keys::parse_path(key).ok()?;
    let mut node = tree;
    for segment in &segments {
        node = match segment {
            Segment::Field(name) => node.get(name)?,
            Segment::Index(i) => node.get(*i)?,
        };
    }
    Some(node)
}

fn collect_leaf_keys(node: &Value, prefix: String, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (name, value) in map {
                let key = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                out.push(key.clone());
                collect_leaf_keys(value, key, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_leaf_keys(item, format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn sources(f: &tempfile::NamedTempFile, sets: &[&str]) -> Sources {
        Sources {
            file: Some(f.path().to_path_buf()),
            sets: sets.iter().map(|s| s.to_string()).collect(),
            ..Sources::default()
        }
    }

    const MINIMAL: &str = "project: shop\nenvironment: cloud\nvendor: kong\ntls:\n  domains: [api.shop.example.com]\nservices:\n  - name: cart\n    upstream: https://cart.example.com\n    path: /cart\n    methods: [GET]\n";

    #[test]
    fn file_then_set_precedence() {
        let f = file(MINIMAL);
        let loaded = load(&sources(
            &f,
            &["rate_limit.per_second=50", "environment=hybrid"],
        ))
        .unwrap();
        assert!(loaded.missing.is_empty());
        assert_eq!(loaded.answers.rate_limit.per_second, 50);
        assert_eq!(
            loaded.answers.environment,
            super::super::model::Environment::Hybrid
        );
        assert_eq!(loaded.answers.services[0].name, "cart");
    }

    #[test]
    fn unknown_key_names_line_and_suggestion() {
        let f = file(&format!("{MINIMAL}rate_limit:\n  per_secnd: 5\n"));
        let err = load(&sources(&f, &[])).unwrap_err().to_string();
        assert!(err.contains(":12:"), "{err}");
        assert!(err.contains("did you mean `per_second`"), "{err}");
    }

    #[test]
    fn invalid_value_names_key_value_rule_and_line() {
        let f = file(&MINIMAL.replace("name: cart", "name: ../../x"));
        let err = load(&sources(&f, &[])).unwrap_err().to_string();
        assert!(err.contains(":7:"), "{err}");
        assert!(err.contains("`services[0].name` = `../../x`"), "{err}");
        assert!(err.contains("DNS label"), "{err}");
    }

    #[test]
    fn set_errors_name_the_argument() {
        let f = file(MINIMAL);
        let err = load(&sources(&f, &["rate_limit.per_second=fast"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--set rate_limit.per_second: `rate_limit.per_second` = `fast`"),
            "{err}"
        );
        assert!(err.contains("whole number"), "{err}");
    }

    #[test]
    fn set_appends_list_items() {
        let f = file(MINIMAL);
        let loaded = load(&sources(
            &f,
            &[
                "services[1].name=stock",
                "services[1].upstream=https://stock.example.com",
                "services[1].path=/stock",
                "services[1].methods=GET,HEAD",
            ],
        ))
        .unwrap();
        assert_eq!(loaded.answers.services.len(), 2);
        assert_eq!(loaded.answers.services[1].methods, vec!["GET", "HEAD"]);
    }

    #[test]
    fn missing_required_keys_listed() {
        let loaded = load(&Sources::default()).unwrap();
        assert_eq!(
            loaded.missing,
            REQUIRED.iter().map(|k| k.to_string()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn secret_values_rejected_and_redacted() {
        let f = file(&format!("{MINIMAL}description: AKIAIOSFODNN7EXAMPLE\n"));
        let err = load(&sources(&f, &[])).unwrap_err().to_string();
        assert!(err.contains("AWS access key"), "{err}");
        assert!(!err.contains("AKIAIOSFODNN7EXAMPLE"), "{err}");
    }

    #[test]
    fn duplicate_key_rejected() {
        let f = file(&format!("{MINIMAL}project: again\n"));
        let err = load(&sources(&f, &[])).unwrap_err().to_string();
        assert!(err.contains("appears more than once"), "{err}");
    }

    /// A synthetic version 2 that renamed `rate_limit.rps` to
    /// `rate_limit.per_second`, to drive the migration steps.
    fn rename_rps(map: &mut serde_json::Map<String, Value>) -> Result<(), String> {
        let limits = map
            .get_mut("rate_limit")
            .and_then(Value::as_object_mut)
            .ok_or("rate_limit is missing")?;
        if let Some(rps) = limits.remove("rps") {
            limits.insert("per_second".to_string(), rps);
        }
        Ok(())
    }

    fn mapping(text: &str) -> serde_json::Map<String, Value> {
        match serde_json::from_str(text).unwrap() {
            Value::Object(map) => map,
            _ => panic!("not a mapping"),
        }
    }

    #[test]
    fn older_schema_migrated_step_by_step() {
        let steps = [Migration {
            from: 1,
            apply: rename_rps,
        }];
        let mut map = mapping(r#"{"schema_version": 1, "rate_limit": {"rps": 7}}"#);
        let from = migrate_with(&mut map, Path::new("a.yaml"), &steps, 2).unwrap();
        assert_eq!(from, Some(1));
        assert_eq!(map["schema_version"], 2);
        assert_eq!(map["rate_limit"]["per_second"], 7);
        assert!(map["rate_limit"].get("rps").is_none());
    }

    #[test]
    fn current_schema_untouched() {
        let mut map = mapping(r#"{"schema_version": 1, "rate_limit": {"rps": 7}}"#);
        let from = migrate_with(&mut map, Path::new("a.yaml"), &[], 1).unwrap();
        assert_eq!(from, None);
        assert_eq!(map["rate_limit"]["rps"], 7);
    }

    #[test]
    fn unknown_old_schema_rejected() {
        let mut map = mapping(r#"{"schema_version": 0}"#);
        let err = migrate_with(&mut map, Path::new("a.yaml"), &[], 1).unwrap_err();
        assert!(
            matches!(err, AnswersError::Migration { from: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn failing_step_names_version() {
        let steps = [Migration {
            from: 1,
            apply: rename_rps,
        }];
        let mut map = mapping(r#"{"schema_version": 1}"#);
        let err = migrate_with(&mut map, Path::new("a.yaml"), &steps, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("schema version 1"), "{err}");
        assert!(err.contains("rate_limit is missing"), "{err}");
    }

    #[test]
    fn newer_schema_rejected() {
        let f = file(&format!("schema_version: 99\n{MINIMAL}"));
        let err = load(&sources(&f, &[])).unwrap_err();
        assert!(matches!(err, AnswersError::TooNew { .. }), "{err}");
    }
}
