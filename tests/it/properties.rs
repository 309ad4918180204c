//! Property tests: random answer values render files that parse and read
//! every value back, random output paths never write outside the output
//! folder, and random nesting past a parser's limit fails with an error.

use std::path::{Component, Path};

use gatekit::audit;
use gatekit::blueprint::paths;
use gatekit::tree::File;
use proptest::prelude::*;

use crate::injection;

/// Characters that templates, YAML, HCL, XML, NGINX and shells treat
/// specially, mixed with letters and non-ASCII text.
const ALPHABET: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    " ",
    "-",
    "_",
    ".",
    "/",
    ":",
    "#",
    "'",
    "\"",
    "\\",
    "$",
    "{",
    "}",
    "[",
    "]",
    "%",
    "&",
    "*",
    "!",
    "|",
    ">",
    "<",
    "=",
    "@",
    "`",
    "~",
    ";",
    ",",
    "?",
    "+",
    "(",
    ")",
    "ü",
    "東",
    "\u{1F600}",
];

fn answer_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(ALPHABET).prop_map(str::to_string),
        prop::sample::select(injection::FRAGMENTS).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 1..6).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Each case sets one string answer of one combination to a random
    /// value: the answer is rejected naming the key, or every file still
    /// parses, keeps its structure and reads the value back exactly.
    #[test]
    fn random_answers_read_back(
        combo_index in any::<prop::sample::Index>(),
        key_index in any::<prop::sample::Index>(),
        suffix in answer_value(),
        prefixed in any::<bool>(),
    ) {
        let combos = injection::combos();
        let combo = combos[combo_index.index(combos.len())];
        let keys = injection::string_keys();
        let key = &keys[key_index.index(keys.len())];
        let Some((plain, baseline)) = injection::baseline(combo, key) else {
            return Ok(());
        };
        // A plain prefix keeps values valid for keys with a required
        // shape (URLs, paths, DNS names), so more cases reach the render.
        let value = if prefixed { format!("{plain}{suffix}") } else { suffix };
        match injection::load(combo, key, &value) {
            Err(error) => {
                prop_assert!(error.contains(&format!("`{key}`")), "{key}={value:?}: {error}");
            }
            Ok(answers) => {
                let label = format!("{} {key}={value:?}", combo.name());
                let rendered = injection::render(&answers);
                prop_assert!(rendered.is_ok(), "{label}: {:?}", rendered.err());
                if let Ok(hostile) = rendered {
                    injection::check_render(&label, &baseline, &hostile, &plain, &value);
                }
            }
        }
    }
}

/// Path segments that have escaped output folders in other tools: parent
/// and current folder, absolute roots, drive letters, backslashes, `.git`
/// and a link that points outside.
const SEGMENTS: &[&str] = &[
    "a",
    "b.yaml",
    "..",
    ".",
    "",
    "link",
    ".git",
    ".GIT",
    "git~1",
    "C:",
    "x\\..\\..",
    "~",
    "a b",
    "é",
    "\u{0}",
    "\u{200b}",
    "CON",
    ".gatekit",
    "..%2f",
    "dir.",
    "dir ",
];

fn output_path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(SEGMENTS), 1..6),
    )
        .prop_map(|(absolute, segments)| {
            let joined = segments.join("/");
            if absolute {
                format!("/{joined}")
            } else {
                joined
            }
        })
}

/// Lists every path under `dir`, links included but not followed.
fn list(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A path that passes the output path check is plain and relative, and
    /// writing any path, checked or not, never creates a file outside the
    /// output folder, also through a link inside it that points outside.
    #[test]
    fn random_paths_stay_inside(path in output_path()) {
        if paths::check(&path).is_ok() {
            let plain = Path::new(&path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
            prop_assert!(plain, "{path:?} passed the check");
        }

        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let root = dir.path().join("out");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let file = File {
            bytes: b"x\n".to_vec(),
            executable: false,
        };
        let written = gatekit::output::write_file(&root, &path, &file);
        prop_assert_eq!(list(&outside), Vec::<String>::new(), "{:?}", path);
        let stray: Vec<String> = list(dir.path())
            .into_iter()
            .filter(|p| p != "out" && p != "outside" && !p.starts_with("out/"))
            .collect();
        prop_assert_eq!(stray, Vec::<String>::new(), "{:?}", path);
        if written.is_ok() {
            // `Path` drops a trailing `/` or `/.`, and so does the write.
            let target: std::path::PathBuf = root.join(Path::new(&path).components().collect::<std::path::PathBuf>());
            let is_file = target.symlink_metadata().is_ok_and(|m| m.is_file());
            prop_assert!(is_file, "{path:?} was accepted but {target:?} is not a file");
        }
    }

    /// Nesting past each parser's depth limit is an invalid file with a
    /// message, never a stack overflow.
    #[test]
    fn deep_nesting_rejected(depth in 150usize..4000) {
        let cases = [
            ("deep.yaml", format!("{}1{}", "[".repeat(depth), "]".repeat(depth))),
            ("deep.json", format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))),
            ("main.tf", format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(depth), "]".repeat(depth))),
            ("blocks.tf", format!("{}{}", "a {\n".repeat(depth), "}\n".repeat(depth))),
            ("nginx.conf", format!("{}{}", "http {\n".repeat(depth), "}\n".repeat(depth))),
            (
                "apiproxy/proxies/default.xml",
                format!("<ProxyEndpoint>{}{}</ProxyEndpoint>", "<a>".repeat(depth), "</a>".repeat(depth)),
            ),
        ];
        for (name, text) in cases {
            let disk = Path::new("/nonexistent-gatekit-properties").join(name);
            let outcome = audit::audit_text(name, text, &disk);
            prop_assert_eq!(outcome.invalid.len(), 1, "{} at depth {}", name, depth);
            let message = &outcome.invalid[0].message;
            prop_assert!(["deep", "depth", "nest", "recursion"].iter().any(|w| message.contains(w)),
                "{name}: {message}");
        }
    }
}
