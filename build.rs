//! Release builds on Linux link the `dmap` binary with its debug sections compressed (zlib, which
//! backtraces and debuggers read as they are): with `split-debuginfo = "packed"` (Cargo.toml), the
//! line tables that stay in the binary keep it well under 40 MB.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if release && linux {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
}
