//! Hostile answer values: every string answer, set to values that break
//! naive templates, is either rejected with the key and a reason, or renders
//! files that still parse, have the same structure as with a plain value,
//! read the value back exactly, and do not hand it to a product that would
//! expand it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gatekit::answers::keys::{self, Kind};
use gatekit::answers::{self, Ci, Sources};
use gatekit::blueprint::Format;
use gatekit::generate::{self, Generated};

use crate::readback::{self, Tree};
use crate::support::{self, Combo};

/// Fragments that break templates which paste values without escaping, or
/// that a product downstream would expand.
pub(crate) const FRAGMENTS: &[&str] = &[
    "say \"hi\"",
    "it's",
    "key: value",
    "a # comment",
    "{{ project }}",
    "${{ github.token }}",
    "$HOME",
    "${x}",
    "%{x}",
    "%DOWNSTREAM_REMOTE_ADDRESS%",
    "-leading",
    "*star",
    "&anchor",
    "!tag",
    "yes",
    "on",
    "0755",
    "Zürich Straße",
    "東京",
    "back\\slash",
    "<tag attr=\"x\">&amp;",
    "a | b",
    "`tick`",
    "[link](x)",
    "{var}",
    "$(VAR)",
    "- item",
    "+ item",
    "1. item",
    "2) item",
    "---",
    "===",
];

/// Values with characters no answer may contain.
const CONTROL: &[&str] = &[
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "nul\0byte",
    "sep\u{2028}arator",
    "bidi\u{202e}override",
    "mark\u{200e}ed",
    "non\u{ffff}character",
];

/// Plain values tried in order until one is valid for the key; the test
/// uses it as the baseline that the hostile render is compared with.
const PLAIN: &[&str] = &[
    "gkplain",
    "gkplain.example.com",
    "https://gkplain.example.com/gkplain",
    "/gkplain",
    "https://gkplain.example.com",
];

/// Every string answer key, with list items addressed as `[0]`.
pub(crate) fn string_keys() -> Vec<String> {
    keys::reference()
        .into_iter()
        .filter_map(|doc| {
            let key = doc.key.replace("[]", "[0]");
            match doc.kind {
                Kind::String => Some(key),
                Kind::List(inner) if *inner == Kind::String => Some(format!("{key}[0]")),
                _ => None,
            }
        })
        .collect()
}

pub(crate) fn load(combo: Combo, key: &str, value: &str) -> Result<answers::Answers, String> {
    let mut sets = combo.sets();
    sets.push(format!("{key}={value}"));
    let sources = Sources {
        sets,
        defaults: true,
        project_fallback: Some("payments".to_string()),
        ..Sources::default()
    };
    generate::resolve_answers(&sources, None)
        .map(|(answers, _)| answers)
        .map_err(|e| e.to_string())
}

pub(crate) fn render(answers: &answers::Answers) -> Result<Generated, String> {
    static BLUEPRINTS: std::sync::LazyLock<(
        gatekit::blueprint::Blueprints,
        gatekit::blueprint::Origin,
    )> = std::sync::LazyLock::new(|| {
        generate::load_blueprints(&gatekit::blueprint::SourceSpec::Builtin)
            .expect("built-in blueprints load")
    });
    let (blueprints, origin) = &*BLUEPRINTS;
    generate::generate(blueprints, origin, answers).map_err(|e| e.to_string())
}

/// One combination per vendor and environment; `both` covers every CI file.
pub(crate) fn combos() -> Vec<Combo> {
    support::combos()
        .into_iter()
        .filter(|c| c.ci == Ci::Both)
        .collect()
}

#[test]
fn control_characters_rejected_naming_the_key() {
    let combo = combos()[0];
    for key in string_keys() {
        for value in CONTROL {
            let error = load(combo, &key, value).expect_err(&format!("{key} accepted {value:?}"));
            assert!(error.contains(&format!("`{key}`")), "{key}: {error}");
        }
    }
}

#[test]
fn hostile_values_rejected_or_read_back_exactly() {
    let mut accepted = 0;
    let mut pending = Vec::new();
    for combo in combos() {
        for key in string_keys() {
            let Some((plain, baseline)) = baseline(combo, &key) else {
                continue;
            };
            for fragment in FRAGMENTS {
                for value in [fragment.to_string(), format!("{plain}{fragment}")] {
                    match load(combo, &key, &value) {
                        Err(error) => {
                            assert!(
                                error.contains(&format!("`{key}`")),
                                "{}: {key}={value:?}: {error}",
                                combo.name()
                            );
                            assert!(error.contains(": "), "{key}: no reason given: {error}");
                        }
                        Ok(answers) => {
                            accepted += 1;
                            let hostile = render(&answers).unwrap_or_else(|e| {
                                panic!("{} {key}={value:?}: {e}", combo.name())
                            });
                            let label = format!("{} {key}={value:?}", combo.name());
                            pending
                                .extend(check_render(&label, &baseline, &hostile, &plain, &value));
                        }
                    }
                }
            }
        }
    }
    eprintln!("injection: {accepted} hostile values accepted and read back");
    assert!(
        accepted > 0,
        "no hostile value was accepted, so nothing was read back"
    );
    if let Some(yaml11) = Yaml11::find() {
        yaml11.check(&pending);
    }
}

/// Renders the combination with a plain value for `key`, if one is valid.
pub(crate) fn baseline(combo: Combo, key: &str) -> Option<(String, Generated)> {
    PLAIN.iter().find_map(|plain| {
        let answers = load(combo, key, plain).ok()?;
        Some((plain.to_string(), render(&answers).ok()?))
    })
}

