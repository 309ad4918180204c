//! Loads arbitrary bytes as an answers file. Bytes after the first NUL are
//! split on further NULs into `--set key=value` overrides, so the key path
//! parser is reached as well.

#![no_main]

use std::io::Write;
use std::sync::LazyLock;

use gatekit::answers::load::{self, Sources};
use libfuzzer_sys::fuzz_target;

static FOLDER: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let file = parts.next().unwrap_or_default();
    let sets: Vec<String> = parts
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let path = FOLDER.path().join("answers.yaml");
    let mut out = std::fs::File::create(&path).expect("the answers file is writable");
    out.write_all(file).expect("the answers file is writable");
    drop(out);
    for defaults in [false, true] {
        let sources = Sources {
            file: Some(path.clone()),
            sets: sets.clone(),
            defaults,
            project_fallback: Some("fuzz".to_string()),
        };
        if let Ok(loaded) = load::load(&sources)
            && loaded.missing.is_empty()
        {
            // Answers that load must also pass the checks applied after
            // prompting: both paths validate the same model.
            load::revalidate(&loaded.answers).expect("loaded answers revalidate");
        }
    }
});
