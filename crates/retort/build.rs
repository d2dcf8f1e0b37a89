//! Rebuild when the example application's embedded migrations change: `include_dir!`
//! cannot tell cargo which files it read on a stable toolchain (an application embedding
//! its own migrations does the same in its build.rs).
fn main() {
    println!("cargo:rerun-if-changed=examples/embedded_app/migrations");
    println!("cargo:rerun-if-changed=build.rs");
}
