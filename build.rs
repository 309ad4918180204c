//! Rebuilds the binary when the embedded blueprints or pipelines change.

fn main() {
    println!("cargo:rerun-if-changed=blueprints");
    println!("cargo:rerun-if-changed=pipelines");
}