/// A YAML file to read back with a YAML 1.1 reader as well.
pub(crate) struct Pending {
    label: String,
    before: String,
    after: String,
    plain: String,
    value: String,
}

/// Compares every file of two renders and returns the YAML files that carry
/// the value, for the YAML 1.1 check.
pub(crate) fn check_render(
    label: &str,
    baseline: &Generated,
    hostile: &Generated,
    plain: &str,
    value: &str,
) -> Vec<Pending> {
    let formats: BTreeMap<&str, Format> = baseline
        .plan
        .iter()
        .map(|p| (p.path.as_str(), p.format))
        .collect();
    let mut expected_paths: Vec<String> = baseline
        .tree
        .paths()
        .map(|p| p.replace(plain, value))
        .collect();
    expected_paths.sort();
    let hostile_paths: Vec<String> = hostile.tree.paths().map(str::to_string).collect();
    assert_eq!(
        hostile_paths, expected_paths,
        "{label}: the set of files changed"
    );

    let mut pending = Vec::new();
    for path in baseline.tree.paths() {
        let format = formats.get(path).copied().unwrap_or(Format::Yaml);
        let before = baseline.tree.text(path).unwrap_or_default();
        let after = hostile
            .tree
            .text(&path.replace(plain, value))
            .unwrap_or_default();
        let mut b = readback::read(format, before)
            .unwrap_or_else(|e| panic!("{label} {path}: baseline: {e}"));
        let mut h = readback::read(format, after).unwrap_or_else(|e| panic!("{label} {path}: {e}"));
        if path == gatekit::record::RECORD_PATH {
            // File digests differ whenever any file does; the record's answers
            // are what this test reads back.
            drop_record_block(&mut b);
            drop_record_block(&mut h);
        }
        let carried = readback::compare(&b, &h, plain, value)
            .unwrap_or_else(|e| panic!("{label} {path}: {e}"));
        for text in &carried {
            if let Some(reason) = expanded_by_consumer(path, text) {
                panic!("{label} {path}: {text:?} reaches {reason}");
            }
        }
        if format == Format::Yaml && !carried.is_empty() {
            pending.push(Pending {
                label: format!("{label} {path}"),
                before: before.to_string(),
                after: after.to_string(),
                plain: plain.to_string(),
                value: value.to_string(),
            });
        }
    }
    pending
}

fn drop_record_block(tree: &mut Tree) {
    if let Tree::List(docs) = tree {
        for doc in docs {
            if let Tree::Map(entries) = doc {
                entries.retain(|(key, _)| *key != Tree::Str("record".to_string()));
            }
        }
    }
}

/// Returns the product that would expand `text`, by where the file goes.
fn expanded_by_consumer(path: &str, text: &str) -> Option<&'static str> {
    let rules: &[(&str, &str, &str)] = &[
        (".github/", "${{", "GitHub Actions expressions"),
        (".gitlab-ci.yml", "$", "GitLab CI variable expansion"),
        ("kong/", "${{", "decK environment templating"),
        ("envoy/", "%", "Envoy command operators"),
        ("nginx/", "$", "NGINX variables"),
        ("apiproxy/", "{", "Apigee message templates"),
        ("k8s/", "$(", "Kubernetes variable expansion"),
    ];
    rules
        .iter()
        .find(|(prefix, needle, _)| path.contains(prefix) && text.contains(needle))
        .map(|(_, _, reason)| *reason)
}

/// PyYAML, a YAML 1.1 reader like the ones Kong and yamllint use.
struct Yaml11 {
    python: PathBuf,
}

impl Yaml11 {
    fn find() -> Option<Yaml11> {
        let venv = std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/gatekit-validators/venv/bin/python"))
            .filter(|p| p.is_file());
        let python = venv.or_else(|| support::tool("python3"))?;
        let probe = std::process::Command::new(&python)
            .args(["-c", "import yaml"])
            .status();
        if probe.is_ok_and(|s| s.success()) {
            Some(Yaml11 { python })
        } else {
            assert!(
                !support::require_external(),
                "PyYAML is required (GATEKIT_REQUIRE_EXTERNAL=1)"
            );
            None
        }
    }

    /// Reads every pending pair with PyYAML and compares them as
    /// `readback::compare` does.
    fn check(&self, pending: &[Pending]) {
        let texts: Vec<&str> = pending
            .iter()
            .flat_map(|p| [p.before.as_str(), p.after.as_str()])
            .collect();
        let trees = self.read_all(&texts);
        for (item, pair) in pending.iter().zip(trees.chunks(2)) {
            let (mut b, mut h) = (pair[0].clone(), pair[1].clone());
            drop_record_block(&mut b);
            drop_record_block(&mut h);
            readback::compare(&b, &h, &item.plain, &item.value)
                .unwrap_or_else(|e| panic!("{} (YAML 1.1): {e}", item.label));
        }
    }

    /// Reads several YAML texts in one Python process.
    fn read_all(&self, texts: &[&str]) -> Vec<Tree> {
        use std::io::Write;
        let script = "import json, sys, yaml\n\
            texts = json.load(sys.stdin)\n\
            print(json.dumps([list(yaml.safe_load_all(t)) for t in texts], default=str))";
        let mut child = std::process::Command::new(&self.python)
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let input = serde_json::to_vec(texts).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "PyYAML failed");
        let value: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        value.iter().map(readback::json).collect()
    }
}
