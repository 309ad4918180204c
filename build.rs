//! Rebuilds the binary when the embedded blueprints or pipelines change,
//! and tells the code whether this tree has the probe module.

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
    println!("cargo:rerun-if-changed=pipelines");
    // The catalog checks probe check IDs against the probe's own list; a
    // tree without the probe module can only check their form.
    println!("cargo::rustc-check-cfg=cfg(gatekit_probe)");
    println!("cargo:rerun-if-changed=src");
    if std::path::Path::new("src/probe/checks/mod.rs").exists() {
        println!("cargo:rustc-cfg=gatekit_probe");
    }
}
